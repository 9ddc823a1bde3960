#!/bin/bash
# LABELS: unit
# TIMEOUT: 180
# test_continue_cli: `continuo continue` (with the n-gram, so it needs no trained
# weights): same seed -> byte-identical MIDI, --samples, --bars, beam determinism,
# notation output, the seed on stderr, and errors that leave no output file.
set -u
BIN=${CN_BIN:?} SRC=${CN_SOURCE_DIR:?}
T=$(mktemp -d) && trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
P="G4 B4 D5 C5:1/2 B4:1/2 | A4 F#4 G4:2"
# a small long-term model keeps the test fast
mkdir "$T/ltm" && cp "$SRC"/data/melody/nottingham/train/ashover1*.mid "$T/ltm/"
C() { "$BIN" continue --ngram-only --ngram-data "$T/ltm" "$@"; }

C "$P" --seed 7 --notes 24 -o "$T/a.mid" >/dev/null 2>"$T/e" || fail "continue: $(cat "$T/e")"
C "$P" --seed 7 --notes 24 -o "$T/b.mid" >/dev/null 2>&1 || fail "continue again"
C "$P" --seed 8 --notes 24 -o "$T/c.mid" >/dev/null 2>&1 || fail "continue seed 8"
cmp -s "$T/a.mid" "$T/b.mid" || fail "same seed gave different MIDI"
cmp -s "$T/a.mid" "$T/c.mid" && fail "seeds 7 and 8 gave the same MIDI"
grep -q "seed=7" "$T/a.mid" || fail "seed not recorded in the MIDI text event"
# the file holds primer (8 notes) + 24 new notes
"$BIN" score --ngram-only --ngram-data "$T/ltm" --json "$T/a.mid" | grep -q '"notes":32,' || fail "a.mid does not hold 32 notes"

# --samples: OUT-1..N, and sample 1 equals the single sample of the same seed
C "$P" --seed 7 --notes 24 --samples 3 -o "$T/s.mid" >/dev/null 2>&1 || fail "--samples"
for k in 1 2 3; do [ -s "$T/s-$k.mid" ] || fail "no s-$k.mid"; done
# the notes track (the second MTrk) is the same; the first holds the settings record
notes_track() { tail -c +$(($(grep -abo MTrk "$1" | sed -n 2p | cut -d: -f1) + 1)) "$1"; }
cmp -s <(notes_track "$T/s-1.mid") <(notes_track "$T/a.mid") || fail "sample 1 differs from the single sample"
cmp -s "$T/s-1.mid" "$T/s-2.mid" && fail "samples 1 and 2 are equal"

