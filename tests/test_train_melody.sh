# LABELS: unit
# TIMEOUT: 120
# test_train_melody.sh: `continuo train melody` end to end on a tiny model: --help,
# usage errors (exit 2), a bad folder (exit 1, one line), training with validation,
# --resume from the checkpoint (which keeps the run's best validation score, so a worse
# first evaluation after resuming leaves -o alone), fine-tuning with --init, and no
# temporary files left.
set -u
B="$CN_BIN"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$B" train melody --help | grep -q -- "--resume" || fail "--help"
"$B" train melody --data x >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing -o should be a usage error"
"$B" train melody --data x -o y --steps abc >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --steps"
"$B" train melody --data x -o y --d-model 10 --heads 4 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad shape"
err=$("$B" train melody --data "$T/none" -o "$T/m.safetensors" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing folder exit $rc"
[ "$(echo "$err" | wc -l)" -eq 1 ] || fail "error is not one line: $err"
echo "$err" | grep -q "$T/none" || fail "error does not name the folder: $err"

mkdir -p "$T/mine" "$T/val"
ls "$CN_SOURCE_DIR"/data/melody/nottingham/train/*.mid | head -6 | xargs -I{} cp {} "$T/mine/"
ls "$CN_SOURCE_DIR"/data/melody/nottingham/valid/*.mid | head -3 | xargs -I{} cp {} "$T/val/"
SMALL="--d-model 16 --layers 1 --heads 2 --ctx 32 --batch 2 --threads 2"
"$B" train melody --data "$T/mine" --valid "$T/val" $SMALL --steps 6 --eval-every 3 --ckpt-every 3 \
    -o "$T/m.safetensors" 2>"$T/log" || { cat "$T/log"; fail "training"; }
grep -q "valid .* bits/note" "$T/log" || fail "no validation line"
grep -q "tok/s" "$T/log" || fail "no progress line"
[ -s "$T/m.safetensors" ] && [ -s "$T/m.safetensors.ckpt" ] || fail "outputs missing"
"$B" train melody --data "$T/mine" $SMALL --steps 9 --resume "$T/m.safetensors.ckpt" \
    -o "$T/r.safetensors" 2>"$T/log" || { cat "$T/log"; fail "resume"; }
grep -q "step 9/9" "$T/log" || fail "resume did not reach step 9"
# The best validation score survives a resume: train a little, then continue into a copy
# of -o with a learning rate of 1 that wrecks the model. Its evaluations are worse than
# the best so far, so the copy must stay as it was and the log must keep the old best.
"$B" train melody --data "$T/mine" --valid "$T/val" $SMALL --steps 40 --lr 1e-2 --warmup 0 \
    --eval-every 20 --ckpt-every 40 -o "$T/a.safetensors" 2>"$T/log" || { cat "$T/log"; fail "training a"; }
BEST=$(sed -n 's/.*valid .* best \([0-9.]*\)$/\1/p' "$T/log" | tail -1)
[ -n "$BEST" ] || { cat "$T/log"; fail "no best validation in the log"; }
cp "$T/a.safetensors" "$T/b.safetensors"
"$B" train melody --data "$T/mine" --valid "$T/val" --steps 42 --eval-every 1 --lr 1 --lr-min 1 \
    --resume "$T/a.safetensors.ckpt" -o "$T/b.safetensors" --checkpoint "$T/b.ckpt" 2>"$T/log" ||
    { cat "$T/log"; fail "resume with validation"; }
grep "valid .* bits/note" "$T/log"
grep -q "step 41/42  valid .*  best $BEST$" "$T/log" || fail "best after resume is not $BEST"
cmp -s "$T/a.safetensors" "$T/b.safetensors" || fail "resume replaced -o with worse weights"
"$B" train melody --data "$T/mine" --init "$T/m.safetensors" --steps 3 -o "$T/f.safetensors" \
    2>"$T/log" || { cat "$T/log"; fail "fine-tune"; }
grep -q "fine-tune" "$T/log" || fail "fine-tune not reported"
"$B" train melody --data "$T/mine" --resume "$T/m.safetensors" -o "$T/x.safetensors" >/dev/null 2>&1
[ $? -eq 1 ] || fail "resuming a final model should fail"
ls "$T" | grep -q "\.tmp$" && fail "temporary file left"
# A time budget shorter than the warm-up (200 steps) still ends annealed: the last step's
# learning rate is the schedule's end (lr-min = lr/10 = 1e-4), not a warm-up value.
"$B" train melody --data "$T/mine" --d-model 128 --layers 2 --heads 2 --ctx 256 --batch 8 --threads 2 \
    --minutes 0.05 -o "$T/short.safetensors" 2>"$T/log" || { cat "$T/log"; fail "--minutes run"; }
steps=$(sed -n 's/^done: \([0-9]*\) steps.*/\1/p' "$T/log")
lr=$(sed -n 's/^done: .*final lr \([0-9.e+-]*\).*/\1/p' "$T/log")
echo "--minutes 0.05: $steps steps, final lr $lr"
[ -n "$steps" ] && [ "$steps" -lt 200 ] || fail "not a budget shorter than the warm-up: $(tail -2 "$T/log")"
awk -v lr="$lr" 'BEGIN { exit !(lr > 0 && lr <= 1.2e-4) }' || fail "final lr $lr: the schedule did not anneal"
echo "test_train_melody: ok"
