// LABELS: unit
// test_reverb: the partitioned FFT convolution reverb equals a plain-loop direct
// convolution with its impulse response (within 1e-4): an impulse gives back the IR,
// and noise processed in place in blocks of random sizes gives x * ir. Also: the IR
// has unit energy, silence before the pre-delay and the 60 dB decay; mix 0 is dry;
// two instances agree bit for bit; and cn_conv alone has its documented latency.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_effects.h"
#include "engine/cn_registry.h"
#include "engine/cn_graph.h"
#include "dsp/cn_conv.h"
#include "dsp/cn_reverb.h"
#include "cn_test.h"

#define RATE 16000.0

static uint32_t rng = 99u;
static int next_int(int n) {
    rng = rng * 1664525u + 1013904223u;
    return (int)((rng >> 8) % (uint32_t)n);
}

// No heavy work in process(): a new decay waits for cn_reverb_ir (the plugin's prepare),
// and the effect plugin in a graph builds its IR once, with the chain's settings, before
// the first block.
static void test_no_rebuild_in_process(void) {
    cn_reverb *r;
    TEST_OK(cn_reverb_create(RATE, &r));
    long built = cn_reverb_builds(r);
    int len0;
    cn_reverb_ir(r, &len0);
    cn_reverb_set_decay(r, 3.0);
    float buf[512] = {1.0f};
    for (int i = 0; i < 20; i++) cn_reverb_process(r, buf, buf, 512);
    TEST_ASSERT(cn_reverb_builds(r) == built && cn_reverb_tail_frames(r) == len0);
    int len;
    cn_reverb_ir(r, &len);
    TEST_ASSERT(cn_reverb_builds(r) == built + 1 && len > len0);
    cn_reverb_destroy(r);

    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, 256, 1, &g));
    TEST_OK(cn_registry_add(&cn_fx_reverb_plugin));
    TEST_OK(cn_graph_add_chain(g, "reverb:decay=4:predelay=0.05"));
    int64_t tail = cn_graph_tail_frames(g); // the IR in use is already the 4.05 s one
    TEST_ASSERT_MSG(tail >= (int64_t)(4.05 * RATE) && tail <= (int64_t)(4.05 * RATE) + 1, "tail %lld", (long long)tail);
    cn_graph_destroy(g);
}

// The longest IR at 48 kHz (4.1 s: head partitions of 128, then 47 tail partitions of
// 4096): an impulse, fed in blocks of 256 as live playback does, gives back the IR across
// the head/tail seam and at the end; a second impulse later overlaps the first's tail.
static void test_long_ir(void) {
    cn_reverb *r;
    TEST_OK(cn_reverb_create(48000.0, &r));
    cn_reverb_set_decay(r, CN_REVERB_MAX_DECAY);
    cn_reverb_set_predelay(r, CN_REVERB_MAX_PREDELAY);
    cn_reverb_set_mix(r, 1.0f);
    int len;
    const float *ir = cn_reverb_ir(r, &len);
    const int second = 10007, n = len + second + 512;
    float *y = calloc((size_t)n, sizeof *y);
    TEST_ASSERT(y);
    y[0] = 1.0f;
    y[second] = -0.5f;
    for (int pos = 0; pos < n; pos += 256) cn_reverb_process(r, y + pos, y + pos, n - pos < 256 ? n - pos : 256);
    double worst = 0.0, peak = 0.0;
    for (int i = 0; i < n; i++) {
        double want = (i < len ? ir[i] : 0.0) - 0.5 * (i >= second && i - second < len ? ir[i - second] : 0.0);
        if (fabs(y[i] - want) > worst) worst = fabs(y[i] - want);
        if (fabs(want) > peak) peak = fabs(want);
    }
    printf("4.1 s IR at 48 kHz, two impulses: max |diff| %.2e (peak %.2e)\n", worst, peak);
    TEST_ASSERT(worst < 1e-6 && peak > 1e-3);
    free(y);
    cn_reverb_destroy(r);
}

