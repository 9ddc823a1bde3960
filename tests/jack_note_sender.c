// jack_note_sender.c: a JACK MIDI source for the live LV2 instrument test (built by
// tests/test_lv2_instrument_jalv.sh with cc -ljack; jack_midiseq keeps note lengths
// modulo 256 frames). Usage: jack_note_sender NAME KEY: a client NAME with the MIDI output
// NAME:out that, once connected, plays KEY (velocity 100, channel 0) and strikes it again
// every second (note-off and note-on on one frame), until killed. Every 100 ms it prints
// jackd's DSP load (`dsp_load PERCENT`: jack_cpu_load, a running average of the busiest
// cycle in each 32 as a share of the period; cycles that overran are not in it).
#include <jack/jack.h>
#include <jack/midiport.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static jack_port_t *port;
static volatile sig_atomic_t go, stop;
static jack_nframes_t next_strike, rate;
static int key, struck;

static int process(jack_nframes_t n, void *arg) {
    (void)arg;
    void *buf = jack_port_get_buffer(port, n);
    jack_midi_clear_buffer(buf);
    if (!go) return 0;
    if (next_strike < n) {
        unsigned char off[3] = {0x80, (unsigned char)key, 0}, on[3] = {0x90, (unsigned char)key, 100};
        if (struck) jack_midi_event_write(buf, next_strike, off, 3);
        jack_midi_event_write(buf, next_strike, on, 3);
        struck = 1;
        next_strike += rate;
    }
    next_strike -= n;
    return 0;
}

static void on_signal(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: jack_note_sender NAME KEY\n");
        return 2;
    }
    key = atoi(argv[2]) & 127;
    jack_client_t *c = jack_client_open(argv[1], JackNoStartServer, NULL);
    if (!c) {
        fprintf(stderr, "jack_note_sender: no JACK server\n");
        return 1;
    }
    rate = jack_get_sample_rate(c);
    port = jack_port_register(c, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    if (!port || jack_set_process_callback(c, process, NULL) || jack_activate(c)) {
        fprintf(stderr, "jack_note_sender: cannot set up the client\n");
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    for (int tick = 0; !stop; tick++) {
        if (!go && jack_port_connected(port) > 0) go = 1;
        if (go && tick % 10 == 0) {
            printf("dsp_load %.1f\n", jack_cpu_load(c));
            fflush(stdout);
        }
        usleep(10000);
    }
    jack_client_close(c);
    return 0;
}
