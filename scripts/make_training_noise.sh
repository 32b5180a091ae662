#!/usr/bin/env bash
# Noise recordings mixed into training crops of the default model (thesis §4.7): brown and
# low-passed pink noise from sox, and babble of six espeak-ng voices with room reverb.
# Kept apart from dancecore/assets/crowd_noise.ogg, which the evaluation's noise sweep uses.
# Usage: scripts/make_training_noise.sh OUT_DIR
set -euo pipefail
out=${1:?usage: make_training_noise.sh OUT_DIR}
mkdir -p "$out" && cd "$out"
sox -n -r 22050 -c 1 brown.wav synth 60 brownnoise
sox -n -r 22050 -c 1 pink.wav synth 60 pinknoise lowpass 4000
text="Welcome everyone to the practice social tonight. Please take your partners, the next dance will start in a moment. Thank you, drinks are at the bar, and remember the workshop next Sunday at three."
for v in en+m3 en+f2 de+m1 es+f4 fr+m2 it+f1; do espeak-ng -v "$v" -s 150 -w "v_$v.wav" "$text"; done
sox -m v_*.wav -r 22050 babble_raw.wav
sox babble_raw.wav babble.wav repeat 4 reverb 60
rm v_*.wav babble_raw.wav
