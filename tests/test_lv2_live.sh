# LABELS: live
# TIMEOUT: 120
# test_lv2_live.sh: LV2 effects live. On a private JACK dummy server (tests/jack_helpers.sh)
# `play -o` of a tune through Debian LV2 effects (the x42 EQ, the x42 limiter, which
# computes its gain once per run, and x42 nodelay, which reports 1000 frames of latency)
# plays every frame with no engine xrun, and its recording holds the same samples as
# `render` of the same tune and chain: instantiation happens before playback, the worker
# only runs the plugins, in runs of one size whatever the ring buffer asks, and the latency
# is compensated in both. With --endless (notes through the event queue while playing) a
# compensated 2000-frame delay before swh GVerb leaves the recording as it is without it.
# Skips (77) without jackd, a JACK server, LV2 support or the plugins.
set -u
fail() { echo "test_lv2_live: FAIL: $*" >&2; exit 1; }
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
command -v jackd >/dev/null || { echo "test_lv2_live: SKIP: jackd not installed"; exit 77; }
command -v sox >/dev/null || { echo "test_lv2_live: SKIP: no sox"; exit 77; }
FIL4=http://gareus.org/oss/lv2/fil4#mono
DPL=http://gareus.org/oss/lv2/dpl#mono
NODELAY=http://gareus.org/oss/lv2/nodelay
GVERB=http://plugin.org.uk/swh-plugins/gverb
tmp=$(mktemp -d)
"$CN_BIN" plugins --lv2 >"$tmp/list" 2>"$tmp/err" || { echo "test_lv2_live: SKIP: $(cat "$tmp/err")"; rm -rf "$tmp"; exit 77; }
for u in "$FIL4" "$DPL" "$NODELAY" "$GVERB"; do
    grep -qx "$u" "$tmp/list" || { echo "test_lv2_live: SKIP: $u not installed (x42-plugins, swh-lv2)"; rm -rf "$tmp"; exit 77; }
done
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
cleanup() {
    jack_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
jack_start "$tmp/jackd.log" || {
    echo "test_lv2_live: SKIP: jackd could not start: $(tail -n 1 "$tmp/jackd.log")"
    exit 77
}
echo "jackd running ($jack_mode) as server $JACK_DEFAULT_SERVER"

tune="$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid"
fx="lv2:$FIL4:gain1=6:freq1=800:HighPass=1,lv2:$DPL:gain=12:threshold=-3,lv2:$NODELAY:delay=1000:report_latency=1"
"$CN_BIN" play "$tune" --synth reference --device JACK --latency 50 --duration 6 -o "$tmp/rec.wav" \
    --fx "$fx" 2>"$tmp/play.err"
rc=$?
cat "$tmp/play.err"
[ $rc -eq 0 ] || fail "continuo play exited $rc"
summary=$(tail -n 1 "$tmp/play.err")
echo "$summary" | grep -q '^played 288000 frames (6\.0 s) at 48000 Hz' || fail "unexpected summary: $summary"
echo "$summary" | grep -q 'xruns: 0,' || fail "engine xruns: $summary"
[ "$(soxi -s "$tmp/rec.wav" 2>/dev/null)" = 288000 ] || fail "recording is not 288000 frames"

"$CN_BIN" render "$tune" --synth reference --rate 48000 -o "$tmp/render.wav" --fx "$fx" 2>"$tmp/render.err" ||
    fail "render: $(cat "$tmp/render.err")"
ch=$(soxi -c "$tmp/rec.wav" 2>/dev/null)
raw() { sox -V1 "$1" -t s16 - 2>/dev/null | head -c $((288000 * 2 * ch)); }
cmp -s <(raw "$tmp/rec.wav") <(raw "$tmp/render.wav") ||
    fail "the recording of play differs from render in its first 288000 frames"
# And the chain did something: the limiter holds the peak at its -3 dBFS threshold (0.708).
peak=$(sox -V1 "$tmp/rec.wav" -n stat 2>&1 | awk '/^(Maximum|Minimum) amplitude/ {v = $3 < 0 ? -$3 : $3; if (v > p) p = v} END {print p}')
awk -v p="$peak" 'BEGIN { exit !(p > 0.70 && p < 0.7085) }' || fail "peak $peak is not the limiter's 0.708"
# Endless play (notes come through the event queue while playing): a compensated 2000-frame
# delay leaves the recording as it is without it.
for d in with without; do
    chain="lv2:$GVERB:drylevel=0"
    [ $d = with ] && chain="lv2:$NODELAY:delay=2000:report_latency=1,$chain"
    "$CN_BIN" play --endless --duration 3 --device JACK --seed 2 --synth reference -o "$tmp/e_$d.wav" --fx "$chain" \
        2>"$tmp/e.err" || fail "endless play $d: $(cat "$tmp/e.err")"
    tail -n 1 "$tmp/e.err" | grep -q 'xruns: 0,' || fail "endless $d: $(tail -n 1 "$tmp/e.err")"
done
cmp -s <(sox -V1 "$tmp/e_with.wav" -t s16 -) <(sox -V1 "$tmp/e_without.wav" -t s16 -) ||
    fail "endless play: the compensated delay changed the recording"
echo "test_lv2_live: play -o through 3 LV2 effects = render, 288000 frames, peak $peak; endless: compensated delay = none"
