# LABELS: unit
# test_lv2_cli.sh: LV2 effects from Debian's x42-plugins and swh-lv2 through the command:
# `plugins --lv2` lists them with their ports; `render --fx "lv2:URI:PORT=VALUE"` changes
# the sound as the plugin should (the x42 EQ's -6 dB gain measured on the file; x42
# nodelay's 24000-frame delay: the file is the dry file that much late, sample for
# sample; swh delay_n is not used here: it mangles a block where its ring buffer wraps); a plugin
# that reports latency (x42 nodelay) is compensated: the file equals the dry render, for
# a MIDI file and for a --primer continuation; each error is one line, a non-zero exit
# and no file left, a plugin needing a GUI's feature included. Exits 77 without LV2
# support, the plugins or sox.
set -u
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_lv2_cli: FAIL: $*" >&2; exit 1; }
FIL4=http://gareus.org/oss/lv2/fil4#mono
NODELAY=http://gareus.org/oss/lv2/nodelay
DELAY=http://plugin.org.uk/swh-plugins/delay_n
command -v sox >/dev/null || { echo "skipped: no sox"; exit 77; }
"$CN_BIN" plugins --lv2 >"$tmp/list" 2>"$tmp/err" || { echo "skipped: $(cat "$tmp/err")"; exit 77; }
for u in "$FIL4" "$NODELAY" "$DELAY"; do
    grep -qx "$u" "$tmp/list" || { echo "skipped: $u not installed (Debian: x42-plugins, swh-lv2)"; exit 77; }
done

# The listing: the EQ with its ports, latency flagged, unusable plugins say why.
grep -A3 -x "$FIL4" "$tmp/list" | grep -q "audio 1 in, 1 out" || fail "no audio ports for $FIL4"
grep -A4 -x "$FIL4" "$tmp/list" | grep -Eq "^  gain +\[-18 \.\. 18\] default 0$" || fail "fil4 gain port not listed"
grep -A1 -x "$NODELAY" "$tmp/list" | grep -q "reports latency" || fail "nodelay latency not shown"
grep -q "LV2 effects; use one in a chain" "$tmp/err" || fail "no count line: $(cat "$tmp/err")"
# Optional audio ports beyond two (Calf's side-chain inputs) are left unconnected.
SC=http://calf.sourceforge.net/plugins/SidechainCompressor
if grep -qx "$SC" "$tmp/list"; then
    grep -A1 -x "$SC" "$tmp/list" | grep -q "audio 2 in, 2 out (+2 optional, left unconnected)$" ||
        fail "side-chain inputs: $(grep -A1 -x "$SC" "$tmp/list")"
else
    echo "calf-plugins not installed: side-chain inputs not checked"
fi
"$CN_BIN" plugins --lv2 "$DELAY" >"$tmp/one" || fail "plugins --lv2 URI"
grep -q "class: Delay" "$tmp/one" && grep -Eq "^  delay_time +Delay Time \(s\) +\[0 \.\. 10\] default 0$" "$tmp/one" ||
    fail "plugins --lv2 $DELAY: $(cat "$tmp/one")"
"$CN_BIN" plugins --lv2 "$NODELAY" | grep -A1 "^  control outputs (not settable):$" | grep -Eq "^  latency +latency +\[0 \.\. 192000\]$" ||
    fail "plugins --lv2 $NODELAY does not show its latency output: $("$CN_BIN" plugins --lv2 "$NODELAY")"
"$CN_BIN" plugins --help | grep -q -- "--lv2" || fail "plugins --help lacks --lv2"

tune="$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid"
render() { "$CN_BIN" render "$tune" --synth reference --format float "$@" 2>"$tmp/err" || fail "render $*: $(cat "$tmp/err")"; }
# Float WAVs carry a PEAK chunk with a time stamp: compare the samples.
raw() { sox -V1 "$1" -t f32 - 2>/dev/null; }
same() { cmp -s <(raw "$1") <(raw "$2"); }
render -o "$tmp/dry.wav"
frames=$(soxi -s "$tmp/dry.wav" 2>/dev/null)
ch=$(soxi -c "$tmp/dry.wav" 2>/dev/null) # render writes stereo; bytes per frame: 4 * ch

