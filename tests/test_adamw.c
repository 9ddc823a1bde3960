// test_adamw: AdamW against a double-precision hand computation of two steps, weight
// decay on/off, the lr schedule shape, gradient clipping, the ordered parallel sum and
// the rng's determinism and moments, and the fast tanh of GELU against libm.
#include <string.h>

#include "models/nn/cn_adamw.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_parallel.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"

static void worker(void *arg, int w, int n) {
    float *out = arg;
    out[w] = (float)(w * 10 + n);
}

int main(void) {
    // ---- AdamW: two steps on p = [1, -2], grads g1, g2, compared with doubles.
    cn_adamw_config c;
    cn_adamw_config_default(&c);
    c.lr = 0.1f;
    c.weight_decay = 0.5f;
    float p[2] = {1, -2}, m[2] = {0}, v[2] = {0};
    double pd[2] = {1, -2}, md[2] = {0}, vd[2] = {0};
    float g[2][2] = {{0.5f, -1.0f}, {0.25f, 2.0f}};
    for (int t = 1; t <= 2; t++) {
        cn_adamw_step(&c, t, 1, p, g[t - 1], m, v, 2);
        for (int i = 0; i < 2; i++) {
            md[i] = 0.9 * md[i] + 0.1 * g[t - 1][i];
            vd[i] = 0.95 * vd[i] + 0.05 * g[t - 1][i] * g[t - 1][i];
            double mh = md[i] / (1 - pow(0.9, t)), vh = vd[i] / (1 - pow(0.95, t));
            pd[i] -= 0.1 * (mh / (sqrt(vh) + 1e-8) + 0.5 * pd[i]);
        }
    }
    for (int i = 0; i < 2; i++) TEST_NEAR(p[i], pd[i], 1e-5);
    // The first bias-corrected step moves each parameter by lr * sign(g) (+ decay).
    float q[1] = {3}, mq[1] = {0}, vq[1] = {0}, gq[1] = {-7};
    cn_adamw_step(&c, 1, 0, q, gq, mq, vq, 1);
    TEST_NEAR(q[0], 3.1, 1e-5);

    // ---- lr schedule: warm-up ramps, peak after warm-up, cosine to lr_min.
    TEST_NEAR(cn_lr_schedule(0, 10, 110, 1.0f, 0.1f), 0.1, 1e-6);
    TEST_NEAR(cn_lr_schedule(9, 10, 110, 1.0f, 0.1f), 1.0, 1e-6);
    TEST_NEAR(cn_lr_schedule(10, 10, 110, 1.0f, 0.1f), 1.0, 1e-6);
    TEST_NEAR(cn_lr_schedule(60, 10, 110, 1.0f, 0.1f), 0.55, 1e-5);
    TEST_NEAR(cn_lr_schedule(110, 10, 110, 1.0f, 0.1f), 0.1, 1e-6);
    TEST_ASSERT(cn_lr_schedule(30, 10, 110, 1.0f, 0.1f) > cn_lr_schedule(31, 10, 110, 1.0f, 0.1f));

    // ---- clipping
    float gr[2] = {3, 4};
    TEST_NEAR(cn_grad_clip(gr, 2, 1.0f), 5.0, 1e-6);
    TEST_NEAR(gr[0], 0.6, 1e-6);
    TEST_NEAR(gr[1], 0.8, 1e-6);
    TEST_NEAR(cn_grad_clip(gr, 2, 10.0f), 1.0, 1e-6);
    TEST_NEAR(gr[0], 0.6, 1e-6);

    // ---- fast tanh against libm
    double tw = 0;
    for (int i = -2000; i <= 2000; i++) {
        float x = i * 0.005f;
        tw = fmax(tw, fabs(cn_tanh_fast(x) - tanh((double)x)));
    }
    TEST_NEAR(cn_tanh_fast(50.0f), 1.0, 1e-6);
    TEST_NEAR(cn_tanh_fast(-50.0f), -1.0, 1e-6);
    printf("fast tanh: max error %.3g on [-10, 10]\n", tw);
    TEST_ASSERT(tw < 1e-6);

    // ---- parallel run and ordered sum
    float out[3] = {0};
    TEST_OK(cn_parallel_run(3, worker, out));
    TEST_ASSERT(out[0] == 3 && out[1] == 13 && out[2] == 23);
    TEST_ASSERT(cn_parallel_run(0, worker, out) == CN_ERR_ARG);
    float a0[2] = {1e8f, 1}, a1[2] = {1, 2}, a2[2] = {-1e8f, 3};
    float *srcs[3] = {a0, a1, a2};
    float dst[2];
    cn_parallel_sum(dst, srcs, 3, 2);
    TEST_ASSERT(dst[0] == ((1e8f + 1.0f) + -1e8f)); // left-to-right, not reassociated
    TEST_ASSERT(dst[1] == 6);

    // ---- rng: same seed same stream, different stream differs, sane moments
    cn_rng r1, r2, r3;
    cn_rng_seed(&r1, 7, 1);
    cn_rng_seed(&r2, 7, 1);
    cn_rng_seed(&r3, 7, 2);
    int diff = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = cn_rng_u32(&r1);
        TEST_ASSERT(x == cn_rng_u32(&r2));
        diff += x != cn_rng_u32(&r3);
    }
    TEST_ASSERT(diff > 90);
    double s = 0, s2 = 0, su = 0;
    int hist[5] = {0};
    const int N = 200000;
    for (int i = 0; i < N; i++) {
        float z = cn_rng_normal(&r1), u = cn_rng_uniform(&r1);
        TEST_ASSERT(u >= 0 && u < 1);
        s += z;
        s2 += z * z;
        su += u;
        hist[cn_rng_int(&r1, 5)]++;
    }
    TEST_NEAR(s / N, 0, 0.01);
    TEST_NEAR(s2 / N, 1, 0.02);
    TEST_NEAR(su / N, 0.5, 0.01);
    for (int k = 0; k < 5; k++) TEST_NEAR(hist[k] / (double)N, 0.2, 0.01);
    printf("test_adamw: ok\n");
    return 0;
}