int main(void) {
    test_no_rebuild_in_process();
    test_long_ir();
    cn_reverb *r;
    TEST_OK(cn_reverb_create(RATE, &r));
    cn_reverb_set_decay(r, 0.3);
    cn_reverb_set_predelay(r, 0.01);
    cn_reverb_set_mix(r, 1.0f);
    int len;
    const float *ir = cn_reverb_ir(r, &len);
    TEST_ASSERT(len == (int)ceil(0.31 * RATE) && cn_reverb_tail_frames(r) == len);
    double e = 0.0, e_head = 0.0, e_tail = 0.0;
    for (int i = 0; i < len; i++) {
        e += (double)ir[i] * ir[i];
        if (i < 160) TEST_ASSERT(ir[i] == 0.0f); // pre-delay 10 ms
        if (i >= 160 && i < 160 + 400) e_head += (double)ir[i] * ir[i];
        if (i >= len - 400) e_tail += (double)ir[i] * ir[i];
    }
    TEST_NEAR(e, 1.0, 1e-5);
    double drop_db = 10.0 * log10(e_head / e_tail);
    printf("reverb IR: %d samples, head-to-tail drop %.1f dB (60 dB envelope)\n", len, drop_db);
    TEST_ASSERT(drop_db > 50.0 && drop_db < 70.0);

    // Impulse in -> IR out.
    int n = len + 1000;
    float *x = calloc((size_t)n, sizeof(float)), *y = malloc(sizeof(float) * (size_t)n);
    TEST_ASSERT(x && y);
    x[0] = 1.0f;
    cn_reverb_process(r, x, y, n);
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double d = fabs(y[i] - (i < len ? ir[i] : 0.0f));
        if (d > worst) worst = d;
    }
    printf("impulse response vs IR: max |diff| %.2e\n", worst);
    TEST_ASSERT(worst < 1e-4);

    // Noise, in place, random block sizes -> direct convolution.
    cn_reverb_reset(r);
    int m = 16000;
    float *s = malloc(sizeof(float) * (size_t)m), *ref = malloc(sizeof(float) * (size_t)m);
    TEST_ASSERT(s && ref);
    for (int i = 0; i < m; i++) s[i] = (float)(next_int(65536) / 65536.0 - 0.5);
    for (int i = 0; i < m; i++) { // the plain-loop reference
        double acc = 0.0;
        for (int k = 0; k < len && k <= i; k++) acc += (double)ir[k] * s[i - k];
        ref[i] = (float)acc;
    }
    for (int pos = 0; pos < m;) {
        int b = 1 + next_int(700);
        if (b > m - pos) b = m - pos;
        cn_reverb_process(r, s + pos, s + pos, b);
        pos += b;
    }
    worst = 0.0;
    for (int i = 0; i < m; i++)
        if (fabs(s[i] - ref[i]) > worst) worst = fabs(s[i] - ref[i]);
    printf("noise vs direct convolution: max |diff| %.2e\n", worst);
    TEST_ASSERT(worst < 1e-4);

    // Mix 0 is the dry signal; a second instance renders the same bits.
    cn_reverb *r2;
    TEST_OK(cn_reverb_create(RATE, &r2));
    cn_reverb_set_decay(r2, 0.3);
    cn_reverb_set_predelay(r2, 0.01);
    cn_reverb_set_mix(r2, 1.0f);
    int len2;
    cn_reverb_ir(r2, &len2); // setup: build the IR for the new settings
    cn_reverb_reset(r);
    cn_reverb_process(r, x, y, n);
    float *y2 = malloc(sizeof(float) * (size_t)n);
    TEST_ASSERT(y2);
    cn_reverb_process(r2, x, y2, n);
    TEST_ASSERT(memcmp(y, y2, sizeof(float) * (size_t)n) == 0);
    cn_reverb_set_mix(r2, 0.0f);
    for (int i = 0; i < n; i++) x[i] = (float)sin(i * 0.01);
    cn_reverb_process(r2, x, y2, n);
    for (int i = 0; i < n; i++) TEST_ASSERT(y2[i] == x[i]);

    // cn_conv: y[n] = sum h[k] x[n - block - k].
    cn_conv *c;
    TEST_OK(cn_conv_create(32, 100, &c));
    float h[3] = {1.0f, 0.5f, -0.25f}, in[200] = {0}, out[200];
    cn_conv_set_ir(c, h, 3);
    in[10] = 1.0f;
    cn_conv_process(c, in, out, 200);
    TEST_ASSERT(cn_conv_latency(c) == 32);
    for (int i = 0; i < 200; i++) {
        float want = (i >= 42 && i < 45) ? h[i - 42] : 0.0f;
        TEST_NEAR(out[i], want, 1e-6);
    }
    cn_conv_destroy(c);
    TEST_ASSERT(cn_conv_create(30, 100, &c) == CN_ERR_ARG && c == NULL);

    cn_reverb_destroy(r);
    cn_reverb_destroy(r2);
    free(x);
    free(y);
    free(y2);
    free(s);
    free(ref);
    return 0;
}