# The EQ's master gain: -6 dB on the whole file (RMS ratio).
render -o "$tmp/eq.wav" --fx "lv2:$FIL4:gain=-6"
rms() { sox -V1 "$1" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p'; }
db=$(awk -v a="$(rms "$tmp/eq.wav")" -v b="$(rms "$tmp/dry.wav")" 'BEGIN { printf "%.2f", 20 * log(a / b) / log(10) }')
echo "x42 EQ gain=-6 on the file: $db dB"
awk -v d="$db" 'BEGIN { exit !(d > -6.1 && d < -5.9) }' || fail "EQ gain -6 measured $db dB"

# The delay: the wet file from frame 24000 on is the dry file.
render -o "$tmp/delay.wav" --fx "lv2:$NODELAY:delay=24000:report_latency=0"
raw "$tmp/delay.wav" | tail -c +$((24000 * 4 * ch + 1)) >"$tmp/wet.raw"
raw "$tmp/dry.wav" | head -c $(((frames - 24000) * 4 * ch)) >"$tmp/dry.raw"
[ "$(soxi -s "$tmp/delay.wav" 2>/dev/null)" = "$frames" ] || fail "delayed file length"
cmp -s "$tmp/wet.raw" "$tmp/dry.raw" || fail "delayed file is not the dry one 24000 frames late"
same "$tmp/delay.wav" "$tmp/dry.wav" && fail "delay made no difference"
echo "x42 nodelay 24000 frames, not reported: the file is the dry one 24000 frames late, sample for sample"

# Latency compensation: nodelay delays 1000 frames and reports them; the file equals dry.
render -o "$tmp/comp.wav" --fx "lv2:$NODELAY:delay=1000:report_latency=1"
same "$tmp/comp.wav" "$tmp/dry.wav" || fail "compensated render differs from the dry one"
render -o "$tmp/late.wav" --fx "lv2:$NODELAY:delay=1000,report_latency=0"
same "$tmp/late.wav" "$tmp/dry.wav" && fail "uncompensated delay made no difference"
# ... and for a continuation, where notes reach the graph through its event queue.
"$CN_BIN" render --primer "D4 F#4 A4 D5" --notes 8 --ngram-only --synth reference -o "$tmp/p_dry.wav" 2>/dev/null || fail "primer render"
"$CN_BIN" render --primer "D4 F#4 A4 D5" --notes 8 --ngram-only --synth reference -o "$tmp/p_comp.wav" \
    --fx "lv2:$NODELAY:delay=2000:report_latency=1" 2>/dev/null || fail "primer render with lv2"
same "$tmp/p_comp.wav" "$tmp/p_dry.wav" || fail "compensated continuation differs from the dry one"
# tail=SECONDS: the render runs that much longer (LV2 cannot say how long a plugin rings).
render -o "$tmp/tail.wav" --fx "lv2:$FIL4:gain=-1:tail=2.5"
[ "$(soxi -s "$tmp/tail.wav" 2>/dev/null)" = $((frames + 120000)) ] || fail "tail=2.5 did not add 120000 frames"
# Built-in effects and LV2 effects mix in one chain; the old syntax keeps working.
render -o "$tmp/mix.wav" --fx "eq:gain=3,freq=800,lv2:$FIL4:gain=-3,HighPass=1,reverb:mix=0.2,limiter"
[ "$(soxi -s "$tmp/mix.wav" 2>/dev/null)" -ge "$frames" ] || fail "mixed chain length"

# Errors: one line, non-zero exit, no file.
expect_fail() {
    local want=$1; shift
    "$CN_BIN" render "$tune" --synth reference -o "$tmp/bad.wav" --fx "$@" >/dev/null 2>"$tmp/err" && fail "--fx $* succeeded"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--fx $*: not one line: $(cat "$tmp/err")"
    grep -qF "$want" "$tmp/err" || fail "--fx $*: '$(cat "$tmp/err")' lacks '$want'"
    ls "$tmp"/bad.wav* >/dev/null 2>&1 && fail "--fx $* left a file"
    echo "ok: $(cat "$tmp/err")"
}
expect_fail "no installed LV2 plugin has the URI 'http://example.org/none'" "lv2:http://example.org/none"
expect_fail "no control port 'gian' (control ports: enable, gain," "lv2:$FIL4:gian=3"
expect_fail "gain=30 out of range [-18, 18]" "lv2:$FIL4:gain=30"
expect_fail "is not an effect: 0 audio inputs" "lv2:http://gareus.org/oss/lv2/midifilter#mididelay"
expect_fail "requires the LV2 feature http://lv2plug.in/ns/ext/worker#schedule" "lv2:http://gareus.org/oss/lv2/convoLV2#Mono"
expect_fail "no plugin URI" "lv2"
expect_fail "no plugin URI" "lv2:gain=3"
expect_fail "tail=-2 is not a number of seconds in [0, 600]" "lv2:$FIL4:tail=-2"
# A plugin that needs a GUI's feature (a bundle of TTL only, found through LV2_PATH; a
# urn: URI) is refused before its binary is loaded, naming the feature.
mkdir -p "$tmp/lv2/needs-ui.lv2"
cat >"$tmp/lv2/needs-ui.lv2/manifest.ttl" <<'TTL'
@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:continuo:test:needs-ui> a lv2:Plugin ; lv2:binary <needs-ui.so> ; rdfs:seeAlso <plugin.ttl> .
TTL
cat >"$tmp/lv2/needs-ui.lv2/plugin.ttl" <<'TTL'
@prefix doap: <http://usefulinc.com/ns/doap#> .
@prefix lv2: <http://lv2plug.in/ns/lv2core#> .
<urn:continuo:test:needs-ui> a lv2:Plugin, lv2:EffectPlugin ;
    doap:name "Needs a UI" ;
    lv2:requiredFeature <http://lv2plug.in/ns/extensions/ui#parent> ;
    lv2:port [ a lv2:AudioPort, lv2:InputPort ; lv2:index 0 ; lv2:symbol "in" ; lv2:name "In" ] ,
             [ a lv2:AudioPort, lv2:OutputPort ; lv2:index 1 ; lv2:symbol "out" ; lv2:name "Out" ] .
TTL
LV2_PATH="$tmp/lv2" "$CN_BIN" render "$tune" --synth reference -o "$tmp/bad.wav" --fx "lv2:urn:continuo:test:needs-ui,limiter" \
    >/dev/null 2>"$tmp/err" && fail "a plugin needing ui:parent was loaded"
[ "$(cat "$tmp/err")" = "continuo render: lv2 urn:continuo:test:needs-ui requires the LV2 feature http://lv2plug.in/ns/extensions/ui#parent, which continuo does not provide" ] ||
    fail "needs-ui: $(cat "$tmp/err")"
ls "$tmp"/bad.wav* >/dev/null 2>&1 && fail "needs-ui left a file"
LV2_PATH="$tmp/lv2" "$CN_BIN" plugins --lv2 2>/dev/null | grep -q "NOT USABLE: requires the LV2 feature http://lv2plug.in/ns/extensions/ui#parent" ||
    fail "plugins --lv2 does not say why needs-ui is refused"
echo "ok: $(cat "$tmp/err")"
"$CN_BIN" plugins --lv2 http://example.org/none >/dev/null 2>"$tmp/err" && fail "plugins --lv2 unknown URI succeeded"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "plugins --lv2 unknown: $(cat "$tmp/err")"
# Completion of `plugins --lv2 URI`, with the ':' bash splits words at.
. "$CN_SOURCE_DIR/scripts/continuo.bash-completion"
COMP_LINE="$CN_BIN plugins --lv2 http://gareus.org/oss/lv2/fil4#m"
COMP_WORDS=("$CN_BIN" plugins --lv2 http : //gareus.org/oss/lv2/fil4#m) COMP_CWORD=5 COMPREPLY=()
COMP_POINT=${#COMP_LINE}
_continuo
[ "${COMPREPLY[*]}" = "//gareus.org/oss/lv2/fil4#mono" ] || fail "completion of a URI: '${COMPREPLY[*]}'"
echo "test_lv2_cli: ok"
