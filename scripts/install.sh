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
  $SUDO apt-get clean             # the downloaded .deb files (about 0.6 GB) are not needed any more
else
  echo "install.sh: no apt-get; install these with your package manager: ${APT_PACKAGES[*]}" >&2
fi

PYTHON=${PYTHON:-python3}
[ -d .venv ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/pip --no-cache-dir)   # no second copy of the ~3 GB of wheels in ~/.cache/pip
"${PIP[@]}" install -q --upgrade pip

# PyTorch with its CUDA libraries unpacks to about 6.2 GB; fail now, not after minutes of download.
NEED_MB=7168
free_mb=$(df -Pk . | awk 'NR == 2 {print int($4 / 1024)}')
if ! .venv/bin/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)" \
   && [ "$free_mb" -lt "$NEED_MB" ]; then
  echo "install.sh: only $((free_mb / 1024)).$((free_mb % 1024 * 10 / 1024)) GB free on $(pwd); PyTorch needs about 7 GB: free some disk space and run it again" >&2
  exit 1
fi

# Resolve once, then install the large wheels one at a time (see scripts/install_plan.py).
plan=$(mktemp)
trap 'rm -f "$plan"' EXIT
"${PIP[@]}" install -q --dry-run --report "$plan" -e ".[all]"
groups=$(.venv/bin/python scripts/install_plan.py "$plan")
while read -r -a requirements; do
  [ "${#requirements[@]}" -eq 0 ] || "${PIP[@]}" install -q --no-deps "${requirements[@]}"
done <<< "$groups"
"${PIP[@]}" install -q -e ".[all]"
echo "dancecore installed: activate with 'source .venv/bin/activate', then run 'dancecore classify song.mp3'"
