# LABELS: unit
# TIMEOUT: 120
# test_render_cli.sh: `continuo render` end to end: a Nottingham tune rendered with the
# reference synth gives a non-silent mono WAV at the asked rate whose length is the one
# reported (last note-off + release tail); renders are bit-identical; each --format gives
# its encoding; and every failure (missing or corrupt MIDI, bad flag, unwritable output
# place, unknown synth/effect) exits non-zero with one line on stderr and no output file;
# the default synth is the WaveNet (a reference waveform as --instrument picks the
# reference synth); the WaveNet renders the same file on any --threads, and --weights
# reaches it.
set -u
fail() { echo "test_render_cli: FAIL: $*" >&2; exit 1; }
: "${CN_BIN:?}" "${CN_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tune="$CN_SOURCE_DIR/data/melody/nottingham/test/xmas6.mid"

# Length: frames reported = frames in the file; the tune lasts 24.6 s (+ 50 ms release).
"$CN_BIN" render "$tune" --synth reference -o "$tmp/a.wav" 2>"$tmp/err" || fail "render failed: $(cat "$tmp/err")"
reported=$(sed -n 's/^rendered \([0-9]*\) frames.*/\1/p' "$tmp/err")
[ "$(soxi -r "$tmp/a.wav")" = 48000 ] || fail "rate $(soxi -r "$tmp/a.wav")"
[ "$(soxi -c "$tmp/a.wav")" = 2 ] || fail "channels: stereo expected"
[ "$(soxi -b "$tmp/a.wav")" = 16 ] || fail "default .wav should be 16-bit"
frames=$(soxi -s "$tmp/a.wav")
[ "$frames" = "$reported" ] || fail "file has $frames frames, render reported $reported"
[ "$frames" -gt $((24 * 48000)) ] && [ "$frames" -lt $((25 * 48000)) ] || fail "length $frames"
rms=$(sox "$tmp/a.wav" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
awk -v r="$rms" 'BEGIN { exit !(r > 0.01) }' || fail "output is silent (RMS $rms)"

# Deterministic: the same input gives the same bytes.
"$CN_BIN" render "$tune" --synth reference -o "$tmp/b.wav" 2>/dev/null || fail "second render"
cmp -s "$tmp/a.wav" "$tmp/b.wav" || fail "two renders differ"

# Rate: half the rate, half the frames (to a sample, the tail scales too).
"$CN_BIN" render "$tune" --synth reference -o "$tmp/c.wav" --rate 24000 --instrument sine 2>/dev/null || fail "24 kHz"
[ "$(soxi -r "$tmp/c.wav")" = 24000 ] || fail "24 kHz rate"
half=$(soxi -s "$tmp/c.wav")
[ $((frames - 2 * half)) -ge -2 ] && [ $((frames - 2 * half)) -le 2 ] || fail "24 kHz: $half frames vs $frames at 48 kHz"

# Formats.
"$CN_BIN" render "$tune" --synth reference -o "$tmp/d.wav" --format wav24 2>/dev/null && [ "$(soxi -b "$tmp/d.wav")" = 24 ] || fail wav24
"$CN_BIN" render "$tune" --synth reference -o "$tmp/e.wav" --format float 2>/dev/null && soxi -e "$tmp/e.wav" | grep -q "Floating" || fail float
"$CN_BIN" render "$tune" --synth reference -o "$tmp/f.flac" 2>/dev/null && soxi -t "$tmp/f.flac" | grep -q flac || fail flac
[ "$(soxi -s "$tmp/f.flac")" = "$frames" ] || fail "flac length"

# Failures: exit non-zero, exactly one line on stderr, no output (nor temporary) file.
printf 'MThd\0\0\0\6\0\1\0\1\1\340MTrk\0\0\1\0\220' >"$tmp/corrupt.mid"
printf 'not a midi file at all' >"$tmp/text.mid"
: >"$tmp/empty.mid"
touch "$tmp/afile"
expect_fail() {
    local out=$1; shift
    "$CN_BIN" render --synth reference "$@" >/dev/null 2>"$tmp/err"
    local rc=$?
    [ $rc -ne 0 ] || fail "render $* succeeded"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "render $*: not one line: $(cat "$tmp/err")"
    grep -q '^continuo render: ' "$tmp/err" || fail "render $*: $(cat "$tmp/err")"
    ls "$out"* >/dev/null 2>&1 && fail "render $* left $(ls "$out"*)"
    echo "ok ($rc): $(cat "$tmp/err")"
}
expect_fail "$tmp/o1.wav" "$tmp/missing.mid" -o "$tmp/o1.wav"
expect_fail "$tmp/o2.wav" "$tmp/corrupt.mid" -o "$tmp/o2.wav"
expect_fail "$tmp/o3.wav" "$tmp/text.mid" -o "$tmp/o3.wav"
expect_fail "$tmp/o4.wav" "$tmp/empty.mid" -o "$tmp/o4.wav"
expect_fail "$tmp/o5.wav" "$tune" -o "$tmp/o5.wav" --no-such-flag
expect_fail "$tmp/o6.wav" "$tune" -o "$tmp/o6.wav" --rate fast
expect_fail "$tmp/o7.wav" "$tune" -o "$tmp/o7.wav" --format mp3
expect_fail "$tmp/o8.wav" "$tune" -o "$tmp/o8.wav" --synth nosuch
expect_fail "$tmp/o10.wav" "$tune" -o "$tmp/o10.wav" --fx nosuch:mix=1
expect_fail "$tmp/o11.wav" "$tune" -o "$tmp/o11.wav" --instrument kazoo
expect_fail "$tmp/o12.ogg" "$tune" -o "$tmp/o12.ogg"
expect_fail "$tmp/nodir/o.wav" "$tune" -o "$tmp/nodir/o.wav"
expect_fail "$tmp/afile/o.wav" "$tune" -o "$tmp/afile/o.wav"
expect_fail "$tmp/o13.wav" "$tune"
expect_fail "$tmp/o14.ogg" "$tune" -o "$tmp/o14.ogg" --format wav16 # WAV data under another name
expect_fail "$tmp/o15" "$tune" -o "$tmp/o15" --format flac
expect_fail "$tmp/o16.wav" "$tune" -o "$tmp/o16.wav" --threads 0
expect_fail "$tmp/o17.wav" "$tune" -o "$tmp/o17.wav" --threads 2 # the reference synth has none
expect_fail "$tmp/o18.wav" "$tune" -o "$tmp/o18.wav" --weights int8 # nor weights
expect_fail "$tmp/o19.wav" "$tune" -o "$tmp/o19.wav" --synth wavenet --weights int4
if [ "$(id -u)" -ne 0 ]; then # root writes anywhere: only meaningful for users
    mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
    expect_fail "$tmp/ro/o.wav" "$tune" -o "$tmp/ro/o.wav"
fi
# Disk full mid-write (a file size limit): continuo ignores SIGXFSZ, so the write fails
# with EFBIG and the command reports it (without that it would die by signal 25).
(ulimit -f 100; "$CN_BIN" render "$tune" --synth reference -o "$tmp/full.wav" >/dev/null 2>"$tmp/err")
[ $? -ne 0 ] || fail "render past the file size limit succeeded"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "disk full: $(cat "$tmp/err")"
ls "$tmp"/full.wav* >/dev/null 2>&1 && fail "disk full left a file"
echo "ok: $(cat "$tmp/err")"

# Clipping is reported, with the count; the limiter prevents it.
"$CN_BIN" render "$tune" --synth reference -o "$tmp/loud.wav" --fx "eq:gain=24" 2>"$tmp/err" || fail "loud render: $(cat "$tmp/err")"
grep -Eq "warning: [1-9][0-9]* samples \([0-9.]+%\) were beyond full scale and clipped" "$tmp/err" ||
    fail "no clipping warning: $(cat "$tmp/err")"
"$CN_BIN" render "$tune" --synth reference -o "$tmp/limited.wav" --fx "eq:gain=24,limiter" 2>"$tmp/err" || fail "limited render"
grep -q "clipped" "$tmp/err" && fail "clipping warned through the limiter: $(cat "$tmp/err")"

# Drums (channel 10) are skipped with one line giving the count; a file of drums alone is
# an error. A4 on channel 1 and two notes on channel 10:
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x19\x00\x90\x45\x5a\x00\x99\x24\x64\x00\x99\x26\x64\x87\x40\x80\x45\x40\x00\x89\x24\x40\x00\xff\x2f\x00' >"$tmp/drums.mid"
"$CN_BIN" render "$tmp/drums.mid" -o "$tmp/drums.wav" 2>"$tmp/err" || fail "drums: $(cat "$tmp/err")"
# The default synth is the WaveNet; a reference waveform as --instrument picks the reference synth.
"$CN_BIN" render "$tmp/drums.mid" -o "$tmp/drums-wn.wav" --synth wavenet 2>/dev/null || fail "drums, wavenet"
cmp -s "$tmp/drums.wav" "$tmp/drums-wn.wav" || fail "the default synth is not the wavenet"
"$CN_BIN" render "$tmp/drums.mid" -o "$tmp/drums-ref.wav" --synth reference 2>/dev/null || fail "drums, reference"
cmp -s "$tmp/drums.wav" "$tmp/drums-ref.wav" && fail "the default synth renders as the reference synth"
"$CN_BIN" render "$tmp/drums.mid" -o "$tmp/drums-saw.wav" --instrument saw 2>/dev/null || fail "drums, saw"
"$CN_BIN" render "$tmp/drums.mid" -o "$tmp/drums-refsaw.wav" --synth reference --instrument saw 2>/dev/null || fail "drums, reference saw"
cmp -s "$tmp/drums-saw.wav" "$tmp/drums-refsaw.wav" || fail "--instrument saw did not pick the reference synth"
grep -q "^continuo render: 2 drum notes (channel 10) skipped" "$tmp/err" || fail "drums not reported: $(cat "$tmp/err")"
printf 'MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk\x00\x00\x00\x0d\x00\x99\x24\x64\x87\x40\x89\x24\x40\x00\xff\x2f\x00' >"$tmp/onlydrums.mid"
expect_fail "$tmp/od.wav" "$tmp/onlydrums.mid" -o "$tmp/od.wav"
grep -q "only drum notes" "$tmp/err" || fail "drums alone: $(cat "$tmp/err")"

# A continuation straight to audio (the melody event-generator plugin feeding the graph).
small="$CN_SOURCE_DIR/data/melody/nottingham/valid"
for run in a b; do
    "$CN_BIN" render --primer "D5:1/2 F#5:1/2 A5" --notes 12 --seed 4 --ngram-only --ngram-data "$small" --synth reference \
        -o "$tmp/cont-$run.wav" 2>"$tmp/err" || fail "render --primer: $(cat "$tmp/err")"
done
grep -q "^rendered 15 notes (12 of them continuation, seed 4), [0-9]* frames" "$tmp/err" ||
    fail "render --primer summary: $(cat "$tmp/err")"
cmp -s "$tmp/cont-a.wav" "$tmp/cont-b.wav" || fail "render --primer with one seed differs"
[ "$(soxi -s "$tmp/cont-a.wav")" -gt 48000 ] || fail "render --primer: too short"
for bad in "--primer 'D5 E5' $tune" "--notes 3 $tune" "--primer 'D5 E5' --model x --ngram-only" \
           "--primer 'D5 E5' --temperature 0"; do
    rc=0
    eval "\"$CN_BIN\" render $bad -o '$tmp/bad.wav'" 2>"$tmp/err" || rc=$?
    [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] || fail "render $bad: exit $rc: $(cat "$tmp/err")"
    [ -e "$tmp/bad.wav" ] && fail "render $bad wrote a file"
done
rc=0
"$CN_BIN" render --primer "r r" -o "$tmp/bad.wav" 2>"$tmp/err" || rc=$?
[ $rc = 1 ] && grep -q "has no notes" "$tmp/err" && [ ! -e "$tmp/bad.wav" ] || fail "render --primer 'r r': exit $rc"
# Four parts on four channels (scripts/make_chorale.sh), panned apart: every part sounds,
# the channels differ, nothing is stolen, and the summary says stereo.
bash "$CN_SOURCE_DIR/scripts/make_chorale.sh" "$tmp/chorale.mid" || fail "make_chorale.sh"
"$CN_BIN" render "$tmp/chorale.mid" -o "$tmp/chorale.wav" --synth reference 2>"$tmp/err" || fail "render chorale: $(cat "$tmp/err")"
grep -q "stereo, to .*; voices stolen: 0$" "$tmp/err" || fail "chorale summary: $(cat "$tmp/err")"
l=$(sox "$tmp/chorale.wav" -n remix 1 stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
r=$(sox "$tmp/chorale.wav" -n remix 2 stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
d=$(sox "$tmp/chorale.wav" -n remix 1,2v-1 stat 2>&1 | sed -n 's/^RMS *amplitude: *//p')
echo "chorale: RMS left $l, right $r, of left - right $d"
awk -v l="$l" -v r="$r" -v d="$d" 'BEGIN { exit !(l > 0.02 && r > 0.02 && d > 0.1 * l) }' || fail "chorale: not stereo"
"$CN_BIN" render "$tmp/chorale.mid" -o "$tmp/chorale2.wav" --synth reference --fx "eq:gain=2,reverb:mix=0.2,limiter" \
  2>"$tmp/err" || fail "render chorale with effects: $(cat "$tmp/err")"
# The WaveNet's voices on 1 or 3 threads (a staggered five-note chord on the 16 kHz model,
# so the threads' shares change as notes start): the same file, byte for byte.
. "$CN_SOURCE_DIR/scripts/smf.sh"
smf_begin
for p in 60 64 67 71 74; do smf_event 96 0x90 "$p" 90; done
smf_event 480 0x80 60 0
for p in 64 67 71 74; do smf_event 48 0x80 "$p" 0; done
smf_write "$tmp/chord.mid"
for t in 1 3; do
    "$CN_BIN" render "$tmp/chord.mid" --synth wavenet --preset "$CN_SOURCE_DIR/presets/wavenet-gm3.safetensors" \
        --threads $t -o "$tmp/chord-$t.wav" 2>"$tmp/err" || fail "render --threads $t: $(cat "$tmp/err")"
done
cmp -s "$tmp/chord-1.wav" "$tmp/chord-3.wav" || fail "wavenet render on 3 threads differs from 1"
echo "wavenet chord: --threads 1 == --threads 3 ($(soxi -s "$tmp/chord-1.wav") frames)"
# --weights reaches the generator: auto picks float for this 0.5 MB model, so --weights
# float writes the same bytes; half and int8 (where the CPU has them) round the weights: other
# bytes, the same chord at about the same level.
level() { sox "$1" -n stat 2>&1 | sed -n 's/^RMS *amplitude: *//p'; }
for w in float half int8; do
    if ! "$CN_BIN" render "$tmp/chord.mid" --synth wavenet --preset "$CN_SOURCE_DIR/presets/wavenet-gm3.safetensors" \
        --threads 1 --weights $w -o "$tmp/chord-$w.wav" 2>"$tmp/err"; then
        grep -q "need a CPU with" "$tmp/err" && [ $w != float ] && [ $w != half ] && { echo "--weights $w: $(cat "$tmp/err")"; continue; }
        fail "render --weights $w: $(cat "$tmp/err")"
    fi
    if [ $w = float ]; then
        cmp -s "$tmp/chord-1.wav" "$tmp/chord-$w.wav" || fail "--weights float differs from auto"
    else
        cmp -s "$tmp/chord-1.wav" "$tmp/chord-$w.wav" && fail "--weights $w renders the float weights' bytes"
        a=$(level "$tmp/chord-1.wav") b=$(level "$tmp/chord-$w.wav")
        echo "wavenet chord, --weights $w: RMS $b (float $a)"
        awk -v a="$a" -v b="$b" 'BEGIN { exit !(b > a / 1.41 && b < a * 1.41) }' || fail "--weights $w: RMS $b against $a"
    fi
done
echo "test_render_cli: ok"
