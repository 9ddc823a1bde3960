#!/usr/bin/env bash
# demo.sh: the main job, from a fresh Debian 12 machine: installs what is missing, builds,
# continues a tune with the shipped melody model and renders it to demo.wav with the
# shipped WaveNet (violin, 48 kHz) and to demo-reference.wav with the reference synth, and
# renders a four-part chorale (scripts/make_chorale.sh) with the WaveNet to demo-chorale.wav.
# With PLAY=1 it also plays the tune live through the speakers (WaveNet violin).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh" build
bash "$root/scripts/build.sh"
bin="$root/build/continuo"
primer=${PRIMER:-"$root/data/demo/primer.txt"}
out=${OUT:-demo.wav}
mid="${out%.wav}.mid"
if [ -e "$root/presets/melody-folk.safetensors" ]; then
  "$bin" continue "$(cat "$primer")" --bars 16 --meter 6/8 --key D --temperature 0.8 --top-p 0.9 \
    --seed "${SEED:-7}" -o "$mid"
else
  echo "demo: no shipped melody model yet; rendering a shipped tune instead" >&2
  cp "$root/data/melody/nottingham/train/jigs100.mid" "$mid"
fi
# The shipped WaveNet plays it as a fiddle (48 kHz, its rate); the reference synth too, to compare.
"$bin" render "$mid" -o "$out" --synth wavenet --instrument violin --rate 48000
infill="${out%.wav}-infill.mid"
if [ -e "$root/presets/melody-folk.safetensors" ]; then # bars 5-8 written again from both sides
  "$bin" infill "$mid" --bars 5-8 --seed "${SEED:-7}" -o "$infill"
fi
"$bin" render "$mid" -o "${out%.wav}-reference.wav" --synth reference
# Polyphony: a four-part chorale, each part its own General MIDI instrument (flute, violin,
# trumpet, cello) and place in the stereo field, played by the WaveNet's voices (48 kHz).
chorale="${out%.wav}-chorale"
bash "$root/scripts/make_chorale.sh" "$chorale.mid"
"$bin" render "$chorale.mid" -o "$chorale.wav" --synth wavenet --rate 48000
echo "demo: wrote $mid, $out (WaveNet violin), ${out%.wav}-reference.wav (reference synth)," \
  "$infill (bars 5-8 of it regenerated) and $chorale.wav (four-part chorale, WaveNet, stereo)" >&2
if [ "${PLAY:-0}" = 1 ]; then "$bin" play "$mid" --synth wavenet --instrument violin; fi
