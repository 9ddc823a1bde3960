// test_polyphony: MIDI files with chords, controllers and more notes than voices, through
// the reader (models/midi_read.c), the event conversion (host/) and a stereo graph with
// the reference synth (sine): every note of a chord sounds, pan CC10 places a channel,
// the sustain pedal CC64 holds a released note, channel volume CC7 scales it, pitch bend
// moves it (range set by RPN 0), and notes beyond the voice limit steal and are counted.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cn_test.h"
#include "dsp/cn_synth_reference.h"
#include "engine/cn_graph.h"
#include "host/cn_playback.h"
#include "models/cn_midi.h"
#include "models/cn_smf.h"

#define RATE 48000.0
#define PPQ 480 // with the default 120 bpm: one tick = 1/960 s

typedef struct {
    cn_smf smf;
    uint32_t now, last; // ticks
} score;

static void at(score *s, uint32_t tick, int status, int d1, int d2) {
    uint8_t d[2] = {(uint8_t)d1, (uint8_t)d2};
    int n = (status & 0xf0) == 0xc0 ? 1 : 2;
    cn_smf_event(&s->smf, tick - s->last, status, d, n);
    s->last = tick;
}

static cn_midi *finish(score *s) {
    cn_smf_track_end(&s->smf);
    uint8_t *data;
    size_t size;
    TEST_OK(cn_smf_finish(&s->smf, &data, &size));
    cn_midi *m;
    TEST_OK(cn_midi_read_mem(data, size, &m));
    free(data);
    return m;
}

static void begin(score *s) {
    memset(s, 0, sizeof *s);
    cn_smf_begin(&s->smf, 0, 1, PPQ);
    cn_smf_track_begin(&s->smf);
}

// Of the last render's stolen voices, those whose note had been released.
static int64_t last_tails;

// Render a file: stereo frames into *out (malloc'd), returns frames; *stolen from the synth.
static int64_t render(const cn_midi *m, const char *synth_args, float **out, int64_t *stolen) {
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, 256, 2, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_synth_reference_plugin, synth_args));
    cn_note_event *ev;
    int n;
    int64_t end;
    TEST_OK(cn_note_events_from_midi(m, RATE, &ev, &n, &end, NULL));
    TEST_OK(cn_graph_set_events(g, ev, n));
    free(ev);
    int64_t frames = end + cn_graph_tail_frames(g);
    *out = calloc((size_t)frames * 2, sizeof **out);
    TEST_ASSERT(*out);
    for (int64_t f = 0; f < frames; f += 256) cn_graph_process(g, *out + 2 * f, frames - f < 256 ? (int)(frames - f) : 256);
    *stolen = cn_graph_voices_stolen(g);
    last_tails = cn_graph_voices_stolen_tails(g);
    cn_graph_destroy(g);
    return frames;
}

// Amplitude of the component at `hz` in channel c of frames [a, b) (Goertzel-style
// correlation with a sine and a cosine).
static double amp_at(const float *x, int c, double a, double b, double hz) {
    double re = 0, im = 0;
    int64_t ia = (int64_t)(a * RATE), ib = (int64_t)(b * RATE);
    for (int64_t i = ia; i < ib; i++) {
        double ph = 2 * M_PI * hz * (double)i / RATE;
        re += x[2 * i + c] * cos(ph);
        im += x[2 * i + c] * sin(ph);
    }
    return 2 * sqrt(re * re + im * im) / (double)(ib - ia);
}

static double rms(const float *x, int c, double a, double b) {
    double s = 0;
    int64_t ia = (int64_t)(a * RATE), ib = (int64_t)(b * RATE);
    for (int64_t i = ia; i < ib; i++) s += (double)x[2 * i + c] * x[2 * i + c];
    return sqrt(s / (double)(ib - ia));
}

static double hz(int pitch) { return 440.0 * pow(2.0, (pitch - 69) / 12.0); }

