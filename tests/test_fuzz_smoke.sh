#!/usr/bin/env bash
# LABELS: fuzz
# TIMEOUT: 120
# test_fuzz_smoke: runs the libFuzzer targets (tests/fuzz/fuzz_*.c) briefly on seed
# inputs. It needs a build with the targets (CC=clang -DCN_FUZZ=ON, see docs/midi.md;
# scripts/test.sh makes one and runs label "fuzz" there); elsewhere it is skipped (exit 77).
# FUZZ_SECONDS sets the time per target (default 10).
set -euo pipefail
: "${CN_BUILD_DIR:?}" "${CN_SOURCE_DIR:?}"
secs=${FUZZ_SECONDS:-10}
bin=$CN_BUILD_DIR/tests
targets="midi notation safetensors preset audio"
missing=0
for t in $targets; do [[ -x $bin/fuzz_$t ]] || missing=1; done
if [ $missing = 1 ]; then
    echo "test_fuzz_smoke: SKIP: no fuzz targets in $bin (configure with CC=clang -DCN_FUZZ=ON)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/midi" "$work/notation" "$work/safetensors" "$work/preset" "$work/audio"
# Model-file seeds: the header and first tensors of a shipped file (cut, like a corrupt download).
head -c 4096 "$CN_SOURCE_DIR"/presets/wavenet-gm3.safetensors >"$work/safetensors/seed1"
cp "$CN_SOURCE_DIR"/data/melody/nottingham/test/*.mid "$work/midi/"
printf 'C4 F#5 Bb3 r D4:1/2 | E4:3/2 A0:1/3' >"$work/notation/seed1"
printf 'c-1:1/12 G9:7 r:5/2 A##4 Cbb0 ||' >"$work/notation/seed2"
cp "$CN_SOURCE_DIR"/presets/*.json "$work/preset/"
# Audio seeds: the expected format (mono 16 kHz), another rate, stereo, float, truncated.
if command -v sox >/dev/null; then
    sox -n -r 16000 -c 1 -b 16 "$work/audio/mono16k.wav" synth 0.05 sine 440
    sox -n -r 44100 -c 1 -b 16 "$work/audio/mono44k.wav" synth 0.02 sine 440
    sox -n -r 16000 -c 2 -b 16 "$work/audio/stereo.wav" synth 0.02 sine 440
    sox -n -r 16000 -c 1 -e floating-point -b 32 "$work/audio/float.wav" synth 0.02 sine 440
    head -c 100 "$work/audio/mono16k.wav" >"$work/audio/cut.wav"
fi
for t in $targets; do
    # A crash, leak or failed CHECK makes libFuzzer exit non-zero, failing the test.
    "$bin/fuzz_$t" -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" "$work/$t" 2>"$work/$t.log" || { tail -40 "$work/$t.log"; exit 1; }
    grep -E '^Done [0-9]+ runs' "$work/$t.log" | sed "s/^/fuzz_$t: /"
done
