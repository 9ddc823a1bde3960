// LABELS: unit
// test_wavenet_half: 16-bit weights. The conversions round to nearest even (known values,
// every half round-trips exactly); a stream with half weights equals, bit for bit, the
// naive reference on the same stream and a float stream of the same model with its weights
// rounded to halves beforehand (so the half kernel is the float kernel on the rounded
// weights, batched or not); the AVX512-BF16 kernel equals its scalar twin bit for bit, and
// a bf16 stream equals the naive reference and itself batched (where the CPU has it); the
// AVX512-VNNI int8 kernel and input conversion equal their scalar twins, an int8 stream the
// naive reference and itself batched (bf16 and int8 with both output heads); all stay
// close to the float model's outputs; AUTO picks 16 bits only for a network too large for
// L2 on the AVX-512 kernel, never int8.
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mulaw.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_half.h"
#include "models/wavenet/cn_wn_synth.h"

static void test_conversions(void) {
    TEST_ASSERT(cn_f32_to_f16(1.0f) == 0x3c00);
    TEST_ASSERT(cn_f32_to_f16(-2.0f) == 0xc000);
    TEST_ASSERT(cn_f32_to_f16(65504.0f) == 0x7bff);
    TEST_ASSERT(cn_f32_to_f16(1e6f) == 0x7bff); // saturates
    TEST_ASSERT(cn_f32_to_f16(0.0f) == 0x0000);
    TEST_ASSERT(cn_f32_to_f16(5.9604645e-08f) == 0x0001); // the smallest subnormal
    TEST_ASSERT(cn_f32_to_f16(6.103515625e-05f) == 0x0400); // the smallest normal
    // ties to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10
    TEST_ASSERT(cn_f32_to_f16(1.0f + 0x1p-11f) == 0x3c00);
    TEST_ASSERT(cn_f32_to_f16(1.0f + 3 * 0x1p-11f) == 0x3c02);
    TEST_ASSERT(cn_f32_to_f16(1.0f + 0x1p-11f + 0x1p-20f) == 0x3c01);
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        if ((h & 0x7c00u) == 0x7c00u) continue; // inf, NaN
        if (cn_f32_to_f16(cn_f16_to_f32((uint16_t)h)) != h) bad++;
    }
    TEST_ASSERT_MSG(!bad, "%d halves do not round-trip", bad);
    TEST_NEAR(cn_f16_to_f32(0x3555), 0.333251953125, 0.0);
    TEST_ASSERT(cn_f32_to_bf16(1.0f) == 0x3f80);
    TEST_ASSERT(cn_f32_to_bf16(1.0f + 0x1p-8f) == 0x3f80);             // tie: to even
    TEST_ASSERT(cn_f32_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3f82);         // tie: to even (up)
    TEST_ASSERT(cn_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f) == 0x3f81); // above the tie
    TEST_ASSERT(cn_f32_to_bf16(-3.0f) == 0xc040);
    TEST_ASSERT(isnan(cn_bf16_to_f32(cn_f32_to_bf16(NAN))));
}

// The AVX512-BF16 kernel against the instruction's scalar twin, on every tile shape (one
// voice: 128-, 64- and masked 16-row slices; odd column counts), tiny and huge values.
static void test_bf16_kernel(void) {
    enum { MAXR = 256, MAXC = 37 };
    static float wt[MAXC * MAXR], x[MAXC], y[MAXR], yr[MAXR];
    static uint32_t wp[(MAXC + 1) / 2 * MAXR], xp[(MAXC + 1) / 2];
    const int shapes[][2] = {{221, 37}, {128, 128 / 4}, {64, 27}, {13, 1}, {256, 36}};
    cn_rng r;
    cn_rng_seed(&r, 11, 0);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        int rows = shapes[i][0], cols = shapes[i][1];
        for (int k = 0; k < rows * cols; k++) {
            float v = cn_rng_normal(&r);
            wt[k] = k % 97 == 0 ? v * 1e-39f : k % 89 == 0 ? v * 1e30f : v; // subnormal, huge
        }
        for (int c = 0; c < cols; c++) x[c] = c % 11 == 3 ? 1e-40f : cn_rng_normal(&r);
        for (int k = 0; k < rows; k++) y[k] = yr[k] = k % 5 ? cn_rng_normal(&r) : 0.0f;
        cn_wn_bf16_pack(wp, wt, rows, cols);
        cn_wn_bf16_pairs(xp, x, cols);
        cn_wn_matvec_bf16(y, wp, xp, rows, cols);
        cn_wn_matvec_bf16_ref(yr, wp, xp, rows, cols);
        TEST_ASSERT_MSG(!memcmp(y, yr, (size_t)rows * sizeof *y), "bf16 kernel != twin at %dx%d", rows, cols);
    }
    printf("bf16 matvec: %s == scalar twin on %zu shapes\n", cn_wn_has_bf16() ? "AVX512-BF16 kernel" : "twin (no AVX512-BF16)",
           sizeof shapes / sizeof *shapes);
}