int main(void) {
    const char *sine = "waveform=0";
    score s;
    float *x;
    int64_t stolen;

    // 1. A C-E-G chord on channel 1 (0.0-1.0 s): all three sound, at one level.
    begin(&s);
    for (int p = 60; p <= 67; p += (p == 60 ? 4 : 3)) at(&s, 0, 0x90, p, 100);
    for (int p = 60; p <= 67; p += (p == 60 ? 4 : 3)) at(&s, 960, 0x80, p, 0);
    cn_midi *m = finish(&s);
    render(m, sine, &x, &stolen);
    double a60 = amp_at(x, 0, 0.2, 0.9, hz(60)), a64 = amp_at(x, 0, 0.2, 0.9, hz(64)), a67 = amp_at(x, 0, 0.2, 0.9, hz(67));
    printf("chord C4 E4 G4: %.4f %.4f %.4f\n", a60, a64, a67);
    TEST_ASSERT(a60 > 0.05 && fabs(a60 - a64) < 0.01 * a60 && fabs(a60 - a67) < 0.01 * a60);
    TEST_NEAR(rms(x, 0, 0.2, 0.9), rms(x, 1, 0.2, 0.9), 1e-6); // centred: the same on both sides
    TEST_ASSERT(stolen == 0);
    free(x);
    cn_midi_destroy(m);

    // 2. Pan: channel 1 hard left (CC10 0) plays A4, channel 2 hard right (127) plays E5.
    begin(&s);
    at(&s, 0, 0xb0, 10, 0);
    at(&s, 0, 0xb1, 10, 127);
    at(&s, 0, 0x90, 69, 100);
    at(&s, 0, 0x91, 76, 100);
    at(&s, 960, 0x80, 69, 0);
    at(&s, 960, 0x81, 76, 0);
    m = finish(&s);
    TEST_ASSERT(m->n_ctrls == 2 && m->ctrls[1].channel == 1 && m->ctrls[1].number == 10 && m->ctrls[1].value == 127);
    render(m, sine, &x, &stolen);
    double l69 = amp_at(x, 0, 0.2, 0.9, hz(69)), r69 = amp_at(x, 1, 0.2, 0.9, hz(69));
    double l76 = amp_at(x, 0, 0.2, 0.9, hz(76)), r76 = amp_at(x, 1, 0.2, 0.9, hz(76));
    printf("pan: A4 left %.4f right %.5f, E5 left %.5f right %.4f\n", l69, r69, l76, r76);
    TEST_ASSERT(l69 > 0.1 && r69 < 1e-2 * l69 && r76 > 0.1 && l76 < 1e-2 * r76); // -40 dB: leakage of the other note
    free(x);
    cn_midi_destroy(m);

    // 3. Sustain: pedal down at 0, A4 from 0 to 0.25 s, pedal up at 1.0 s: it sounds until 1.0 s.
    //    Volume: channel 2 at CC7 50 plays E5 at (50/100)^2 of channel 1's level.
    begin(&s);
    at(&s, 0, 0xb0, 64, 127);
    at(&s, 0, 0xb1, 7, 50);
    at(&s, 0, 0x90, 69, 100);
    at(&s, 0, 0x91, 76, 100);
    at(&s, 240, 0x80, 69, 0);
    at(&s, 720, 0x81, 76, 0);
    at(&s, 960, 0xb0, 64, 0);
    at(&s, 1440, 0x90, 40, 1); // a quiet note to keep the file going to 2 s
    at(&s, 1920, 0x80, 40, 0);
    m = finish(&s);
    render(m, sine, &x, &stolen);
    double held = amp_at(x, 0, 0.5, 0.9, hz(69)), after = amp_at(x, 0, 1.2, 1.4, hz(69));
    double quiet = amp_at(x, 0, 0.2, 0.7, hz(76)), loud = amp_at(x, 0, 0.1, 0.2, hz(69));
    printf("sustain: A4 after its note-off %.4f, after the pedal %.6f; CC7 50: %.4f vs %.4f\n", held, after,
           quiet, loud);
    TEST_ASSERT(held > 0.1 && after < 1e-4);
    TEST_NEAR(quiet / loud, 0.25, 0.01);
    free(x);
    cn_midi_destroy(m);

    // 4. Pitch bend: RPN 0 sets a range of 12 semitones, a full bend up plays A5 for A4.
    begin(&s);
    at(&s, 0, 0xb0, 101, 0);
    at(&s, 0, 0xb0, 100, 0);
    at(&s, 0, 0xb0, 6, 12);
    at(&s, 0, 0xe0, 0x7f, 0x7f);
    at(&s, 0, 0x90, 69, 100);
    at(&s, 960, 0x80, 69, 0);
    m = finish(&s);
    TEST_ASSERT(m->n_ctrls == 4 && m->ctrls[3].type == CN_MIDI_BEND && m->ctrls[3].value == 8191);
    render(m, sine, &x, &stolen);
    double bent = amp_at(x, 0, 0.2, 0.9, 880.0 * pow(2.0, -1.0 / 8192.0 * 12.0 / 12.0)), unbent = amp_at(x, 0, 0.2, 0.9, 440.0);
    printf("bend +12 semitones: at 880 Hz %.4f, at 440 Hz %.5f\n", bent, unbent);
    TEST_ASSERT(bent > 0.1 && unbent < 0.01 * bent);
    free(x);
    cn_midi_destroy(m);

    // 5. Twenty notes at once with a limit of 16 voices: 4 stolen, counted.
    begin(&s);
    for (int i = 0; i < 20; i++) at(&s, (uint32_t)(10 * i), 0x90, 40 + i, 100);
    for (int i = 0; i < 20; i++) at(&s, 960, 0x80, 40 + i, 0);
    m = finish(&s);
    render(m, "waveform=0,voices=16", &x, &stolen);
    // The oldest (pitch 40) was taken: compared with 32 voices, only the other notes'
    // leakage is left at its frequency.
    double gone = amp_at(x, 0, 0.2, 0.9, hz(40)), last = amp_at(x, 0, 0.2, 0.9, hz(59));
    printf("20 notes on 16 voices: %lld stolen; E2 %.4f, B3 %.4f\n", (long long)stolen, gone, last);
    TEST_ASSERT(stolen == 4 && last_tails == 0); // all four were held notes
    free(x);
    render(m, "waveform=0,voices=32", &x, &stolen);
    double kept = amp_at(x, 0, 0.2, 0.9, hz(40));
    printf("on 32 voices: %lld stolen; E2 %.4f\n", (long long)stolen, kept);
    TEST_ASSERT(stolen == 0 && kept > 0.05 && gone < 0.1 * kept && last > 0.05);
    free(x);
    cn_midi_destroy(m);

    // 6. Sixteen notes released, then (their 1 s release tails still sounding) three new
    // notes with one of the old still held: the three take released voices, counted as tails.
    begin(&s);
    for (int i = 0; i < 16; i++) at(&s, 0, 0x90, 40 + i, 100);
    for (int i = 1; i < 16; i++) at(&s, 480, 0x80, 40 + i, 0);
    for (int i = 0; i < 3; i++) at(&s, 600, 0x90, 70 + i, 100);
    at(&s, 960, 0x80, 40, 0);
    for (int i = 0; i < 3; i++) at(&s, 960, 0x80, 70 + i, 0);
    m = finish(&s);
    render(m, "waveform=0,voices=16,release=1", &x, &stolen);
    printf("3 notes over 15 release tails on 16 voices: %lld stolen, %lld of them tails\n", (long long)stolen,
           (long long)last_tails);
    TEST_ASSERT(stolen == 3 && last_tails == 3);
    free(x);
    cn_midi_destroy(m);
    printf("test_polyphony: ok\n");
    return 0;
}
