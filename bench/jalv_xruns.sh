#!/usr/bin/env bash
# jalv_xruns.sh: how often the LV2 instrument misses JACK's deadline in jalv on this
# machine. A private JACK dummy server (48 kHz, PERIOD frames), jalv playing INSTRUMENT
# (the `instrument` port's number, docs/lv2.md: 0 the WaveNet flute, 4 the reference sine),
# A4 struck every second, SECONDS of jack_rec; prints jackd's xruns in that time and its
# median DSP load (jack_cpu_load: the plugin's share of each period, with the machine's).
#   bench/jalv_xruns.sh [BUILD_DIR] [PERIOD] [INSTRUMENT] [SECONDS]   (default build 256 4 30)
# Needs jackd2, jalv, a C compiler with the JACK headers. Compare instruments in one sitting:
# the sine costs microseconds, so its xruns are the machine's, not the plugin's.
set -euo pipefail
CN_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
CN_BUILD_DIR=$(cd "${1:-$CN_SOURCE_DIR/build}" && pwd)
period=${2:-256} instrument=${3:-4} seconds=${4:-30}
die() { echo "jalv_xruns: $*" >&2; exit 1; }
for t in jackd jalv jack_rec jack_connect jack_lsp "${CC:-cc}"; do
  command -v "$t" >/dev/null || die "$t not installed (jackd2, jalv, a C compiler)"
done
[ -f "$CN_BUILD_DIR/lib/lv2/continuo.lv2/manifest.ttl" ] || die "no LV2 bundle in $CN_BUILD_DIR/lib/lv2"
tmp=$(mktemp -d)
. "$CN_SOURCE_DIR/tests/jack_helpers.sh"
trap 'jalv_stop; jack_stop; rm -rf "$tmp"' EXIT
note_sender_build "$tmp" || die "cannot build the JACK MIDI sender: $(head -n 1 "$tmp/cc.log")"
jack_start "$tmp/jackd.log" "$period" || die "no JACK server: $(tail -n 1 "$tmp/jackd.log")"
jalv_start "$tmp" "$instrument" || die "jalv did not start: $(tail -n 3 "$tmp/jalv.log")"
note_sender_start "$tmp" || die "cannot connect the MIDI sender"
before=$(xrun_count "$tmp/jackd.log") lines=$(wc -l <"$tmp/seq.log")
jack_rec -f "$tmp/rec.wav" -d "$seconds" cnlv2:out_l cnlv2:out_r >"$tmp/rec.log" 2>&1 || die "jack_rec: $(cat "$tmp/rec.log")"
echo "period $period ($jack_mode), instrument $instrument: $(( $(xrun_count "$tmp/jackd.log") - before )) xruns in $seconds s," \
  "DSP load $(dsp_load_median "$tmp/seq.log" "$lines")% (median)"
