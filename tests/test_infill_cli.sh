#!/bin/bash
# LABELS: unit
# TIMEOUT: 120
# test_infill_cli: `continuo infill` on a tiny model trained here with --fim: the printed
# bars take exactly the time of the bars they replace (notation and MIDI input), -o
# writes a MIDI file that records the command and seed, the same seed gives the same
# file; errors (no or bad --bars, bars past the end, a model not trained for infilling,
# a missing file, -o not .mid) give one line and a non-zero exit and leave no file.
set -u
BIN=${CN_BIN:?} SRC=${CN_SOURCE_DIR:?}
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$T/data" && cp "$SRC"/data/melody/nottingham/train/ashover1*.mid "$T/data/"
tiny=(--d-model 16 --layers 1 --heads 2 --ctx 64 --batch 2 --steps 3 --threads 1 --quiet)
"$BIN" train melody --data "$T/data" "${tiny[@]}" --fim 0.5 -o "$T/fim.safetensors" 2>"$T/e" ||
    fail "training with --fim: $(cat "$T/e")"
"$BIN" train melody --data "$T/data" "${tiny[@]}" -o "$T/plain.safetensors" 2>"$T/e" ||
    fail "training without --fim: $(cat "$T/e")"

# Beats of printed notation: PITCH[:N[/D]] tokens, a bare pitch is one beat.
beats() {
    tr ' ' '\n' | awk -F: 'NF { if (NF == 1) b += 1; else { split($2, f, "/"); b += f[1] / (f[2] ? f[2] : 1) } }
                          END { printf "%g\n", b }'
}

tune="C4 D4 E4 F4 | G4 A4 B4 C5 | D5 C5 B4 A4 | G4 F4 E4 D4 | C4:4"
out=$("$BIN" infill "$tune" --bars 2-3 --model "$T/fim.safetensors" --seed 4 2>"$T/e") || fail "infill: $(cat "$T/e")"
[ "$(echo "$out" | beats)" = 8 ] || fail "bars 2-3 of 4/4 are 8 beats, the infill takes $(echo "$out" | beats): $out"
out1=$("$BIN" infill "$tune" --bars 4 --model "$T/fim.safetensors" --seed 4 2>/dev/null)
[ "$(echo "$out1" | beats)" = 4 ] || fail "bar 4 is 4 beats, the infill takes $(echo "$out1" | beats)"
grep -q "seed" "$T/e" && fail "a given seed is not printed again"
"$BIN" infill "$tune" --bars 2 --model "$T/fim.safetensors" 2>"$T/e" >/dev/null || fail "infill without --seed"
grep -q "^continuo infill: seed [0-9]" "$T/e" || fail "no seed printed: $(cat "$T/e")"

# A MIDI tune (6/8 with a pickup bar): the new bars 5-8 take the old bars' time.
mid=$SRC/data/melody/nottingham/test/ashover13.mid
"$BIN" infill "$mid" --bars 5-8 --model "$T/fim.safetensors" --seed 9 -o "$T/a.mid" >"$T/o" 2>"$T/e" ||
    fail "infill -o: $(cat "$T/e")"
grep -q "bars 5-8 regenerated" "$T/o" || fail "no summary line: $(cat "$T/o")"
grep -aq "continuo infill .* --seed 9" "$T/a.mid" || fail "the command is not recorded in the file"
mkdir "$T/again" && cp "$T/a.mid" "$T/again/first.mid"
(cd "$T/again" && "$BIN" infill "$mid" --bars 5-8 --model "$T/fim.safetensors" --seed 9 -o "$T/a.mid" >/dev/null 2>&1)
cmp -s "$T/a.mid" "$T/again/first.mid" || fail "the same seed wrote another file"
# The whole written tune scores (it is a valid melody file) and keeps its length in notes
# outside the stretch: score counts notes, the summary gives the old and new counts.
"$BIN" score --ngram-only "$T/a.mid" >/dev/null 2>"$T/e" || fail "the written file does not read back: $(cat "$T/e")"

err_case() { # expected-text args...
    local want=$1
    shift
    "$BIN" infill "$@" >"$T/out" 2>"$T/err" && fail "infill $* succeeded"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "infill $*: not one line: $(cat "$T/err")"
    grep -q -- "$want" "$T/err" || fail "infill $*: '$want' not in: $(cat "$T/err")"
}
err_case "which bars" "$tune" --model "$T/fim.safetensors"
err_case "expected A-B" "$tune" --bars 3-2 --model "$T/fim.safetensors"
err_case "expected A-B" "$tune" --bars x --model "$T/fim.safetensors"
err_case "tune ends first" "$tune" --bars 9-10 --model "$T/fim.safetensors"
err_case "not trained for infilling" "$tune" --bars 2 --model "$T/plain.safetensors" -o "$T/no.mid"
[ -e "$T/no.mid" ] && fail "a refused infill left a file"
err_case "no/such.mid" no/such.mid --bars 2 --model "$T/fim.safetensors"
err_case "must end in .mid" "$tune" --bars 2 -o "$T/x.wav"
ls "$T" | grep -q tmp && fail "a temporary file was left: $(ls "$T")"
echo "test_infill_cli: ok"
