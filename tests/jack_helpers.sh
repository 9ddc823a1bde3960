# jack_helpers.sh: sourced (not run) by the live tests: a private JACK server with the
# dummy backend (48 kHz, 256-frame periods), so live playback meets a real audio server
# and its clock without any sound card.
#   . "$CN_SOURCE_DIR/tests/jack_helpers.sh"
#   jack_start "$tmp/jackd.log" || { echo "SKIP: $(tail -n 1 "$tmp/jackd.log")"; exit 77; }
#   ...; jack_stop   (call it from the test's EXIT trap)
# jack_start tries real-time scheduling first (-R), then without (-r: containers without
# RT privileges), and sets jack_mode to "realtime" or "no-realtime".
export JACK_DEFAULT_SERVER="continuo_test_$$" # private server: parallel runs don't meet
export JACK_NO_AUDIO_RESERVATION=1            # no D-Bus device reservation in containers
export JACK_NO_START_SERVER=1                 # clients must not start a server themselves
jack_pid=
jack_mode=

# jack_try FLAG LOG: start jackd with FLAG and wait (10 s at most) until it answers.
jack_try() {
    jackd "$1" -d dummy -r 48000 -p 256 >"$2" 2>&1 &
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
    if jack_try -R "$1"; then jack_mode=realtime
    elif jack_try -r "$1"; then jack_mode=no-realtime
    else return 1
    fi
}

jack_stop() {
    [ -n "$jack_pid" ] && kill "$jack_pid" 2>/dev/null && wait "$jack_pid" 2>/dev/null
    jack_pid=
}
