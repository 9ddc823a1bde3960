#!/usr/bin/env bash
# test_progress: long jobs draw one progress line on a terminal (done/total, rate, ETA,
# then "took"), and nothing when stderr is not a terminal or the job ends within the
# delay. `script` gives the command a pseudo-terminal; CONTINUO_PROGRESS_DELAY=0 makes
# short jobs draw at once.
set -euo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
command -v script >/dev/null || { echo "test_progress: SKIP: no script(1)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_progress: FAIL: $*" >&2; exit 1; }
tune=$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid
on_tty() { script -qec "$1" /dev/null | tr '\r' '\n' >"$2"; }

on_tty "CONTINUO_PROGRESS_DELAY=0 '$CN_BIN' render '$tune' --synth reference -o '$T/a.wav'" "$T/render.txt"
grep -Eq 'render: [0-9]+/[0-9]+ frames \([0-9]+%\), [0-9]+ frames/s, ETA' "$T/render.txt" ||
    fail "no render progress: $(cat "$T/render.txt")"
grep -Eq 'render: ([0-9]+)/\1 frames \(100%\), [0-9]+ frames/s, took [0-9]+s$' "$T/render.txt" ||
    fail "no final render line: $(cat "$T/render.txt")"
on_tty "CONTINUO_PROGRESS_DELAY=0 '$CN_BIN' continue 'D5 E5' --notes 500 --seed 1 --ngram-only >'$T/c.txt'" "$T/cont.txt"
grep -Eq 'continue: 500/500 notes \(100%\), [0-9]+ notes/s, took' "$T/cont.txt" ||
    fail "no continue progress: $(cat "$T/cont.txt")"
[ "$(wc -w <"$T/c.txt")" = 500 ] || fail "the continuation on stdout is not 500 notes"

# Not a terminal: nothing but the usual summary.
CONTINUO_PROGRESS_DELAY=0 "$CN_BIN" render "$tune" --synth reference -o "$T/b.wav" 2>"$T/err.txt"
grep -q 'frames/s\|ETA' "$T/err.txt" && fail "progress drawn without a terminal: $(cat "$T/err.txt")"
cmp -s "$T/a.wav" "$T/b.wav" || fail "the progress line changed the rendering"
# A terminal, but a job shorter than the default 2 s: no line either.
on_tty "'$CN_BIN' continue 'D5 E5' --notes 20 --seed 1 --ngram-only" "$T/short.txt"
grep -q 'notes/s' "$T/short.txt" && fail "a short job drew a line: $(cat "$T/short.txt")"
echo "test_progress: ok"
