#!/usr/bin/env bash
# LABELS: live;slow
# TIMEOUT: 400
# SERIAL
# test_soak: `continuo bench live` for 2 minutes (SOAK_MINUTES) on a JACK dummy server at
# 48 kHz with 256-frame periods: endless melody generation played by the WaveNet through
# eq, reverb and limiter, with a CPU hog on the other core. No xrun, no late note, every
# frame played, and resident memory flat (less than 16 MB of growth); a run with xruns or
# late notes gets one more try (below). Runs alone (a CPU hog would disturb the other live
# tests). The 60-minute run is in docs/live.md.
set -uo pipefail
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
command -v jackd >/dev/null || { echo "test_soak: SKIP: jackd not installed"; exit 77; }
T=$(mktemp -d)
fail() { echo "test_soak: FAIL: $*" >&2; exit 1; }
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
trap 'jack_stop; rm -rf "$T"' EXIT
jack_start "$T/jackd.log" || { echo "test_soak: SKIP: jackd could not start: $(tail -n 1 "$T/jackd.log")"; exit 77; }
minutes=${SOAK_MINUTES:-2}
# The worker and the server need the CPU within every 50 ms; on a shared virtual machine
# another tenant can take it for longer now and then (a soak that had xruns in a whole
# run showed 0 in the next, same build, same machine: docs/live.md). So a run with xruns
# or late notes is tried once more, and both runs are printed: the test fails when the
# second run misses too. Missing frames and memory growth fail at once.
for attempt in 1 2; do
  "$CN_BIN" bench live --minutes "$minutes" --device JACK >"$T/out" 2>"$T/err" || fail "bench live: $(cat "$T/err")"
  cat "$T/out"
  frames=$(sed -n 's/^  played \([0-9]*\) frames.*/\1/p' "$T/out")
  [ "$frames" = "$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 * 48000 }')" ] || fail "played $frames frames"
  growth=$(sed -n 's/.*start \([0-9.]*\) MB, end \([0-9.]*\) MB.*/\1 \2/p' "$T/out" | awk '{ print $2 - $1 }')
  awk -v g="$growth" 'BEGIN { exit !(g < 16) }' || fail "resident memory grew by $growth MB"
  grep -q "device xruns 0," "$T/out" || echo "test_soak: note: the server reported underflows ($jack_mode mode)"
  missed=
  grep -q " late 0$" "$T/out" || missed="late notes"
  grep -q "^  xruns 0, " "$T/out" || missed="${missed:+$missed, }xruns"
  [ -z "$missed" ] && break
  [ "$attempt" = 2 ] && fail "$missed in both runs"
  echo "test_soak: $missed in the first run; once more"
done
echo "test_soak: ok (memory growth $growth MB)"
