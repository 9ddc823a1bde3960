#!/usr/bin/env bash
# demo.sh: the main job, from a fresh Debian 12 machine: installs what is missing, builds,
# continues a tune with the shipped melody model and renders it to demo.wav (WaveNet when a
# shipped instrument exists, else the reference synth). Plays it too when PLAY=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh" build
bash "$root/scripts/build.sh"
bin="$root/build/continuo"
primer=${PRIMER:-"$root/data/demo/primer.txt"}
out=${OUT:-demo.wav}
mid="${out%.wav}.mid"
if [ -e "$root/presets/melody.json" ]; then
  "$bin" continue "$(cat "$primer")" --bars 16 --meter 6/8 --key D --seed "${SEED:-7}" -o "$mid"
else
  echo "demo: no shipped melody model yet; rendering a shipped tune instead" >&2
  cp "$root/data/melody/nottingham/train/jigs100.mid" "$mid"
fi
synth=reference
inst=()
if ls "$root"/presets/wavenet-*.json >/dev/null 2>&1; then
  synth=wavenet
  inst=(--instrument "$(basename "$(ls "$root"/presets/wavenet-*.json | head -1)" .json | sed 's/^wavenet-//')")
fi
"$bin" render "$mid" -o "$out" --synth "$synth" "${inst[@]}"
echo "demo: wrote $mid and $out (synth: $synth)" >&2
if [ "${PLAY:-0}" = 1 ]; then "$bin" play "$mid"; fi
