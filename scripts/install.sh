#!/usr/bin/env bash
# Installs dancecore on Debian/Ubuntu: system packages (when run as root or with sudo available) and a
# virtual environment in .venv with the package.
# Usage: scripts/install.sh         what classify, live, serve and the bot need (ONNX Runtime, no PyTorch)
#        scripts/install.sh --dev   also what the tests and training need (PyTorch, Chromium, JACK, FluidSynth, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$arg'; use no option (classify, live, serve, bot) or --dev (adds tests and training)" >&2
       exit 2 ;;
  esac
done

APT_PACKAGES=(
  ffmpeg libsndfile1              # decoding: mp3, m4a/aac, video containers
  portaudio19-dev gcc python3-dev python3-venv   # PyAudio is built from source on Linux (live adapter)
  pulseaudio-utils libasound2-plugins            # live --source monitor: pactl and ALSA's pulse device
)
DEV_APT_PACKAGES=(
  pulseaudio                      # a sound server for the loopback tests on a headless machine
  jackd2                          # MIDI through JACK in tests (virtual ports)
  fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont musescore-general-soundfont-small  # synthetic training set
  sox espeak-ng                   # crowd noise, spoken announcements
  chromium                        # browser tests of the web page
)
if [ "$DEV" -eq 1 ]; then APT_PACKAGES+=("${DEV_APT_PACKAGES[@]}"); fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$DEV" -eq 1 ]; then echo "jackd2 jackd/tweak_rt_limits boolean false" | $SUDO debconf-set-selections; fi
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q "${APT_PACKAGES[@]}"
  $SUDO apt-get clean             # the downloaded .deb files are not needed any more
else
  echo "install.sh: no apt-get; install these with your package manager: ${APT_PACKAGES[*]}" >&2
fi

PYTHON=${PYTHON:-python3}
[ -d .venv ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/pip --no-cache-dir)   # no second copy of the wheels in ~/.cache/pip
"${PIP[@]}" install -q --upgrade pip

if [ "$DEV" -eq 0 ]; then
  "${PIP[@]}" install -q -e ".[live,bot,web,tag]"
  echo "dancecore installed: activate with 'source .venv/bin/activate', then run 'dancecore classify song.mp3'"
  exit 0
fi

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
echo "dancecore installed with tests and training: run the tests with '.venv/bin/python -m pytest -q'"
