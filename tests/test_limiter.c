// LABELS: unit
// test_limiter: the lookahead limiter never lets a sample exceed the ceiling (loud
// noise bursts, single-sample spikes, a full-scale square wave, processed in blocks of
// random sizes, at two ceilings); below the ceiling it is a pure delay of its latency;
// after a burst the gain recovers towards 1.
#include <stdint.h>
#include <stdlib.h>

#include "dsp/cn_limiter.h"
#include "cn_test.h"

#define RATE 48000.0

static uint32_t rng = 5u;
static double uniform(void) {
    rng = rng * 1664525u + 1013904223u;
    return (rng >> 8) / 16777216.0;
}

int main(void) {
    const int n = 96000;
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    TEST_ASSERT(x && y);
    for (int i = 0; i < n; i++) {
        double env = (i / 4800) % 3 == 0 ? 4.0 : 0.3; // bursts 12 dB over full scale
        x[i] = (float)(env * (uniform() * 2.0 - 1.0));
        if (i % 7919 == 0) x[i] = 20.0f;                          // lone spikes
        if (i > 80000) x[i] = (i / 50) % 2 ? 1.5f : -1.5f;        // square wave
    }
    const double ceilings[] = {-1.0, -12.0};
    for (int c = 0; c < 2; c++) {
        cn_limiter *l;
        TEST_OK(cn_limiter_create(RATE, 0.005, &l));
        cn_limiter_set_ceiling_db(l, ceilings[c]);
        cn_limiter_set_release(l, 0.05);
        for (int pos = 0; pos < n;) {
            int b = 1 + (int)(uniform() * 600);
            if (b > n - pos) b = n - pos;
            cn_limiter_process(l, x + pos, y + pos, b);
            pos += b;
        }
        double ceil_lin = pow(10.0, ceilings[c] / 20.0), peak = 0.0;
        for (int i = 0; i < n; i++)
            if (fabs(y[i]) > peak) peak = fabs(y[i]);
        printf("ceiling %.1f dBFS: output peak %.6f (ceiling %.6f), latency %d samples\n",
               ceilings[c], peak, ceil_lin, cn_limiter_latency(l));
        TEST_ASSERT_MSG(peak <= ceil_lin * (1.0 + 1e-6), "peak %g over ceiling %g", peak, ceil_lin);
        TEST_ASSERT(peak > 0.9 * ceil_lin); // it limits, it does not just mute
        cn_limiter_destroy(l);
    }

    // Quiet input: a pure delay. Then a burst, and the gain comes back.
    cn_limiter *l;
    TEST_OK(cn_limiter_create(RATE, 0.005, &l));
    int lat = cn_limiter_latency(l);
    TEST_ASSERT(lat == 239);
    for (int i = 0; i < n; i++) x[i] = (float)(0.5 * sin(i * 0.05));
    cn_limiter_process(l, x, y, n);
    for (int i = lat; i < n; i++) TEST_ASSERT(y[i] == x[i - lat]);
    for (int i = 0; i < 4800; i++) x[i] = 3.0f;
    cn_limiter_process(l, x, y, 4800);
    TEST_ASSERT(cn_limiter_gain(l) < 0.35f);
    for (int i = 0; i < n; i++) x[i] = 0.1f;
    cn_limiter_process(l, x, y, n);
    TEST_ASSERT(cn_limiter_gain(l) > 0.999f);
    cn_limiter_destroy(l);
    TEST_ASSERT(cn_limiter_create(RATE, 1.0, &l) == CN_ERR_ARG && l == NULL);
    free(x);
    free(y);
    return 0;
}
