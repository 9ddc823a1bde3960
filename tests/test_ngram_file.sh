#!/usr/bin/env bash
# test_ngram_file: the precomputed long-term n-gram (share/continuo/ngram-nottingham.ltm,
# made at build time by `train ngram`) scores bit for bit as the model counted from the
# corpus at start-up; `train ngram` writes a file only when it succeeds; a corrupt file is
# refused with one line (and the default then falls back to counting).
set -euo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}" "${CN_BUILD_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_ngram_file: FAIL: $*" >&2; exit 1; }
ltm=$CN_BUILD_DIR/share/continuo/ngram-nottingham.ltm
[ -s "$ltm" ] || fail "no $ltm after the build"
test_dir=$CN_SOURCE_DIR/data/melody/nottingham/valid
"$CN_BIN" score "$test_dir" --ngram-only --json >"$T/loaded.json"
"$CN_BIN" score "$test_dir" --ngram-only --json --ngram-data "$CN_SOURCE_DIR/data/melody/nottingham/train" >"$T/counted.json"
cmp -s "$T/loaded.json" "$T/counted.json" || fail "loaded and counted n-grams score differently"
grep -o '"bits_per_note":[0-9.]*' "$T/loaded.json"

# train ngram: a small corpus, then errors.
"$CN_BIN" train ngram --data "$test_dir" -o "$T/small.ltm" 2>"$T/err" || fail "train ngram: $(cat "$T/err")"
grep -q "tunes, order 5" "$T/err" || fail "train ngram summary: $(cat "$T/err")"
rc=0; "$CN_BIN" train ngram --data "$T/nothing" -o "$T/none.ltm" 2>"$T/err" || rc=$?
[ $rc = 1 ] && [ ! -e "$T/none.ltm" ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "missing data: exit $rc, $(cat "$T/err")"
rc=0; "$CN_BIN" train ngram --data "$test_dir" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail "no -o: exit $rc"
ls "$T" | grep -q tmp- && fail "temporary file left behind: $(ls "$T")"

# A corrupt default (truncated copy in a prefix of its own) is skipped: same scores.
mkdir -p "$T/p/bin" "$T/p/share/continuo"
cp "$CN_BIN" "$T/p/bin/continuo"
ln -s "$CN_SOURCE_DIR/presets" "$T/p/share/continuo/presets"
mkdir -p "$T/p/share/continuo/data" && ln -s "$CN_SOURCE_DIR/data/melody" "$T/p/share/continuo/data/melody"
head -c 100000 "$ltm" >"$T/p/share/continuo/ngram-nottingham.ltm"
"$T/p/bin/continuo" score "$test_dir" --ngram-only --json >"$T/fallback.json" || fail "fallback after a corrupt file"
cmp -s "$T/fallback.json" "$T/counted.json" || fail "fallback scores differ"
echo "test_ngram_file: ok"
