#!/bin/bash
# LABELS: unit
# TIMEOUT: 300
# test_bench_melody_tools: `bench mixture`, `bench infill` and `bench conditioning` run on
# tiny models trained here and print their tables: the mixture grid replays the
# transformer's answers (its "transformer alone" row equals `score --transformer-only`),
# infill rows and bits, conditioning tables for both primer lengths; errors are one line.
set -u
BIN=${CN_BIN:?} SRC=${CN_SOURCE_DIR:?}
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$T/data" "$T/valid"
cp "$SRC"/data/melody/nottingham/train/ashover1*.mid "$T/data/"
cp "$SRC"/data/melody/nottingham/valid/ashover3*.mid "$T/valid/"
tiny=(--d-model 16 --layers 1 --heads 2 --ctx 64 --batch 2 --steps 3 --threads 1 --quiet)
"$BIN" train melody --data "$T/data" "${tiny[@]}" --fim 0.5 -o "$T/fim.safetensors" 2>"$T/e" ||
    fail "training: $(cat "$T/e")"
"$BIN" train melody --data "$T/data" "${tiny[@]}" -o "$T/plain.safetensors" 2>"$T/e" || fail "training: $(cat "$T/e")"

"$BIN" bench mixture --model "$T/fim.safetensors" --data "$T/valid" >"$T/mix" 2>"$T/e" || fail "bench mixture: $(cat "$T/e")"
[ "$(grep -cE '^ +[0-9.]+ +[0-9.]+( +[0-9]+\.[0-9]{4}){5}$' "$T/mix")" = 12 ] || fail "no 12x5 grid: $(cat "$T/mix")"
grep -q "best: entropy bias" "$T/mix" || fail "no best cell"
# The bench's rows are score's figures: the ensemble alone, heard once, and the shipped
# mixture is the default predictor; so is the grid's cell of the shipped settings.
same() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a - b < 1e-4 && b - a < 1e-4) }' || fail "bench mixture's $3 $1 != score's $2"; }
bpn() { "$BIN" score --model "$T/fim.safetensors" "$@" "$T/valid" --json | grep -o '"bits_per_note":[0-9.]*' | cut -d: -f2; }
same "$(awk '/transformer alone/ {print $3}' "$T/mix")" "$(bpn --transformer-only)" "transformer alone"
same "$(awk '/heard once/ {print $4}' "$T/mix")" "$(bpn --transformer-only --no-ensemble)" "transformer heard once"
mixed=$(bpn)
same "$(awk '/n-gram, shipped/ {print $(NF-1)}' "$T/mix")" "$mixed" "shipped mixture"
same "$(awk '$1 == "0.50" && $2 == "2.0" {print $6}' "$T/mix")" "$mixed" "grid cell (0.50, 2.0, rate 0.40)"

"$BIN" bench infill --quick --model "$T/fim.safetensors" --candidates 2 >"$T/inf" 2>"$T/e" || fail "bench infill: $(cat "$T/e")"
for row in "real tunes" "infill (2 candidates)" "infill (first draw)" "left side only"; do
    grep -qF "$row" "$T/inf" || fail "bench infill: no row '$row': $(cat "$T/inf")"
done
grep -qE "both sides [0-9]+\.[0-9]{4}, left side only [0-9]+\.[0-9]{4}" "$T/inf" || fail "bench infill: no bits line"

"$BIN" bench conditioning --quick --model "$T/fim.safetensors" >"$T/cond" 2>"$T/e" || fail "bench conditioning: $(cat "$T/e")"
[ "$(grep -c "tritone away" "$T/cond")" = 2 ] || fail "bench conditioning: not two tables: $(cat "$T/cond")"
grep -q "after a one-note primer (15 tunes" "$T/cond" || fail "bench conditioning: $(head -3 "$T/cond")"

"$BIN" bench infill --quick --model "$T/plain.safetensors" >/dev/null 2>"$T/e" && fail "bench infill took a model without --fim"
[ "$(wc -l <"$T/e")" = 1 ] && grep -q "not trained for infilling" "$T/e" || fail "bench infill error: $(cat "$T/e")"
"$BIN" bench mixture --model "$T/none.safetensors" >/dev/null 2>"$T/e" && fail "bench mixture without a model file"
[ "$(wc -l <"$T/e")" = 1 ] || fail "bench mixture error: $(cat "$T/e")"
"$BIN" bench infill --bars 9-2 >/dev/null 2>"$T/e"
[ $? = 2 ] || fail "bench infill --bars 9-2: not a usage error"
echo "test_bench_melody_tools: ok"
