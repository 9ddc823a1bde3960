#!/usr/bin/env bash
# test_blas_reexec: with OPENBLAS_CORETYPE unset, continuo runs the best OpenBLAS core for
# this CPU (restarting itself once when OpenBLAS picked a weaker one); a value the user set
# is kept, CONTINUO_BLAS_FIX=0 keeps OpenBLAS's own choice, and the restart keeps the
# arguments (same output as without it).
set -euo pipefail
: "${CN_BIN:?}"
fail() { echo "test_blas_reexec: FAIL: $*" >&2; exit 1; }
line=$(env -u OPENBLAS_CORETYPE -u CONTINUO_BLAS_FIX -u CONTINUO_BLAS_CHOSEN "$CN_BIN" --version | grep '^BLAS: ')
echo "$line"
core=$(echo "$line" | sed -E 's/.*, core ([A-Za-z0-9]+) .*/\1/')
best=$(echo "$line" | sed -E 's/.*best core for this CPU: ([A-Za-z0-9]+)$/\1/')
[ "$best" != unknown ] || { echo "test_blas_reexec: SKIP: CPU unknown to the core table"; exit 77; }
[ "$core" = "$best" ] || fail "runs core $core, best for this CPU is $best"
own=$(env -u OPENBLAS_CORETYPE CONTINUO_BLAS_FIX=0 "$CN_BIN" --version | grep '^BLAS: ')
echo "$own" | grep -q "(OpenBLAS's own choice)" || fail "CONTINUO_BLAS_FIX=0: $own"
user=$(OPENBLAS_CORETYPE=Prescott "$CN_BIN" --version | grep '^BLAS: ')
echo "$user" | grep -q "core Prescott (OPENBLAS_CORETYPE=Prescott from the environment)" || fail "user's value: $user"
# The same arguments reach the restarted process: identical output either way.
a=$(env -u OPENBLAS_CORETYPE "$CN_BIN" continue "D5:1/2 F#5:1/2 A5" --notes 6 --seed 4 --ngram-only 2>/dev/null)
b=$(env -u OPENBLAS_CORETYPE CONTINUO_BLAS_FIX=0 "$CN_BIN" continue "D5:1/2 F#5:1/2 A5" --notes 6 --seed 4 --ngram-only 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "continue differs after the restart: '$a' vs '$b'"
echo "test_blas_reexec: ok"
