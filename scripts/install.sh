#!/usr/bin/env bash
# Installs everything dancecore needs on Debian/Ubuntu: system packages (when run as root or with
# sudo available), a virtual environment in .venv, and the package with all extras.
# Usage: scripts/install.sh            (then: source .venv/bin/activate)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  ffmpeg libsndfile1              # decoding: mp3, m4a/aac, video containers
  portaudio19-dev                 # pyaudio (live adapter)
  pulseaudio pulseaudio-utils libasound2-plugins   # loopback monitor sources and their tests
  jackd2                          # MIDI through JACK in tests (virtual ports)
  fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont musescore-general-soundfont-small  # synthetic training set
  sox espeak-ng                   # crowd noise, spoken announcements
  chromium                        # browser tests of the web page
)
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${APT_PACKAGES[@]}"
else
  echo "install.sh: no apt-get; install these with your package manager: ${APT_PACKAGES[*]}" >&2
fi

PYTHON=${PYTHON:-python3}
[ -d .venv ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[all]"
echo "dancecore installed: activate with 'source .venv/bin/activate', then run 'dancecore classify song.mp3'"
