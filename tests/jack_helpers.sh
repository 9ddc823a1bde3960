# jack_helpers.sh: sourced (not run) by the live tests: a private JACK server with the
# dummy backend (48 kHz, 256-frame periods unless asked otherwise), so live playback meets a
# real audio server and its clock without any sound card.
#   . "$CN_SOURCE_DIR/tests/jack_helpers.sh"
#   jack_start "$tmp/jackd.log" [PERIOD] || { echo "SKIP: $(tail -n 1 "$tmp/jackd.log")"; exit 77; }
#   ...; jack_stop   (call it from the test's EXIT trap)
# jack_start tries real-time scheduling first (-R), then without (-r: containers without
# RT privileges), and sets jack_mode to "realtime" or "no-realtime".
export JACK_DEFAULT_SERVER="continuo_test_$$" # private server: parallel runs don't meet
export JACK_NO_AUDIO_RESERVATION=1            # no D-Bus device reservation in containers
export JACK_NO_START_SERVER=1                 # clients must not start a server themselves
jack_pid=
jack_mode=

# jack_try FLAG LOG PERIOD: start jackd with FLAG and wait (10 s at most) until it answers.
jack_try() {
    jackd "$1" -d dummy -r 48000 -p "$3" >"$2" 2>&1 &
    jack_pid=$!
    for _ in $(seq 50); do
        if jack_lsp >/dev/null 2>&1; then return 0; fi
        kill -0 "$jack_pid" 2>/dev/null || break
        sleep 0.2
    done
    jack_stop
    return 1
}

jack_start() {
    if jack_try -R "$1" "${2:-256}"; then jack_mode=realtime
    elif jack_try -r "$1" "${2:-256}"; then jack_mode=no-realtime
    else return 1
    fi
}

jack_stop() {
    [ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null && wait "$jack_pid" 2>/dev/null
    jack_pid=
}

# The LV2 instrument in jalv (tests/test_lv2_instrument_jalv.sh, bench/jalv_xruns.sh); each
# needs CN_SOURCE_DIR and CN_BUILD_DIR, and jalv_stop in the EXIT trap.
jalv_pid=
seq_pid=

# jalv_start DIR INSTRUMENT: jalv as client cnlv2 playing urn:continuo:instrument from the
# build tree with `instrument` = INSTRUMENT; its command line is the fifo DIR/cmd, held
# open on fd 3 (jalv quits at the end of its input), its output DIR/jalv.log. Fails when
# jalv exits or shows no cnlv2:midi_in within 30 s.
jalv_start() {
    mkfifo "$1/cmd"
    LV2_PATH=$CN_BUILD_DIR/lib/lv2 jalv -x -n cnlv2 -c instrument="$2" urn:continuo:instrument \
        <"$1/cmd" >"$1/jalv.log" 2>&1 &
    jalv_pid=$!
    exec 3>"$1/cmd"
    for _ in $(seq 150); do
        jack_lsp 2>/dev/null | grep -q '^cnlv2:out_r$' && break
        kill -0 "$jalv_pid" 2>/dev/null || return 1
        sleep 0.2
    done
    jack_lsp | grep -q '^cnlv2:midi_in$'
}

# note_sender_build DIR: tests/jack_note_sender.c as DIR/sender (cc and libjack; the
# compiler's complaint in DIR/cc.log when it fails).
note_sender_build() {
    "${CC:-cc}" -std=c11 -D_DEFAULT_SOURCE -O1 "$CN_SOURCE_DIR/tests/jack_note_sender.c" -o "$1/sender" -ljack \
        2>"$1/cc.log"
}

# note_sender_start DIR: DIR/sender as client cnseq striking A4 every second into
# cnlv2:midi_in.
note_sender_start() {
    "$1/sender" cnseq 69 >"$1/seq.log" 2>&1 &
    seq_pid=$!
    for _ in $(seq 50); do jack_lsp 2>/dev/null | grep -q '^cnseq:out$' && break; sleep 0.1; done
    jack_connect cnseq:out cnlv2:midi_in && sleep 0.3
}

jalv_stop() {
    [ -n "$seq_pid" ] && kill "$seq_pid" 2>/dev/null && wait "$seq_pid" 2>/dev/null
    [ -n "$jalv_pid" ] && kill "$jalv_pid" 2>/dev/null && wait "$jalv_pid" 2>/dev/null
    seq_pid= jalv_pid=
    exec 3>&- || true
}

# dsp_load_median LOG FROM: the median of the DSP loads (percent) the note sender printed
# to LOG after its line FROM (-1 when none).
dsp_load_median() {
    tail -n +"$(($2 + 1))" "$1" | awk '/^dsp_load / {print $2}' | sort -n |
        awk '{a[NR] = $1} END {print NR ? a[int((NR + 1) / 2)] : -1}'
}

# xrun_count LOG: the xruns jackd logged so far.
xrun_count() { grep -c XRun "$1" || true; }
