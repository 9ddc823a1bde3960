// LABELS: unit
// test_pitch_accuracy: the metric on sines built from a note list. In tune: every frame
// inside the notes (minus 30 ms edges) is a hit, and the frame count is what the edge rule
// implies; detuned by 40 cents: still hits, with a mean error near 40; by 60 cents or an
// octave: misses; a silent note: its frames are unvoiced misses; gaps between notes are
// not counted.
#include <stdlib.h>

#include "dsp/cn_pitch_accuracy.h"
#include "cn_test.h"

#define RATE 16000.0

static const cn_timed_note notes[3] = {{0, 8000, 69, 90}, {8000, 16000, 72, 90}, {19200, 24000, 76, 90}};

// Sines at each note's pitch shifted by `cents`; note `mute` (or -1) left silent.
static float *render(double cents, int mute, size_t *n) {
    *n = (size_t)(1.6 * RATE);
    float *x = calloc(*n, sizeof(float));
    TEST_ASSERT(x);
    for (int k = 0; k < 3; k++) {
        if (k == mute) continue;
        double f = cn_midi_pitch_to_hz(notes[k].pitch + cents / 100.0), ph = 0.0;
        for (size_t i = (size_t)notes[k].on; i < (size_t)notes[k].off; i++) {
            x[i] = (float)(0.3 * sin(ph));
            ph += 2.0 * M_PI * f / RATE;
        }
    }
    return x;
}

static cn_pitch_accuracy_result measure(double cents, int mute) {
    size_t n;
    float *x = render(cents, mute, &n);
    cn_pitch_accuracy_result r;
    TEST_OK(cn_pitch_accuracy(x, n, RATE, notes, 3, NULL, &r));
    printf("detune %+6.0f cents, mute %d: accuracy %.3f (%zu/%zu, %zu voiced), hit error %.1f "
           "cents\n", cents, mute, r.accuracy, r.hits, r.frames, r.voiced, r.mean_hit_cents);
    free(x);
    return r;
}

int main(void) {
    TEST_NEAR(cn_midi_pitch_to_hz(69), 440.0, 1e-9);
    cn_pitch_accuracy_result r = measure(0.0, -1);
    TEST_ASSERT(r.frames == 44 + 44 + 24); // [on + 30 ms, off - 30 ms) at 10 ms steps
    TEST_ASSERT(r.hits == r.frames && r.accuracy == 1.0 && r.mean_hit_cents < 1.0);
    r = measure(40.0, -1);
    TEST_ASSERT(r.accuracy == 1.0);
    TEST_NEAR(r.mean_hit_cents, 40.0, 1.0);
    r = measure(60.0, -1);
    TEST_ASSERT(r.hits == 0 && r.voiced == r.frames);
    r = measure(-1200.0, -1);
    TEST_ASSERT(r.hits == 0);
    r = measure(0.0, 1);
    TEST_ASSERT(r.hits == 68 && r.voiced == 68 && r.frames == 112);

    // No edge skipping: more frames, still all hits except where the window straddles
    // two notes or silence.
    size_t n;
    float *x = render(0.0, -1, &n);
    cn_pitch_accuracy_config c = cn_pitch_accuracy_config_default();
    c.edge_s = 0.0;
    TEST_OK(cn_pitch_accuracy(x, n, RATE, notes, 3, &c, &r));
    printf("no edge skipping: accuracy %.3f (%zu/%zu)\n", r.accuracy, r.hits, r.frames);
    TEST_ASSERT(r.frames == 50 + 50 + 30 && r.accuracy > 0.8);
    cn_timed_note bad = {0, 16000, 200, 90};
    TEST_ASSERT(cn_pitch_accuracy(x, n, RATE, &bad, 1, NULL, &r) == CN_ERR_ARG);
    free(x);
    return 0;
}
