#!/usr/bin/env bash
# LABELS: slow
# TIMEOUT: 300
# test_interrupt: SIGINT, SIGTERM and SIGHUP during render, continue, train and score end
# the command with exit 130/143/129 and one line, and leave no temporary or partial file;
# kill -9 during training leaves the last checkpoint loadable.
set -uo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "test_interrupt: FAIL: $*" >&2; exit 1; }
tune=$CN_SOURCE_DIR/data/melody/nottingham/test/reelsr-t8.mid
valid=$CN_SOURCE_DIR/data/melody/nottingham/valid

# run_and_signal SIG AFTER_S EXPECT_RC OUTPUT_GLOB CMD...: start CMD, signal it, check.
run_and_signal() {
    local sig=$1 after=$2 want=$3 glob=$4 name=$5
    shift 4
    "$CN_BIN" "$@" >/dev/null 2>"$T/err" &
    local pid=$!
    sleep "$after"
    kill -0 "$pid" 2>/dev/null || fail "$name finished within ${after}s: nothing to interrupt"
    kill -"$sig" "$pid"
    wait "$pid"
    local rc=$?
    [ "$rc" = "$want" ] || fail "$name, SIG$sig: exit $rc, expected $want: $(cat "$T/err")"
    # the last line says so (train prints its progress lines before it)
    [ "$(tail -n 1 "$T/err")" = "continuo $name: interrupted (SIG$sig)" ] || fail "$name, SIG$sig: $(tail -3 "$T/err")"
    compgen -G "$glob" >/dev/null && fail "$name, SIG$sig left $(ls $glob)"
    echo "ok: $name, SIG$sig -> exit $rc, nothing left"
}

# render: the WaveNet at 48 kHz through the resampler (several seconds of work).
run_and_signal INT 1 130 "$T/r.wav*" render "$tune" --synth wavenet --instrument flute -o "$T/r.wav"
run_and_signal TERM 1 143 "$T/r.wav*" render "$tune" --synth wavenet --instrument flute -o "$T/r.wav"
run_and_signal HUP 1 129 "$T/r.wav*" render "$tune" --synth wavenet --instrument flute -o "$T/r.wav"
# continue: a long continuation (the file is written only when complete).
run_and_signal INT 1 130 "$T/c.mid*" continue "D5 E5" --notes 100000 --seed 1 -o "$T/c.mid"
# score: the whole of a corpus.
run_and_signal TERM 0.5 143 "$T/none*" score "$CN_SOURCE_DIR/data/melody/oneills"

# train: a checkpoint every step; interrupted, no temporary file; kill -9: the last
# checkpoint still loads.
mkdir -p "$T/wav/sine"
for f in $(ls "$valid"/*.mid | head -2); do
    b=$(basename "$f" .mid)
    "$CN_BIN" train wavenet prepare "$f" --program 73 -o "$T/wav/sine/$b.mid" || fail "prepare"
    "$CN_BIN" render "$T/wav/sine/$b.mid" -o "$T/wav/sine/$b.wav" --synth reference --rate 16000 2>/dev/null || fail "render"
done
TINY="--layers 3 --cycle 3 --res 8 --gate 8 --skip 8 --emb 2 --chunk 4000 --warm 64 --batch 8"
run_and_signal INT 2 130 "$T/m.ckpt.tmp-*" train wavenet --data "$T/wav/sine" $TINY --steps 100000 \
    --ckpt-every 1 -o "$T/m.ckpt"
[ -s "$T/m.ckpt" ] || fail "no checkpoint written in 2 s of training"
# Interrupts at random moments of a run saving a checkpoint every step: a signal that
# arrives while a temporary file is being created must find it registered.
for k in $(seq 10); do
    "$CN_BIN" train wavenet --data "$T/wav/sine" --layers 2 --cycle 2 --res 4 --gate 4 --skip 4 --emb 2 \
        --chunk 300 --warm 64 --batch 1 --steps 100000 --ckpt-every 1 -o "$T/s.ckpt" >/dev/null 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 8 + 2))"
    kill -INT "$pid"
    wait "$pid" 2>/dev/null
    compgen -G "$T/s.ckpt.tmp-*" >/dev/null && fail "interrupt $k left $(ls "$T"/s.ckpt.tmp-*)"
done
echo "ok: 10 interrupts of a run checkpointing every step, nothing left"
"$CN_BIN" train wavenet --data "$T/wav/sine" $TINY --steps 100000 --ckpt-every 1 -o "$T/k.ckpt" \
    >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$T/k.ckpt" ] && break; sleep 0.05; done
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
"$CN_BIN" train wavenet export "$T/k.ckpt" -o "$T/k.safetensors" || fail "checkpoint after kill -9 does not load"
echo "ok: train wavenet, kill -9 -> the last checkpoint loads"
echo "test_interrupt: ok"
