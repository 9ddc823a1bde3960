// LABELS: unit
// test_declick.c: the step remover (dsp/cn_declick.h) and the WaveNet voice that uses it.
//   - a 440 Hz sine that jumps by 0.15 at a marked sample: no output step larger than the
//     sine's own steepest, and the input again within 1e-5 after 25 ms; the same jump
//     without the mark stays a jump (the test can tell);
//   - without a mark the output is the input, bit for bit; any split into blocks agrees;
//   - the plugin (`render`'s path): the 48 kHz violin's C4 and F4, released at 0.958 s,
//     whose samples jump at the note-off by 2.4 and 2.5 times their steepest move over the
//     50 ms before it when the voice does not mark the declicker: at most 1.5 times now.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cn_test.h"
#include "dsp/cn_declick.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wavenet_plugin.h"

#define RATE 48000.0
#define N 4800

static double max_step(const float *x, int a, int b, int stride) {
    double m = 0.0;
    for (int i = a + 1; i < b; i++) m = fmax(m, fabs((double)x[i * stride] - x[(i - 1) * stride]));
    return m;
}

static void stepped_sine(float *x, int at) {
    for (int i = 0; i < N; i++) x[i] = (float)(0.5 * sin(2.0 * M_PI * 440.0 * i / RATE) + (i >= at ? 0.15 : 0.0));
}

static void test_step(void) {
    static float x[N], y[N], z[N];
    const int at = 1000;
    stepped_sine(x, at);
    const double slope = 0.5 * 2.0 * M_PI * 440.0 / RATE; // the sine's steepest step
    cn_declick d;
    memcpy(y, x, sizeof x);
    cn_declick_init(&d, RATE, 6e-5, 0.002);
    cn_declick_process(&d, y, at);
    cn_declick_mark(&d);
    cn_declick_process(&d, y + at, N - at);
    printf("step 0.15 at a mark: largest output step %.4f (the sine's %.4f; unmarked %.4f)\n", max_step(y, 0, N, 1),
           slope, max_step(x, 0, N, 1));
    TEST_ASSERT(max_step(x, 0, N, 1) > 0.15);
    TEST_ASSERT(max_step(y, 0, N, 1) <= 1.05 * slope);
    for (int i = at + (int)(0.025 * RATE); i < N; i++) TEST_NEAR(y[i], x[i], 1e-5);
    for (int i = 0; i < at; i++) TEST_ASSERT(y[i] == x[i]);

    // No mark: untouched. Blocks of any size: the same output.
    memcpy(y, x, sizeof x);
    cn_declick_init(&d, RATE, 6e-5, 0.002);
    cn_declick_process(&d, y, N);
    TEST_ASSERT(memcmp(x, y, sizeof x) == 0);
    memcpy(y, x, sizeof x);
    memcpy(z, x, sizeof x);
    cn_declick_init(&d, RATE, 6e-5, 0.002);
    cn_declick_process(&d, y, at);
    cn_declick_mark(&d);
    cn_declick_process(&d, y + at, N - at);
    cn_declick_init(&d, RATE, 6e-5, 0.002);
    for (int i = 0, b = 1; i < N; i += b, b = b % 97 + 13) {
        if (i == at) cn_declick_mark(&d);
        int m = N - i < b ? N - i : b;
        if (i < at && i + m > at) m = at - i; // the mark falls on a block edge, as a note-off does
        cn_declick_process(&d, z + i, m);
        b = m;
    }
    TEST_ASSERT(memcmp(y, z, sizeof y) == 0);
}

// `pitch` on the 48 kHz violin, off at 0.958 s: the largest sample step within 1 ms after
// the note-off against the largest over the 50 ms before it.
static void test_plugin(int pitch) {
    const int64_t n = (int64_t)(1.1 * RATE), off = (int64_t)(0.958 * RATE);
    cn_note_event ev[2] = {CN_NOTE(0, CN_EV_NOTE_ON, pitch, 100), CN_NOTE(off, CN_EV_NOTE_OFF, pitch, 0)};
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, 512, 2, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_wavenet_plugin, "model=" CN_SRC("presets/wavenet-gm8-48k.safetensors") ",instrument=violin"));
    TEST_OK(cn_graph_set_events(g, ev, 2));
    float *y = malloc((size_t)n * 2 * sizeof *y);
    TEST_ASSERT(y);
    for (int64_t f = 0; f < n; f += 512) cn_graph_process(g, y + 2 * f, (int)(n - f < 512 ? n - f : 512));
    cn_graph_destroy(g);
    const double before = max_step(y, (int)(off - 0.05 * RATE), (int)off, 2),
                 at = max_step(y, (int)off - 1, (int)(off + 0.001 * RATE), 2);
    printf("violin %d: largest step in the 1 ms after the note-off %.4f, in the 50 ms before %.4f\n", pitch, at, before);
    TEST_ASSERT(before > 0.0 && at <= 1.5 * before);
    free(y);
}

int main(void) {
    test_step();
    test_plugin(60);
    test_plugin(65);
    return 0;
}
