# LABELS: live
# TIMEOUT: 120
# test_play_endless.sh: `continuo play --endless` on a real audio server (a private JACK
# dummy server, tests/jack_helpers.sh). 8 s of the demo primer and its continuation must
# play every frame with no engine xruns and no late note, be recorded completely, and
# still sound after the primer has ended (the sampled notes are heard). The same seed
# must give the same melody (--melody-out, byte for byte); Ctrl-C must end an endless
# run cleanly with the summary and a complete recording. Uses the shipped transformer
# when presets/ has one, else the n-gram (as `play` itself does). Skips (exit 77, with
# the reason) only when jackd is missing or cannot start.
set -u
fail() { echo "test_play_endless: FAIL: $*" >&2; exit 1; }
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
command -v jackd >/dev/null || { echo "test_play_endless: SKIP: jackd not installed"; exit 77; }

tmp=$(mktemp -d)
# Errors first (no server needed): one line on stderr, exit 1 (failure) or 2 (usage).
expect() {
    local want=$1; shift
    "$CN_BIN" play "$@" >/dev/null 2>"$tmp/err" </dev/null
    local rc=$?
    [ $rc -eq "$want" ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^continuo play: " "$tmp/err" ||
        fail "play $*: exit $rc (expected $want): $(cat "$tmp/err")"
    echo "ok ($rc) play $*: $(cat "$tmp/err")"
}
expect 1 --endless --model "$tmp/none.safetensors"
expect 1 --endless --primer "$tmp/none.mid"
expect 1 --endless --primer "r r"
expect 2 --endless --model x --ngram-only
expect 2 "$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid" --ngram-only
expect 2 --endless --bpm 0
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
play_pid=
cleanup() {
    [ -n "$play_pid" ] && kill "$play_pid" 2>/dev/null
    jack_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
jack_start "$tmp/jackd.log" || {
    echo "test_play_endless: SKIP: jackd could not start: $(tail -n 1 "$tmp/jackd.log")"
    exit 77
}
echo "jackd running ($jack_mode) as server $JACK_DEFAULT_SERVER"
summary_re='^played [0-9]+ frames \([0-9.]+ s\) at 48000 Hz, latency [0-9]+ ms, xruns: [0-9]+, device xruns: [0-9]+, voices stolen: [0-9]+$'

# 8 s: the demo primer (23 notes, 5.75 s at 120 bpm) and then the continuation.
"$CN_BIN" play --endless --duration 8 --seed 3 --synth reference --device JACK \
    -o "$tmp/rec.wav" --melody-out "$tmp/played.mid" 2>"$tmp/play.err"
rc=$?
cat "$tmp/play.err"
[ $rc -eq 0 ] || fail "continuo play --endless exited $rc"
summary=$(tail -n 1 "$tmp/play.err")
echo "$summary" | grep -Eq "$summary_re" || fail "unexpected summary: $summary"
echo "$summary" | grep -q '^played 384000 frames (8.0 s)' || fail "not every frame played: $summary"
echo "$summary" | grep -q ' ms, xruns: 0,' || fail "engine xruns: $summary"
endless=$(grep '^endless: ' "$tmp/play.err") || fail "no endless line"
echo "$endless" | grep -Eq 'notes queued \([1-9][0-9]* sampled by [^ ]+, seed 3\), late: 0$' ||
    fail "no sampled notes, or late ones: $endless"
frames=$(soxi -s "$tmp/rec.wav") || fail "no recording"
[ "$frames" -eq 384000 ] || fail "recording has $frames frames, expected 384000"
# The primer ends at 5.75 s: what sounds from 6 s on is the model's.
rms=$(sox "$tmp/rec.wav" -n trim 6 2 stat 2>&1 | awk '/RMS +amplitude/ {print $3}')
echo "RMS of 6..8 s (sampled notes only): $rms"
awk -v r="$rms" 'BEGIN { exit !(r > 0.01) }' || fail "silence after the primer (RMS $rms)"
[ -s "$tmp/played.mid" ] || fail "no --melody-out file"

# The same seed gives the same melody: a short primer at 240 bpm, 3 s each, with the
# n-gram trained on the smaller validation split (faster to start, under ASan too).
small="$CN_SOURCE_DIR/data/melody/nottingham/valid"
for run in a b; do
    "$CN_BIN" play --endless --primer "D5:1/2 F#5:1/2 A5" --bpm 240 --duration 3 --seed 5 \
        --ngram-data "$small" --synth reference --device JACK --melody-out "$tmp/$run.mid" \
        2>"$tmp/$run.err" ||
        fail "seeded run $run: $(cat "$tmp/$run.err")"
    tail -n 2 "$tmp/$run.err"
done
cmp -s "$tmp/a.mid" "$tmp/b.mid" || fail "seed 5 gave two different melodies"
notes=$(grep -ao 'notes=[0-9]*' "$tmp/a.mid" | cut -d= -f2) # the file's text event
[ "${notes:-0}" -ge 8 ] || fail "too few notes played in 3 s at 240 bpm: ${notes:-none}"

# Ctrl-C: no --duration; SIGINT must stop it with exit 0, the summary and the recording.
"$CN_BIN" play --endless --seed 9 --ngram-data "$small" --synth reference --device JACK \
    -o "$tmp/int.wav" 2>"$tmp/int.err" &
play_pid=$!
sleep 3
kill -INT "$play_pid"
for _ in $(seq 100); do kill -0 "$play_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$play_pid" 2>/dev/null && fail "still running 10 s after SIGINT"
wait "$play_pid"
rc=$?
play_pid=
cat "$tmp/int.err"
[ $rc -eq 0 ] || fail "SIGINT: exit $rc"
summary=$(tail -n 1 "$tmp/int.err")
echo "$summary" | grep -Eq "$summary_re" || fail "SIGINT: unexpected summary: $summary"
played=$(echo "$summary" | sed 's/^played \([0-9]*\) frames.*/\1/')
[ "$played" -gt 0 ] || fail "SIGINT: nothing played"
frames=$(soxi -s "$tmp/int.wav") || fail "SIGINT: no recording"
[ "$frames" -ge "$played" ] || fail "SIGINT: recording has $frames frames, $played played"
echo "test_play_endless: ok"
