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
# 650 Hz) at a sensible level, and jalv must still run. The flute must keep up with real
# time: jackd's DSP load (jack_cpu_load, sampled by the MIDI sender) under 50% at the median
# while it plays, and fewer than one period in ten overrun (xruns in jackd's log). Both
# checks can fail: clients that sleep 24 ms and 7 ms in each period must exceed them.
# Periods are 512 frames (10.7 ms), a common DAW setting. Zero xruns is not asked: on these
# shared virtual machines a SCHED_FIFO thread wakes 5-13 ms late a few times in 30 s, and
# the reference synth's sine, which costs microseconds a period, gets xruns too
# (docs/lv2.md).
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

# measure NAME: record NAME, then its xruns (jackd's log) and median DSP load (the sender's
# samples) while it played, in xr and load.
measure() {
  local x0 l0
  x0=$(xrun_count "$tmp/jackd.log") l0=$(wc -l <"$tmp/seq.log")
  record "$1"
  xr=$(($(xrun_count "$tmp/jackd.log") - x0)) load=$(dsp_load_median "$tmp/seq.log" "$l0")
  echo "$1: $xr xruns, DSP load $load% (median)"
}
# A plugin too slow for real time overruns nearly every period: fewer than one in ten of a
# recording's (3 s of 10.7 ms) may. Stalls of the machine itself overrun a few (the sine's
# count shows them).
max_xruns=$((3 * 48000 / 512 / 10))
# flute_slow: why the flute's last measure missed real time, or nothing.
flute_slow() {
  if [ "$load" = -1 ]; then echo "the MIDI sender printed no DSP load: $(tail -n 3 "$tmp/seq.log")"
  elif ! in_range "$load" 0 50; then echo "the flute keeps jackd at $load% DSP load (limit 50%)"
  elif [ "$xr" -ge "$max_xruns" ]; then echo "the flute: $xr xruns in 3 s: $(grep XRun "$tmp/jackd.log" | tail -n 2 | tr '\n' ' ')"
  fi
}

measure sine
in_range "$freq" 431 449 || fail "sine plays $freq Hz, not A4"
in_range "$level" 0.02 0.5 || fail "sine level $level"
echo "set instrument 0" >&3
sleep 1.5 # the switch ends the sine's note; the flute starts at the next strike
measure flute
in_range "$freq" 418 462 || fail "flute plays $freq Hz, not A4"
in_range "$level" 0.01 0.5 || fail "flute level $level"
kill -0 "$jalv_pid" 2>/dev/null || fail "jalv died"
slow=$(flute_slow)
if [ -n "$slow" ]; then
  # These machines have bad stretches of seconds (bench/jalv_xruns.sh: the flute, a fifth
  # of each period, once 1,665 xruns in 30 s, 9-25 in the runs around it); a plugin too
  # slow for real time misses again.
  echo "$slow; measuring the flute once more"
  measure flute
  slow=$(flute_slow)
  [ -z "$slow" ] || fail "$slow"
fi

# Both checks can fail: clients that sleep in every period, next to the sine (the flute's
# own share would push the 7 ms one past the period on a slower machine, and cycles that
# overran are not in the load).
echo "set instrument 4" >&3
cat >"$tmp/slow.c" <<'SRC'
#include <jack/jack.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static long ns;
static int process(jack_nframes_t n, void *a) {
    (void)n, (void)a;
    struct timespec ts = {0, ns};
    nanosleep(&ts, 0);
    return 0;
}
int main(int argc, char **argv) { // slow NANOSECONDS_PER_PERIOD SECONDS
    if (argc != 3) return 2;
    ns = atol(argv[1]);
    jack_client_t *c = jack_client_open("cnslow", JackNoStartServer, 0);
    if (!c || jack_set_process_callback(c, process, 0) || jack_activate(c)) return 1;
    sleep((unsigned)atoi(argv[2]));
    jack_client_close(c);
    return 0;
}
SRC
"${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE "$tmp/slow.c" -o "$tmp/slow" -ljack || fail "cannot build the slow client"
x0=$(xrun_count "$tmp/jackd.log")
"$tmp/slow" 24000000 1 || fail "the slow client failed"
slow_xruns=$(($(xrun_count "$tmp/jackd.log") - x0))
echo "a client 2.25x slower than real time: $slow_xruns xruns in 1 s"
[ "$slow_xruns" -ge "$max_xruns" ] || fail "only $slow_xruns xruns for a client slower than real time"
l0=$(wc -l <"$tmp/seq.log")
"$tmp/slow" 7000000 3 || fail "the slow client failed"
busy=$(dsp_load_median "$tmp/seq.log" "$l0")
echo "a client busy 7 ms of each 10.7 ms period: DSP load $busy% (median)"
in_range "$busy" 50 1000 || fail "a client busy 65% of each period shows a DSP load of only $busy%"
echo "test_lv2_instrument_jalv: ok"
