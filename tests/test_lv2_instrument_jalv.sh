#!/usr/bin/env bash
# LABELS: live
# TIMEOUT: 300
# SERIAL
# test_lv2_instrument_jalv: the LV2 instrument in a real JACK host. A private JACK dummy
# server (tests/jack_helpers.sh) runs jalv with continuo.lv2 from the build tree;
# tests/jack_note_sender.c (built here with cc and libjack) plays A4 into its midi_in,
# struck again every second, and jack_rec records its outputs: 3 s of the reference
# synth's sine, then, switched through jalv's command line (`set instrument 0`), 3 s of the
# WaveNet flute. Each recording must sound at A4 (sox's zero-crossing frequency, below
# 650 Hz) at a sensible level; jalv must still run; jackd's log must count no xrun (or, after
# a load spike that starved every client, none during one more recording). Then a
# client that takes 24 ms per 10.7 ms period must make jackd log xruns (the count can fail).
# Periods are 512 frames (10.7 ms), a common DAW setting: on these shared virtual machines
# the scheduler stalls clients for 5-10 ms now and then, so at 256 frames even the
# reference synth's sine (a few microseconds per period) gets 3-5 xruns in 30 s, at 512
# none (docs/lv2.md).
# Skips (77) without jackd, jalv, jack_rec, sox, a C compiler with the JACK headers, or
# the bundle.
set -euo pipefail
: "${CN_SOURCE_DIR:?}" "${CN_BUILD_DIR:?}"
for t in jackd jalv jack_rec jack_connect jack_lsp sox "${CC:-cc}"; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed (jackd2, jalv, sox, a C compiler)"; exit 77; }
done
[ -f "$CN_BUILD_DIR/lib/lv2/continuo.lv2/manifest.ttl" ] || { echo "SKIP: LV2 instrument not built"; exit 77; }
tmp=$(mktemp -d)
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
cleanup() {
  jalv_stop
  jack_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "test_lv2_instrument_jalv: FAIL: $*" >&2; [ -f "$tmp/jalv.log" ] && tail -n 5 "$tmp/jalv.log" >&2; exit 1; }
note_sender_build "$tmp" || { echo "SKIP: cannot build the JACK MIDI sender (libjack headers?): $(head -n 1 "$tmp/cc.log")"; exit 77; }
jack_start "$tmp/jackd.log" 512 || { echo "SKIP: no JACK server: $(tail -n 1 "$tmp/jackd.log")"; exit 77; }
jalv_start "$tmp" 4 || fail "jalv did not start or shows no cnlv2:midi_in: $(jack_lsp | tr '\n' ' ')"
note_sender_start "$tmp" || fail "cannot connect cnseq:out to cnlv2:midi_in: $(cat "$tmp/seq.log")"

# record NAME: 3 s of both outputs; prints the left's "NAME: FREQ Hz, RMS R"
record() {
  jack_rec -f "$tmp/$1.wav" -d 3 cnlv2:out_l cnlv2:out_r >"$tmp/rec.log" 2>&1 || fail "jack_rec: $(cat "$tmp/rec.log")"
  # stat's zero-crossing frequency, of one channel (left), below 650 Hz (the flute's
  # harmonics would cross zero too)
  sox "$tmp/$1.wav" -n remix 1 sinc -650 stat 2>"$tmp/$1.stat" || fail "sox: $(cat "$tmp/$1.stat")"
  freq=$(awk '/^Rough +frequency/ {print $3}' "$tmp/$1.stat")
  sox "$tmp/$1.wav" -n remix 1 stat 2>"$tmp/$1.level" || fail "sox: $(cat "$tmp/$1.level")"
  level=$(awk '/^RMS +amplitude/ {print $3}' "$tmp/$1.level")
  echo "$1: $freq Hz, RMS $level"
}
in_range() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

record sine
in_range "$freq" 431 449 || fail "sine plays $freq Hz, not A4"
in_range "$level" 0.02 0.5 || fail "sine level $level"
echo "set instrument 0" >&3
sleep 1.5 # the switch ends the sine's note; the flute starts at the next strike
record flute
in_range "$freq" 418 462 || fail "flute plays $freq Hz, not A4"
in_range "$level" 0.01 0.5 || fail "flute level $level"
kill -0 "$jalv_pid" 2>/dev/null || fail "jalv died"
xruns=$(xrun_count "$tmp/jackd.log")
echo "jackd ($jack_mode): $xruns xruns in its log"
if [ "$xruns" != 0 ]; then
  # A load spike on a shared machine starves every client at once (jackd names them all);
  # a plugin too slow for real time fails again. So: one more recording, which must be clean.
  echo "jackd logged: $(grep XRun "$tmp/jackd.log" | head -n 3 | tr '\n' ' ')"
  echo "recording the flute once more"
  record flute
  again=$(( $(xrun_count "$tmp/jackd.log") - xruns ))
  echo "jackd: $again xruns during the second recording"
  [ "$again" = 0 ] || fail "$xruns xruns, then $again more: $(grep XRun "$tmp/jackd.log" | tail -n 3)"
fi
cat >"$tmp/slow.c" <<'SRC'
#include <jack/jack.h>
#include <time.h>
#include <unistd.h>
static int process(jack_nframes_t n, void *a) {
    (void)n, (void)a;
    struct timespec ts = {0, 24000000};
    nanosleep(&ts, 0);
    return 0;
}
int main(void) {
    jack_client_t *c = jack_client_open("cnslow", JackNoStartServer, 0);
    if (!c || jack_set_process_callback(c, process, 0) || jack_activate(c)) return 1;
    sleep(1);
    jack_client_close(c);
    return 0;
}
SRC
"${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE "$tmp/slow.c" -o "$tmp/slow" -ljack || fail "cannot build the slow client"
"$tmp/slow" || fail "the slow client failed"
slow_xruns=$(xrun_count "$tmp/jackd.log")
echo "a client 2.25x slower than real time: $slow_xruns xruns in jackd's log"
[ "$slow_xruns" -gt 0 ] || fail "jackd logged no xrun for a client slower than real time"
echo "test_lv2_instrument_jalv: ok"
