# LABELS: mpi
# TIMEOUT: 120
# SERIAL
# test_mpi_bench: `continuo bench allreduce` runs under mpirun -np 2 and prints its table
# (every size, both models' gradients) and the step shares; a bad flag is a usage error.
# No speed is asserted (benchmarks print, tests check). Skipped (77) without MPI or mpirun.
set -u
B="$CN_BIN"
fail() { echo "FAIL: $*"; exit 1; }
command -v mpirun >/dev/null 2>&1 || { echo "skipped: no mpirun"; exit 77; }
"$B" --version | grep -q "^MPI: Open MPI" || { echo "skipped: built without MPI"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
"$B" bench allreduce --seconds x >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --seconds is not a usage error"
out=$(timeout 100 mpirun -q -np 2 --oversubscribe "$B" bench allreduce --seconds 0.01 2>&1) ||
    fail "bench allreduce: $out"
echo "$out"
echo "$out" | grep -q "on 2 ranks" || fail "no rank count"
[ "$(echo "$out" | grep -cE '^  [0-9]+ K ')" -eq 8 ] || fail "not 8 sizes"
echo "$out" | grep -qE "^  melody grads +[0-9]+ " && echo "$out" | grep -qE "^  wavenet grads +[0-9]+ " ||
    fail "no model gradient rows"
echo "$out" | grep -qE "^  melody: +8 of 16 windows.*% of the step" || fail "no melody step line"
echo "$out" | grep -qE "^  wavenet: 4 of 8 chunks.*% of the step" || fail "no wavenet step line"
echo "test_mpi_bench: ok"
