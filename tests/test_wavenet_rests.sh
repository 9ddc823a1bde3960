#!/usr/bin/env bash
# LABELS: slow
# TIMEOUT: 900
# test_wavenet_rests: the WaveNet instruments are silent in rests and at the end of a file:
# A4 for 1 s, a 1 s rest, C5 for 1 s, rendered with each shipped instrument at 16 and 48 kHz
# (its model's rate, and resampled). From 0.25 s into the rest its mean and peak are below 1e-3 of full
# scale (the model alone held an offset of up to 0.18 there), and the file's last
# millisecond is below 1e-3 (no step at the end); the notes themselves still sound.
set -uo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
command -v sox >/dev/null || { echo "test_wavenet_rests: SKIP: no sox"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_wavenet_rests: FAIL: $*" >&2; exit 1; }
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x17\x00\x90\x45\x5a\x87\x40\x80\x45\x40\x87\x40\x90\x48\x5a\x87\x40\x80\x48\x40\x00\xff\x2f\x00' >"$T/rest.mid"
stat_of() { sox "$1" -n trim "${@:2}" stat 2>&1; }
value() { awk -v k="$1" 'index($0, k) == 1 { print $NF }'; }
below() { awk -v x="$1" -v lim="$2" 'BEGIN { x = x < 0 ? -x : x; exit !(x < lim) }'; }
instruments=$("$CN_BIN" presets | awk '$2 == "instrument" { sub(/^wavenet-/, "", $1); print $1 }')
[ -n "$instruments" ] || fail "no shipped instruments"
for inst in $instruments; do
    for rate in 16000 48000; do
        w="$T/$inst-$rate.wav"
        "$CN_BIN" render "$T/rest.mid" -o "$w" --synth wavenet --instrument "$inst" --rate $rate 2>"$T/err" ||
            fail "render $inst at $rate: $(cat "$T/err")"
        s=$(stat_of "$w" 1.25 0.75)
        mean=$(echo "$s" | value "Mean    amplitude")
        peak=$(echo "$s" | value "Maximum amplitude")
        end=$(stat_of "$w" -0.001 | value "Maximum amplitude")
        note=$(stat_of "$w" 0.2 0.6 | value "RMS     amplitude")
        echo "$inst @ $rate Hz: rest mean $mean, rest peak $peak, last ms peak $end, note RMS $note"
        below "$mean" 1e-3 && below "$peak" 1e-3 || fail "$inst @ $rate: not silent in the rest"
        below "$end" 1e-3 || fail "$inst @ $rate: a step at the end of the file ($end)"
        below "$note" 0.005 && fail "$inst @ $rate: the note itself is silent"
    done
done
echo "test_wavenet_rests: ok"
