#!/usr/bin/env bash
# LABELS: live
# TIMEOUT: 300
# SERIAL
# test_lv2_instrument_jalv: the LV2 instrument in a real JACK host. A private JACK dummy
# server (tests/jack_helpers.sh) runs jalv with continuo.lv2 from the build tree;
# jack_midiseq loops A4 (23000 frames on, 1000 off) into its midi_in and jack_rec records
# its outputs: 3 s of the reference synth's sine, then, switched through jalv's command
# line (`set instrument 0`), 3 s of the WaveNet flute. Each recording must sound at A4
# (sox's zero-crossing frequency) at a sensible level; jalv must still run; jackd's log
# must count no xrun. Skips (77) without jackd, jalv, jack_midiseq, jack_rec, sox or the
# bundle.
set -euo pipefail
: "${CN_SOURCE_DIR:?}" "${CN_BUILD_DIR:?}"
for t in jackd jalv jack_midiseq jack_rec jack_connect jack_lsp sox; do
  command -v "$t" >/dev/null || { echo "SKIP: $t not installed (jackd2, jalv, sox)"; exit 77; }
done
[ -f "$CN_BUILD_DIR/lib/lv2/continuo.lv2/manifest.ttl" ] || { echo "SKIP: LV2 instrument not built"; exit 77; }
tmp=$(mktemp -d)
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
jalv_pid= seq_pid=
cleanup() {
  [ -n "$seq_pid" ] && kill "$seq_pid" 2>/dev/null && wait "$seq_pid" 2>/dev/null
  [ -n "$jalv_pid" ] && kill "$jalv_pid" 2>/dev/null && wait "$jalv_pid" 2>/dev/null
  exec 3>&- || true
  jack_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "test_lv2_instrument_jalv: FAIL: $*" >&2; [ -f "$tmp/jalv.log" ] && tail -n 5 "$tmp/jalv.log" >&2; exit 1; }
jack_start "$tmp/jackd.log" || { echo "SKIP: no JACK server: $(tail -n 1 "$tmp/jackd.log")"; exit 77; }

mkfifo "$tmp/cmd" # jalv's command line; held open, as jalv quits at the end of its input
LV2_PATH=$CN_BUILD_DIR/lib/lv2 jalv -x -n cnlv2 -c instrument=4 urn:continuo:instrument <"$tmp/cmd" >"$tmp/jalv.log" 2>&1 &
jalv_pid=$!
exec 3>"$tmp/cmd"
for _ in $(seq 150); do
  jack_lsp 2>/dev/null | grep -q '^cnlv2:out_r$' && break
  kill -0 "$jalv_pid" 2>/dev/null || fail "jalv exited"
  sleep 0.2
done
jack_lsp | grep -q '^cnlv2:midi_in$' || fail "jalv shows no cnlv2:midi_in: $(jack_lsp | tr '\n' ' ')"

jack_midiseq cnseq 24000 0 69 23000 >"$tmp/seq.log" 2>&1 &
seq_pid=$!
for _ in $(seq 50); do jack_lsp 2>/dev/null | grep -q '^cnseq:' && break; sleep 0.1; done
seq_port=$(jack_lsp | grep '^cnseq:' | head -n 1)
jack_connect "$seq_port" cnlv2:midi_in || fail "cannot connect $seq_port to cnlv2:midi_in"

# record NAME: 3 s of both outputs; prints "NAME: FREQ Hz, RMS R"
record() {
  jack_rec -f "$tmp/$1.wav" -d 3 cnlv2:out_l cnlv2:out_r >"$tmp/rec.log" 2>&1 || fail "jack_rec: $(cat "$tmp/rec.log")"
  sox "$tmp/$1.wav" -n stat 2>"$tmp/$1.stat" || fail "sox: $(cat "$tmp/$1.stat")"
  freq=$(awk '/^Rough +frequency/ {print $3}' "$tmp/$1.stat")
  level=$(awk '/^RMS +amplitude/ {print $3}' "$tmp/$1.stat")
  echo "$1: $freq Hz, RMS $level"
}
in_range() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

record sine
in_range "$freq" 431 449 || fail "sine plays $freq Hz, not A4"
in_range "$level" 0.02 0.5 || fail "sine level $level"
echo "set instrument 0" >&3
sleep 0.5
record flute
in_range "$freq" 418 462 || fail "flute plays $freq Hz, not A4"
in_range "$level" 0.01 0.5 || fail "flute level $level"
kill -0 "$jalv_pid" 2>/dev/null || fail "jalv died"
xruns=$(grep -c XRun "$tmp/jackd.log" || true)
echo "jackd ($jack_mode): $xruns xruns in its log"
[ "$xruns" = 0 ] || fail "$xruns xruns: $(grep XRun "$tmp/jackd.log" | head -n 3)"
echo "test_lv2_instrument_jalv: ok"