// The AVX512-VNNI kernel and input conversion against their scalar twins, on every tile
// shape and column counts that leave partial quads; the int8 product stays near the float
// one (within the rounding of weights and inputs to 127 steps of each row's / vector's
// largest value).
static void test_i8_kernel(void) {
    enum { MAXR = 256, MAXC = 37 };
    static float wt[MAXC * MAXR], x[MAXC], y[MAXR], yr[MAXR], yf[MAXR], sc[MAXR];
    static int32_t rs[MAXR];
    static uint32_t wq[(MAXC + 3) / 4 * MAXR], xq[(MAXC + 3) / 4], xr[(MAXC + 3) / 4];
    const int shapes[][2] = {{221, 37}, {128, 32}, {64, 27}, {13, 1}, {256, 36}, {48, 6}};
    cn_rng r;
    cn_rng_seed(&r, 12, 0);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        int rows = shapes[i][0], cols = shapes[i][1];
        for (int k = 0; k < rows * cols; k++) wt[k] = k % 50 == 7 ? 0.0f : cn_rng_normal(&r);
        for (int c = 0; c < cols; c++) x[c] = c % 9 == 4 ? -3.0f : cn_rng_normal(&r);
        for (int k = 0; k < rows; k++) y[k] = yr[k] = yf[k] = k % 5 ? cn_rng_normal(&r) : 0.0f;
        cn_wn_i8_pack(wq, sc, rs, wt, rows, cols);
        float xs = cn_wn_i8_quads(xq, x, cols), xsr = cn_wn_i8_quads_ref(xr, x, cols);
        TEST_ASSERT_MSG(xs == xsr && !memcmp(xq, xr, (size_t)cn_wn_i8_nquads(cols) * 4), "int8 inputs != twin at %d", cols);
        cn_wn_matvec_i8(y, wq, sc, rs, xq, xs, rows, cols);
        cn_wn_matvec_i8_ref(yr, wq, sc, rs, xq, xs, rows, cols);
        TEST_ASSERT_MSG(!memcmp(y, yr, (size_t)rows * sizeof *y), "int8 kernel != twin at %dx%d", rows, cols);
        for (int k = 0; k < rows; k++) {
            double f = yf[k], bound = 0;
            for (int c = 0; c < cols; c++) {
                f += (double)wt[(size_t)c * rows + k] * x[c];
                bound += fabs(wt[(size_t)c * rows + k]) * xs / 2 + fabs(x[c]) * sc[k] / 2 + sc[k] * xs / 4;
            }
            TEST_ASSERT_MSG(fabs(y[k] - f) <= bound + 1e-4, "int8 row %d of %dx%d: %g vs float %g (bound %g)", k, rows, cols,
                            y[k], f, bound);
        }
    }
    printf("int8 matvec: %s == scalar twin on %zu shapes, within rounding of the float product\n",
           cn_wn_has_vnni() ? "AVX512-VNNI kernel" : "twin (no AVX512-VNNI)", sizeof shapes / sizeof *shapes);
}


// Every weight matrix the stream multiplies, rounded to halves (biases and the direct
// prediction stay float in the stream too).
static void round_matrices(cn_wn_model *m) {
    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(&m->cfg, sizes);
    const int mats[] = {CN_WN_P_IN_W, CN_WN_P_COND_W, CN_WN_P_DIL_W, CN_WN_P_RES_W, CN_WN_P_SKIP_W,
                        CN_WN_P_EXC_W, CN_WN_P_O1_W, CN_WN_P_O2_W};
    for (size_t i = 0; i < sizeof mats / sizeof *mats; i++) {
        float *t = cn_wn_tensor(&m->p, mats[i]);
        for (size_t k = 0; k < sizes[mats[i]]; k++) t[k] = cn_f16_round(t[k]);
    }
}

