#!/usr/bin/env bash
# LABELS: slow
# TIMEOUT: 300
# test_replay: every setting that changes a continuation is recorded in its MIDI file, and
# `continue --replay FILE -o NEW` makes the file again byte for byte, for runs made with
# each flag; a changed primer file or model is refused by name.
set -uo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_replay: FAIL: $*" >&2; exit 1; }
B=$CN_BIN
small="--ngram-only --ngram-data $CN_SOURCE_DIR/data/melody/nottingham/valid"
cp "$CN_SOURCE_DIR/data/melody/nottingham/test/ashover13.mid" "$T/primer.mid"
i=0
check() { # flags...: run, replay, compare
    i=$((i + 1))
    "$B" continue "$@" -o "$T/run$i.mid" >/dev/null 2>"$T/err" || fail "run $i ($*): $(cat "$T/err")"
    local f="$T/run$i.mid"
    [ -e "$f" ] || f="$T/run$i-2.mid" # --samples: replay the second
    "$B" continue --replay "$f" -o "$T/again$i.mid" >/dev/null 2>"$T/err" || fail "replay $i ($*): $(cat "$T/err")"
    cmp -s "$f" "$T/again$i.mid" || fail "replay $i ($*) differs"
    echo "ok: $*"
}
check "D5:1/2 F#5:1/2 A5" $small --notes 12 --seed 1
check "$T/primer.mid" $small --bars 4 --seed 2
check "D5 E5 F#5" $small --notes 10 --temperature 0.7 --top-k 5 --top-p 0.9 --seed 3
check "D5 E5 F#5" $small --notes 10 --samples 3 --seed 4
check "D5 E5 F#5" $small --notes 6 --beam 3
check "Bb4 D5 F5" $small --notes 10 --key Bb --meter 6/8 --style oneills --seed 5
check "D5 E5 F#5" --ngram-only --notes 10 --seed 6
if [ -e "$CN_SOURCE_DIR/presets/melody-folk.safetensors" ]; then
    cp "$CN_SOURCE_DIR/presets/melody-folk.safetensors" "$T/model.safetensors"
    check "D5 E5 F#5" --model "$T/model.safetensors" --notes 10 --seed 7 --key D
    printf 'x' >>"$T/model.safetensors"
    rc=0; "$B" continue --replay "$T/run$i.mid" -o "$T/x.mid" 2>"$T/err" || rc=$?
    [ $rc = 1 ] && grep -q "is not the one recorded" "$T/err" || fail "changed model accepted: $(cat "$T/err")"
fi
printf 'x' >>"$T/primer.mid"
rc=0; "$B" continue --replay "$T/run2.mid" -o "$T/x.mid" 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "primer .* is not the one recorded" "$T/err" || fail "changed primer accepted: $(cat "$T/err")"
rc=0; "$B" continue --replay "$T/run1.mid" --seed 9 -o "$T/x.mid" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "--replay with --seed: exit $rc"
[ -e "$T/x.mid" ] && fail "a refused replay wrote a file"
echo "test_replay: ok"