# notation output; a random seed is printed on stderr and reproduces the output
OUT=$(C "$P" --notes 12 2>"$T/e") || fail "notation output"
SEED=$(sed -n 's/^continuo continue: seed \([0-9]*\)$/\1/p' "$T/e")
[ -n "$SEED" ] || fail "no seed on stderr: $(cat "$T/e")"
[ "$(C "$P" --notes 12 --seed "$SEED" 2>/dev/null)" = "$OUT" ] || fail "printed seed does not reproduce"
[[ $OUT =~ ^([A-G][#b]?-?[0-9]+(:[0-9]+(/[0-9]+)?)?|r(:[0-9]+(/[0-9]+)?)?)( ([A-G][#b]?-?[0-9]+(:[0-9]+(/[0-9]+)?)?|r(:[0-9]+(/[0-9]+)?)?))*$ ]] ||
    fail "not notation: $OUT"

# --bars with a meter, beam search determinism, sampling flags, a MIDI primer
C "$P" --bars 4 --meter 6/8 --key G --seed 1 --temperature 0.8 --top-k 10 --top-p 0.9 -o "$T/bars.mid" >/dev/null 2>&1 || fail "--bars"
C "$P" --beam 3 --notes 8 -o "$T/beam1.mid" >/dev/null 2>&1 || fail "--beam"
C "$P" --beam 3 --notes 8 -o "$T/beam2.mid" >/dev/null 2>&1 || fail "--beam again"
cmp -s "$T/beam1.mid" "$T/beam2.mid" || fail "beam search not deterministic"
C "$SRC/data/melody/nottingham/valid/ashover34.mid" --notes 8 --seed 3 >/dev/null 2>&1 || fail "MIDI primer"

# errors: exit code, one line on stderr, no output file
check_err() { # expected-code args...
    local want=$1; shift
    C "$@" -o "$T/err.mid" >/dev/null 2>"$T/e"; local rc=$?
    [ "$rc" = "$want" ] || fail "continue $*: exit $rc, want $want"
    [ "$(wc -l <"$T/e")" = 1 ] || fail "continue $*: stderr not one line: $(cat "$T/e")"
    ls "$T"/err* >/dev/null 2>&1 && fail "continue $*: left an output file"
    return 0
}
check_err 1 "C4 D4 X9 E4" --seed 1
check_err 1 "$T/missing.mid" --seed 1
check_err 2 "$P" --top-p 1.5
check_err 2 "$P" --top-p 0
check_err 2 "$P" --temperature -1
check_err 2 "$P" --notes 4 --bars 2
check_err 2 "$P" --beam 2 --seed 3
check_err 2 "$P" --key H
check_err 2 "$P" --meter 5/4
check_err 2 "$P" --style jazz
check_err 2 "$P" --samples 0
check_err 2
"$BIN" continue "$P" --model "$T/none.safetensors" -o "$T/err.mid" >/dev/null 2>"$T/e" && fail "missing model accepted"
[ -e "$T/err.mid" ] && fail "missing model left a file"
# the shipped model, where there is one: transformer + n-gram, still reproducible
if [ -e "$SRC/presets/melody.json" ]; then
    for k in 1 2; do
        (cd "$T" && "$BIN" continue "$P" --ngram-data "$T/ltm" --seed 5 --notes 16 --key G \
            -o "$T/shipped$k.mid") >/dev/null 2>"$T/e" || fail "shipped model: $(cat "$T/e")"
    done
    cmp -s "$T/shipped1.mid" "$T/shipped2.mid" || fail "shipped model: same seed, different MIDI"
    grep -aq "model=default,model_sha256=[0-9a-f]\{12\},.*seed=5" "$T/shipped1.mid" || fail "shipped model not recorded"
fi
# The output's name says MIDI: no MIDI data under a .wav name, a folder given as a primer is
# refused by name, a notation file is a primer.
rc=0
"$BIN" continue "D5 E5" --ngram-only -o "$T/x.wav" 2>"$T/err" || rc=$?
[ $rc = 2 ] && grep -q "must end in .mid" "$T/err" && [ ! -e "$T/x.wav" ] || fail "-o x.wav: exit $rc: $(cat "$T/err")"
rc=0
"$BIN" continue "$SRC/data/melody" --ngram-only 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "is a folder" "$T/err" || fail "folder primer: exit $rc: $(cat "$T/err")"
printf 'D5:1/2 F#5:1/2\nA5 D6\n' >"$T/primer.txt"
"$BIN" continue "$T/primer.txt" --ngram-only --notes 4 --seed 1 >"$T/out" 2>"$T/err" || fail "notation file: $(cat "$T/err")"
[ "$(wc -w <"$T/out")" = 4 ] || fail "notation file: $(cat "$T/out")"
# Conditioning keeps the primer: its key and time signature stay at the start, the
# requested ones are written where the continuation starts, and the contradiction is said.
"$BIN" continue "$SRC/data/melody/nottingham/test/ashover13.mid" --key Eb --meter 6/8 --ngram-only --notes 8 \
    --seed 1 -o "$T/kc.mid" 2>"$T/err" >/dev/null || fail "--key Eb --meter 6/8: $(cat "$T/err")"
[ "$(grep -c "keeps its own" "$T/err")" = 2 ] || fail "no notice of the contradiction: $(cat "$T/err")"
sigs=$(od -An -tx1 -v "$T/kc.mid" | tr -s ' \n' ' ')
[ "$(echo "$sigs" | grep -o 'ff 59 02' | wc -l)" = 2 ] || fail "not two key signatures"
echo "$sigs" | grep -q 'ff 59 02 02 00 .*ff 59 02 fd 00' || fail "not D major then E flat major"
echo "$sigs" | grep -q 'ff 58 04 04 02 .*ff 58 04 06 03' || fail "not 4/4 then 6/8"

# A continuation carries on at the primer's level: a quiet primer (velocity 50) gives quiet
# new notes, not the default 90.
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x1f\x00\x90\x48\x32\x83\x60\x80\x48\x40\x00\x90\x4a\x32\x83\x60\x80\x4a\x40\x00\x90\x4c\x32\x83\x60\x80\x4c\x40\x00\xff\x2f\x00' >"$T/quiet.mid"
"$BIN" continue "$T/quiet.mid" --ngram-only --notes 8 --seed 1 -o "$T/quiet-out.mid" >/dev/null 2>"$T/err" ||
    fail "quiet primer: $(cat "$T/err")"
ons=$(od -An -tx1 -v "$T/quiet-out.mid" | tr -s ' \n' ' ' | grep -o ' 90 [0-7][0-9a-f] [0-9a-f][0-9a-f]' | awk '{print $3}' | sort | uniq -c)
[ "$(echo "$ons" | wc -l)" = 1 ] && echo "$ons" | grep -q " 11 32$" || fail "velocities of primer + continuation: $ons"

# Spelling follows the key: flats in a flat key, sharps in a sharp one.
flat=$("$BIN" continue "Bb4 D5 F5 Eb5" --key Bb --ngram-only --seed 3 --notes 40 2>/dev/null) || fail "--key Bb"
echo "$flat" | grep -q '#' && fail "sharps in B flat: $flat"
echo "$flat" | grep -q '[A-G]b' || fail "no flat spelled in B flat: $flat"
sharp=$("$BIN" continue "D5 F#5 A5 C#6" --key D --ngram-only --seed 3 --notes 40 2>/dev/null) || fail "--key D"
echo "$sharp" | grep -q '[A-G]b' && fail "flats in D: $sharp"
echo "test_continue_cli: ok"