// A stream of `kind` against the naive reference on itself and against the float model;
// with `rounded` (halves) also against the float kernel on the rounded weights. `out`: the
// output head (mu-law logits or the Gaussian's mean and log scale).
static void test_stream_kind(int kind, double tol, int out) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = out;
    cfg.n_layers = 6;
    cfg.cycle = 3;
    cfg.res = 24; // rows of 48, 24, 40 and 256: full and masked tiles of the kernel
    cfg.gate = 24;
    cfg.skip = 40;
    cn_wn_model *m, *mr;
    TEST_OK(cn_wn_create(&cfg, &m));
    TEST_OK(cn_wn_create(&cfg, &mr));
    cn_test_wn_randomize(m, 7);
    memcpy(mr->mem, m->mem, m->n_params * sizeof(float));
    round_matrices(mr);
    enum { N = 200 };
    const int C = cn_wn_cond_dim(&cfg), K = cn_wn_out_dim(&cfg);
    const size_t kb = (size_t)K * sizeof(float);
    cn_timed_note notes[] = {{3, 120, 64, 100}, {120, 200, 71, 80}};
    float *feat = malloc(sizeof(float) * N * CN_WN_NFEAT), *cond = malloc(sizeof(float) * N * C);
    float *x = malloc(sizeof(float) * (N + 1)), lh[CN_WN_CLASSES], ln[CN_WN_CLASSES], lr[CN_WN_CLASSES],
          lf[CN_WN_CLASSES];
    float *nw = malloc(sizeof(float) * cn_wn_naive_work_size(&cfg));
    TEST_ASSERT(feat && cond && x && nw);
    cn_wn_features_from_notes(notes, 2, cfg.sample_rate, CN_WN_NOISE_SEED, N, feat);
    for (int t = 0; t < N; t++) cn_wn_cond_fill(m, 0, feat + t * CN_WN_NFEAT, cond + t * C);
    cn_rng r;
    cn_rng_seed(&r, 4, 0);
    x[0] = 0.0f;
    for (int t = 1; t <= N; t++) x[t] = 0.5f * sinf(0.07f * t) + 0.02f * cn_rng_normal(&r);
    cn_wn_stream *sh, *sr, *sf;
    TEST_OK(cn_wn_stream_create_ex(m, 1, kind, &sh));
    TEST_OK(cn_wn_stream_create_ex(mr, 1, CN_WN_WEIGHTS_F32, &sr));
    TEST_OK(cn_wn_stream_create_ex(m, 1, CN_WN_WEIGHTS_F32, &sf));
    TEST_ASSERT(cn_wn_stream_weights(sh) == kind && cn_wn_stream_weights(sf) == CN_WN_WEIGHTS_F32);
    double maxd = 0.0, scale = 0.0;
    for (int t = 0; t < N; t++) {
        cn_wn_stream_logits(sh, x[t], cond + t * C, lh);
        cn_wn_stream_logits(sr, x[t], cond + t * C, lr);
        cn_wn_stream_logits(sf, x[t], cond + t * C, lf);
        if (kind == CN_WN_WEIGHTS_F16)
            TEST_ASSERT_MSG(!memcmp(lh, lr, kb), "half stream != float stream on rounded weights at t=%d", t);
        if (t % 37 == 0) {
            cn_wn_naive_logits(sh, x, cond, t, nw, ln);
            TEST_ASSERT_MSG(!memcmp(lh, ln, kb), "16-bit stream != naive at t=%d", t);
        }
        for (int k = 0; k < K; k++) {
            maxd = fmax(maxd, fabs(lh[k] - lf[k]));
            scale = fmax(scale, fabs(lf[k]));
        }
    }
    printf("%s weights, %s head (%s kernel): == naive%s; |reduced - float| outputs max %.2e (largest %.2f)\n",
           kind == CN_WN_WEIGHTS_F16 ? "half" : kind == CN_WN_WEIGHTS_I8 ? "int8" : "bf16", cn_wn_out_name(out),
           cn_wn_kernel_name(cn_wn_matvec_kernel()),
           kind == CN_WN_WEIGHTS_F16 ? " and == float kernel on rounded weights" : "", maxd, scale);
    TEST_ASSERT(maxd < tol * (scale > 1.0 ? scale : 1.0));
    // Batched: four voices in one product each get the logits they get alone.
    cn_wn_stream *sb;
    TEST_OK(cn_wn_stream_create_ex(m, 4, kind, &sb));
    cn_wn_stream_reset(sh);
    float lb[4 * CN_WN_CLASSES], xb[4], cb[4 * 64];
    TEST_ASSERT(C <= 64);
    const int voices[4] = {0, 1, 2, 3};
    for (int t = 0; t < 50; t++) {
        for (int v = 0; v < 4; v++) {
            xb[v] = v == 2 ? x[t] : 0.1f * (float)v;
            memcpy(cb + v * C, cond + (size_t)(v == 2 ? t : (t + 17 * v) % N) * C, sizeof(float) * C);
        }
        cn_wn_stream_logits_batch(sb, voices, 4, xb, cb, lb);
        cn_wn_stream_logits(sh, x[t], cond + t * C, lh);
        TEST_ASSERT_MSG(!memcmp(lh, lb + 2 * K, kb), "batched 16-bit voice differs at t=%d", t);
    }
    cn_wn_stream_destroy(sb);
    cn_wn_stream_destroy(sh);
    cn_wn_stream_destroy(sr);
    cn_wn_stream_destroy(sf);
    free(feat);
    free(cond);
    free(x);
    free(nw);
    cn_wn_destroy(m);
    cn_wn_destroy(mr);
}

