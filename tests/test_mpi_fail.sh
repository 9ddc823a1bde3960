# LABELS: mpi
# TIMEOUT: 240
# SERIAL
# test_mpi_fail: how data-parallel training ends when something goes wrong on one rank.
# Under mpirun (-q: without mpirun's own help boxes):
#  - a data folder that only rank 1 cannot read (two commands, mpirun's MPMD form): exit != 0,
#    one line from rank 0 naming rank 1 and the folder, no output file; rank 1 with a tune
#    fewer (one line: the data differ); an output rank 0 cannot write (its one line);
#  - a batch smaller than the number of ranks: one line, exit != 0;
#  - a time budget (--minutes) ends both ranks at the same step (rank 0's clock), no hang;
#  - rank 1 killed (SIGKILL) mid-run: the job ends within seconds with a non-zero exit
#    (mpirun ends the other ranks with SIGTERM) and rank 0's line saying so; the last
#    checkpoint loads and a 1-rank --resume continues it; no temporary file is left.
# Every run sits under `timeout`, so a hang fails the test instead of blocking CI.
# A binary built without MPI must refuse to run as one of several mpirun processes.
# Skipped (77) without mpirun.
set -u
B="$CN_BIN"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v mpirun >/dev/null 2>&1 || { echo "skipped: no mpirun (Debian: openmpi-bin)"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
# Containers often forbid the ptrace that shared-memory single copies (CMA) need: copy twice.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
MPI="timeout 60 mpirun -q --oversubscribe"

mkdir -p "$T/mel"
ls "$CN_SOURCE_DIR"/data/melody/nottingham/train/*.mid | head -6 | xargs -I{} cp {} "$T/mel/"
SMALL="--d-model 16 --layers 1 --heads 2 --ctx 32 --batch 4 --threads 1 --quiet"

if ! "$B" --version | grep -q "^MPI: Open MPI"; then
    err=$($MPI -np 2 "$B" train melody --data "$T/mel" $SMALL --steps 2 -o "$T/x.st" 2>&1); rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a build without MPI ran under mpirun -np 2 (exit $rc)"
    echo "$err" | grep -q "built without MPI" || fail "no clear line: $err"
    [ ! -e "$T/x.st" ] || fail "a build without MPI wrote an output"
    echo "test_mpi_fail: ok (built without MPI: refuses mpirun -np 2)"
    exit 0
fi

# 1. A folder rank 1 cannot read.
err=$($MPI -np 1 "$B" train melody --data "$T/mel" $SMALL --steps 2 -o "$T/x.st" : \
      -np 1 "$B" train melody --data "$T/gone" $SMALL --steps 2 -o "$T/x.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "unreadable folder on rank 1: exit $rc ($err)"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "not one line: $err"
echo "$err" | grep -q "^continuo train melody: rank 1: $T/gone: " || fail "line does not name rank 1's folder: $err"
[ ! -e "$T/x.st" ] || fail "output written after a failed start"
# The same for the WaveNet, whose data are WAV + MIDI pairs (here: a folder of MIDI only).
err=$($MPI -np 2 "$B" train wavenet --data "$T/mel" --batch 2 --steps 2 -o "$T/x.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "wavenet on a folder without audio: exit $rc ($err)"
[ "$(echo "$err" | grep -c "^continuo train wavenet: ")" -eq 1 ] && echo "$err" | tail -1 | grep -q "$T/mel" ||
    fail "wavenet: not one error line naming the folder: $err"

# Rank 1 has a tune fewer: the ranks would train on different data.
mkdir -p "$T/less" && cp "$T"/mel/*.mid "$T/less/" && rm "$(ls "$T"/less/*.mid | head -1)"
err=$($MPI -np 1 "$B" train melody --data "$T/mel" $SMALL --steps 2 -o "$T/x.st" : \
      -np 1 "$B" train melody --data "$T/less" $SMALL --steps 2 -o "$T/x.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "different data on the ranks: exit $rc ($err)"
[ "$err" = "continuo train melody: the training tunes differ across the 2 ranks" ] || fail "different data: $err"
# Rank 0 cannot write the model: its error, agreed by both ranks, and no hang.
err=$($MPI -np 2 "$B" train melody --data "$T/mel" $SMALL --steps 2 -o "$T/no/such/dir/x.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "unwritable output: exit $rc ($err)"
[ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "no/such/dir" || fail "unwritable output: $err"

# 2. Fewer batch items than ranks.
err=$($MPI -np 2 "$B" train melody --data "$T/mel" $SMALL --batch 1 --steps 2 -o "$T/x.st" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "batch 1 on 2 ranks: exit $rc"
[ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "smaller than the 2 ranks" || fail "batch 1: $err"

# 3. A time budget: ranks that stopped at different steps would leave one waiting for the
# other's allreduce forever (here: until timeout). Rank 0's clock decides for all.
$MPI -np 2 "$B" train melody --data "$T/mel" $SMALL --steps 1000000 --minutes 0.03 -o "$T/t.st" 2>"$T/t.err" ||
    fail "melody --minutes on 2 ranks: exit $? ($(cat "$T/t.err"))"
[ -s "$T/t.st" ] || fail "melody --minutes on 2 ranks wrote no model"
mkdir -p "$T/wn/sine"
"$B" train wavenet prepare "$(ls "$T"/mel/*.mid | head -1)" --program 73 -o "$T/wn/sine/a.mid" &&
    "$B" render "$T/wn/sine/a.mid" -o "$T/wn/sine/a.wav" --synth reference --rate 16000 2>/dev/null || fail "wavenet data"
$MPI -np 2 "$B" train wavenet --data "$T/wn/sine" --layers 3 --cycle 3 --res 8 --gate 8 --skip 8 --emb 2 \
    --chunk 600 --warm 64 --batch 4 --steps 1000000 --minutes 0.02 -o "$T/w.st" 2>"$T/t.err" ||
    fail "wavenet --minutes on 2 ranks: exit $? ($(cat "$T/t.err"))"
[ -s "$T/w.st" ] || fail "wavenet --minutes on 2 ranks wrote no checkpoint"

# 4. Kill rank 1 once a checkpoint exists.
$MPI -np 2 "$B" train melody --data "$T/mel" --d-model 32 --layers 1 --heads 2 --ctx 32 --batch 4 \
    --threads 1 --steps 1000000 --ckpt-every 5 --quiet -o "$T/k.st" 2>"$T/k.err" &
job=$!
for _ in $(seq 200); do [ -s "$T/k.st.ckpt" ] && break; sleep 0.1; done
[ -s "$T/k.st.ckpt" ] || { kill $job; fail "no checkpoint within 20 s: $(cat "$T/k.err")"; }
victim=""
for p in $(pgrep -f "train melody --data $T/mel"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && victim=$p
done
[ -n "$victim" ] || { kill $job; fail "rank 1 not found"; }
t0=$(date +%s)
kill -9 "$victim"
wait $job; rc=$?
echo "rank 1 killed: exit $rc after $(( $(date +%s) - t0 )) s; stderr:"; cat "$T/k.err"
[ $rc -ne 0 ] || fail "the job exited 0 after losing a rank"
[ $rc -ne 124 ] || fail "the job hung until timeout after losing a rank"
grep -q "^continuo train: stopped (SIGTERM): under mpirun another rank died" "$T/k.err" ||
    fail "rank 0 did not say why it stopped"
"$B" train melody --data "$T/mel" --resume "$T/k.st.ckpt" --steps 1000000 --minutes 0.01 --quiet \
    -o "$T/r.st" 2>"$T/r.err" || fail "the last checkpoint does not resume: $(cat "$T/r.err")"
[ -z "$(find "$T" -name "*.tmp*")" ] || fail "temporary file left: $(find "$T" -name "*.tmp*")"
echo "test_mpi_fail: ok"
