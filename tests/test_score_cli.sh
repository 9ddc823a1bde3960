#!/bin/bash
# LABELS: unit
# TIMEOUT: 120
# test_score_cli: `continuo score` output formats and consistency (JSON totals = sum of
# the files, JSON = text, a directory = its files), --transformer-only on a tiny trained
# model, and its errors (exit codes, one line).
set -u
BIN=${CN_BIN:?} SRC=${CN_SOURCE_DIR:?}
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
V=$SRC/data/melody/nottingham/valid
mkdir "$T/dir" && cp "$V/ashover34.mid" "$V/ashover35.mid" "$T/dir/"
# a small long-term model keeps the test fast
mkdir "$T/ltm" && cp "$SRC"/data/melody/nottingham/train/ashover1*.mid "$T/ltm/"
S() { "$BIN" score --ngram-data "$T/ltm" "$@"; }

S --ngram-only --json "$T/dir/ashover34.mid" "$T/dir/ashover35.mid" >"$T/j" 2>"$T/e" || fail "score --json: $(cat "$T/e")"
J=$(cat "$T/j")
echo "$J"
[[ $J =~ ^\{\"files\":\[\{\"path\":\"[^\"]+ashover34.mid\",\"notes\":[0-9]+,\"bits\":[0-9.e+-]+\},\{\"path\":\"[^\"]+ashover35.mid\",\"notes\":[0-9]+,\"bits\":[0-9.e+-]+\}\],\"notes\":[0-9]+,\"bits_per_note\":[0-9.e+-]+\}$ ]] ||
    fail "JSON shape: $J"
# numbers: total notes = sum, bits_per_note = sum(bits) / notes
echo "$J" | tr '{},' '\n\n\n' | awk -F: '
    /"notes"/ { n[++k] = $2 } /"bits"/ { b[++m] = $2 } /"bits_per_note"/ { bpn = $2 }
    END { if (k != 3 || m != 2) { print "fields " k " " m; exit 1 }
          if (n[1] + n[2] != n[3]) { print "notes " n[1] "+" n[2] "!=" n[3]; exit 1 }
          x = (b[1] + b[2]) / n[3]; d = x - bpn; if (d < 0) d = -d
          if (d > 1e-9 || bpn < 0.5 || bpn > 8) { print "bits_per_note " bpn " vs " x; exit 1 } }' ||
    fail "JSON totals inconsistent"
# each tune is scored from a fresh model: alone it gets the same bits as in a batch
S --ngram-only --json "$T/dir/ashover35.mid" >"$T/j1" 2>"$T/e" || fail "score one file: $(cat "$T/e")"
B1=$(sed 's/.*"bits":\([0-9.e+-]*\)}\].*/\1/' "$T/j1")
echo "$J" | grep -q "ashover35.mid\",\"notes\":[0-9]*,\"bits\":$B1}" || fail "file scored alone ($B1) differs from the batch"
# the text report says the same, and a directory scores as its files
S --ngram-only "$T/dir" >"$T/t" 2>"$T/e" || fail "score DIR: $(cat "$T/e")"
cat "$T/t"
TOTAL=$(echo "$J" | sed 's/.*"bits_per_note":\([0-9.e+-]*\)}/\1/')
grep -q "total (ngram): 2 files, $(echo "$J" | sed 's/.*\],"notes":\([0-9]*\),.*/\1/') notes, $(printf '%.4f' "$TOTAL") bits/note" "$T/t" ||
    fail "text total differs from JSON ($TOTAL)"
grep -q "ashover34.mid: [0-9]* notes, [0-9.]* bits/note" "$T/t" || fail "text per-file line"

# --transformer-only: the transformer alone, on a tiny model trained here (no n-gram, so no
# --ngram-data); named after the model file, and not the mixture's number
"$BIN" train melody --data "$T/ltm" --d-model 16 --layers 1 --heads 2 --ctx 32 --batch 2 \
    --steps 2 --threads 1 --quiet -o "$T/tiny.safetensors" 2>"$T/e" || fail "training a tiny model: $(cat "$T/e")"
"$BIN" score --transformer-only --model "$T/tiny.safetensors" "$T/dir" >"$T/tt" 2>"$T/e" ||
    fail "--transformer-only: $(cat "$T/e")"
cat "$T/tt"
grep -q "^total (tiny): 2 files, [0-9]* notes, [0-9.]* bits/note$" "$T/tt" || fail "--transformer-only total line"
"$BIN" score --transformer-only --model "$T/tiny.safetensors" --json "$T/dir/ashover34.mid" >"$T/tj" 2>"$T/e" ||
    fail "--transformer-only --json: $(cat "$T/e")"
S --model "$T/tiny.safetensors" --json "$T/dir/ashover34.mid" >"$T/mj" 2>"$T/e" || fail "mixture: $(cat "$T/e")"
grep -q '"notes":116,"bits_per_note":' "$T/tj" || fail "--transformer-only JSON: $(cat "$T/tj")"
cmp -s "$T/tj" "$T/mj" && fail "--transformer-only scored like the mixture"

# errors: one line on stderr, exit 1 (failure) or 2 (usage), nothing on stdout
check_err() { # expected-code args...
    local want=$1; shift
    S "$@" >"$T/o" 2>"$T/e"; local rc=$?
    [ "$rc" = "$want" ] || fail "score $*: exit $rc, want $want"
    [ "$(wc -l <"$T/e")" = 1 ] || fail "score $*: stderr not one line: $(cat "$T/e")"
    [ ! -s "$T/o" ] || fail "score $*: printed on stdout"
}
check_err 1 --ngram-only "$T/missing.mid"
check_err 2 --ngram-only
check_err 2 --bogus "$T/dir"
check_err 1 --model "$T/no-such-model" "$T/dir"
check_err 2 --model x --ngram-only "$T/dir"
check_err 2 --transformer-only --ngram-only "$T/dir"
grep -q -- "--ngram-only and --transformer-only exclude each other" "$T/e" || fail "exclusion message: $(cat "$T/e")"
check_err 2 --transformer-only "$T/dir" # --ngram-data (added by S) has no use without an n-gram
"$BIN" score --transformer-only --model "$T/no-such-model" "$T/dir" >"$T/o" 2>"$T/e"
[ $? = 1 ] && [ "$(wc -l <"$T/e")" = 1 ] && [ ! -s "$T/o" ] || fail "--transformer-only, missing model: $(cat "$T/e")"
mkdir "$T/empty"; check_err 1 --ngram-only "$T/empty"
printf 'MThd garbage' >"$T/bad.mid"; check_err 1 --ngram-only "$T/bad.mid"
echo '{"name": "broken"}' >"$T/p1.json"; check_err 1 --model "$T/p1.json" "$T/dir"
echo '{"model": "none.safetensors"}' >"$T/p2.json"; check_err 1 --model "$T/p2.json" "$T/dir"
echo '{"model": ' >"$T/p3.json"; check_err 1 --model "$T/p3.json" "$T/dir"
# the shipped model, where there is one: the default is the transformer + n-gram mixture
if [ -e "$SRC/presets/melody.json" ]; then
    (cd "$T" && S --json "$T/dir/ashover34.mid") >"$T/j2" 2>"$T/e" || fail "default model: $(cat "$T/e")"
    grep -q '"notes":116,"bits_per_note":' "$T/j2" || fail "default model JSON: $(cat "$T/j2")"
fi
"$BIN" score --help | grep -q "total bits" || fail "--help does not define bits"
"$BIN" score --help | grep -q -- "--transformer-only" || fail "--help does not list --transformer-only"

# A folder with bad files: each is reported on its own line (naming it), the rest scored,
# and the exit is 1 at the end.
mkdir -p "$T/mixed"
cp "$SRC/data/melody/nottingham/valid/ashover34.mid" "$T/mixed/"
printf 'garbage' >"$T/mixed/bad.mid"
head -c 30 "$SRC/data/melody/nottingham/valid/ashover35.mid" >"$T/mixed/cut.mid"
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00' >"$T/mixed/empty.mid"
rc=0
"$BIN" score "$T/mixed" --ngram-only >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 1 ] || fail "mixed folder: exit $rc"
grep -q "ashover34.mid: 116 notes" "$T/out" || fail "the good file was not scored: $(cat "$T/out")"
grep -q "^total (ngram): 1 files, 116 notes" "$T/out" || fail "mixed folder total: $(cat "$T/out")"
for f in bad cut empty; do
    [ "$(grep -c "^continuo score: $T/mixed/$f.mid: .* (skipped)$" "$T/err")" = 1 ] ||
        fail "$f.mid not reported once: $(cat "$T/err")"
done
grep -q "^continuo score: 3 of 4 files could not be scored$" "$T/err" || fail "no summary: $(cat "$T/err")"
echo "test_score_cli: ok"