// A kind the CPU may lack: tested where it has it, refused where not.
static void test_kind_where_supported(int kind, int supported, double tol) {
    if (supported) {
        test_stream_kind(kind, tol, CN_WN_OUT_MULAW);
        test_stream_kind(kind, tol, CN_WN_OUT_GAUSS);
        return;
    }
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cn_wn_model *m;
    cn_wn_stream *s = NULL;
    TEST_OK(cn_wn_create(&cfg, &m));
    TEST_ASSERT(cn_wn_stream_create_ex(m, 1, kind, &s) == CN_ERR_ARG && !s);
    cn_wn_destroy(m);
}

// AUTO: float for a model whose weights fit (the shipped size), halves for the 64/64/128
// comparison network when the AVX-512 kernel runs.
static void test_auto(void) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cn_wn_model *m;
    cn_wn_stream *s;
    TEST_OK(cn_wn_create(&cfg, &m));
    TEST_OK(cn_wn_stream_create(m, &s));
    TEST_ASSERT(cn_wn_stream_weights(s) == CN_WN_WEIGHTS_F32);
    cn_wn_stream_destroy(s);
    cn_wn_destroy(m);
    cfg.n_layers = 20;
    cfg.res = cfg.gate = 64;
    cfg.skip = 128;
    TEST_OK(cn_wn_create(&cfg, &m));
    TEST_OK(cn_wn_stream_create(m, &s));
    int want = cn_wn_matvec_kernel() != CN_WN_KERNEL_AVX512 ? CN_WN_WEIGHTS_F32
               : cn_wn_has_bf16()                          ? CN_WN_WEIGHTS_BF16
                                                           : CN_WN_WEIGHTS_F16;
    TEST_ASSERT(cn_wn_stream_weights(s) == want);
    cn_wn_stream_destroy(s);
    cn_wn_destroy(m);
}

int main(void) {
    test_conversions();
    test_bf16_kernel();
    test_i8_kernel();
    test_stream_kind(CN_WN_WEIGHTS_F16, 2e-3, CN_WN_OUT_MULAW);
    test_kind_where_supported(CN_WN_WEIGHTS_BF16, cn_wn_has_bf16(), 2e-2);
    test_kind_where_supported(CN_WN_WEIGHTS_I8, cn_wn_has_vnni(), 5e-2);
    test_auto();
    printf("test_wavenet_half: ok\n");
    return 0;
}
