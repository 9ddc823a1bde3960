// LABELS: unit
// test_wavenet_cached: the cached generator (fast-wavenet queues) against the naive one
// that recomputes the receptive field for each sample: bit-identical logits and samples
// for the same seed, on a small model (with the window sliding well past the receptive
// field) and at chosen times on the default 1024-sample model. Also: stream logits match
// the teacher-forced training forward (BLAS, other summation order) within 1e-4, the
// axpy matvec matches its scalar twin, the gate's vector kernels equal each other bit for
// bit and libm within 1e-6, and a batch of voices (polyphony: one
// matrix-matrix product per layer) gives each voice the logits it gets alone, bit for bit,
// whichever voices share its batch.
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mulaw.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_synth.h"


static void test_matvec(void) {
    // 64 + 16 + 13 rows: every path of the AVX-512 kernel; 32 + 32 + 3 x 8 + 5 of the AVX2 one
    enum { ROWS = 93, COLS = 29 };
    float w[ROWS * COLS], wt[ROWS * COLS], x[COLS], y[ROWS], yref[ROWS];
    cn_rng r;
    cn_rng_seed(&r, 3, 0);
    for (int i = 0; i < ROWS * COLS; i++) w[i] = cn_rng_normal(&r);
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) wt[j * ROWS + i] = w[i * COLS + j];
    for (int j = 0; j < COLS; j++) x[j] = cn_rng_normal(&r);
    for (int i = 0; i < ROWS; i++) yref[i] = (float)i;
    cn_wn_matvec_ref(yref, w, x, ROWS, COLS);
    for (int k = CN_WN_KERNEL_GENERIC; k <= cn_wn_matvec_kernel(); k++) {
        for (int i = 0; i < ROWS; i++) y[i] = (float)i;
        cn_wn_matvec_t_with(k, y, wt, x, ROWS, COLS);
        double md = 0;
        for (int i = 0; i < ROWS; i++) md = fmax(md, fabs(y[i] - yref[i]));
        printf("matvec_t %s vs scalar twin: max diff %.2e\n", cn_wn_kernel_name(k), md);
        TEST_ASSERT(md < 1e-4);
    }
}

// The gated activation: each kernel the CPU has against libm (tanh, logistic) over the
// whole range, saturation included, and AVX-512 against AVX2 bit for bit (the same
// operations lane for lane). G = 48: 3 x 16 lanes; G = 24 takes AVX2 even where AVX-512 is.
static void test_gate(void) {
    enum { G = 48 };
    float z0[2 * G], zk[3][2 * G], gk[3][G];
    for (int rep = 0; rep < 40; rep++) {
        const float span = rep < 20 ? 4.0f : 100.0f;
        for (int j = 0; j < 2 * G; j++) z0[j] = span * (2.0f * (float)((j * 37 + rep * 11) % 97) / 96.0f - 1.0f);
        for (int k = CN_WN_KERNEL_GENERIC; k <= CN_WN_KERNEL_AVX512; k++) {
            memcpy(zk[k], z0, sizeof z0);
            cn_wn_gate_with(k, zk[k], gk[k], G);
        }
        double md = 0;
        for (int j = 0; j < G; j++) {
            const double t = tanh((double)z0[j]), sg = 1.0 / (1.0 + exp(-(double)z0[G + j]));
            for (int k = CN_WN_KERNEL_GENERIC; k <= CN_WN_KERNEL_AVX512; k++)
                md = fmax(md, fmax(fabs(zk[k][j] - t), fmax(fabs(zk[k][G + j] - sg), fabs(gk[k][j] - t * sg))));
        }
        TEST_ASSERT(md < 1e-6);
        TEST_ASSERT(!memcmp(zk[CN_WN_KERNEL_AVX512], zk[CN_WN_KERNEL_AVX2], sizeof z0) &&
                    !memcmp(gk[CN_WN_KERNEL_AVX512], gk[CN_WN_KERNEL_AVX2], sizeof gk[0]));
    }
    float a[48], b[48], ga[24], gb[24];
    for (int j = 0; j < 48; j++) a[j] = b[j] = 0.37f * (float)(j - 24);
    cn_wn_gate_with(CN_WN_KERNEL_AVX512, a, ga, 24);
    cn_wn_gate_with(CN_WN_KERNEL_AVX2, b, gb, 24);
    TEST_ASSERT(!memcmp(a, b, sizeof a) && !memcmp(ga, gb, sizeof ga));
    printf("gate: %s kernel within 1e-6 of libm, its vector paths equal bit for bit\n",
           cn_wn_kernel_name(cn_wn_matvec_kernel()));
}

// Temperature 0's refined peak: a symmetric peak decodes to its level, an asymmetric one
// between its level and the heavier neighbour, and a second mode far away is ignored.
static void test_peak(void) {
    float lg[CN_WN_CLASSES];
    for (int k = 0; k < CN_WN_CLASSES; k++) lg[k] = -50.0f;
    lg[100] = 0.0f;
    lg[99] = lg[101] = -1.0f;
    TEST_NEAR(cn_wn_peak_value(lg, CN_WN_PEAK_RADIUS), cn_mulaw_decode(100), 1e-7);
    lg[101] = -0.2f;
    float v = cn_wn_peak_value(lg, CN_WN_PEAK_RADIUS);
    TEST_ASSERT(v > cn_mulaw_decode(100) && v < cn_mulaw_decode(101));
    lg[101] = -1.0f;
    lg[200] = -0.01f; // another mode, nearly as likely: not averaged in
    TEST_NEAR(cn_wn_peak_value(lg, CN_WN_PEAK_RADIUS), cn_mulaw_decode(100), 1e-7);
    lg[0] = 1.0f; // the peak at the edge: only classes that exist
    TEST_NEAR(cn_wn_peak_value(lg, CN_WN_PEAK_RADIUS), cn_mulaw_decode_level(0.0f), 1e-6);
}

// Small model with output head `out`, sampled generation: stream vs naive vs training
// forward.
static void test_small(int out) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = out;
    cfg.n_layers = 6;
    cfg.cycle = 3; // 1 2 4 1 2 4: receptive field 15
    cfg.res = 8;
    cfg.gate = 6;
    cfg.skip = 10;
    cfg.emb = 3;
    cfg.n_instruments = 2;
    strcpy(cfg.instruments[1], "b");
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_test_wn_randomize(m, 21);
    enum { N = 120 };
    const int C = cn_wn_cond_dim(&cfg);
    cn_timed_note notes[] = {{5, 40, 64, 100}, {40, 90, 67, 80}, {100, 110, 72, 90}};
    float *feat = malloc(sizeof(float) * N * CN_WN_NFEAT), *cond = malloc(sizeof(float) * N * C);
    float xa[N + 1], xb[N + 1], la[CN_WN_CLASSES], lb[CN_WN_CLASSES], work[CN_WN_CLASSES];
    const int K = cn_wn_out_dim(&cfg);
    float *logits_s = malloc(sizeof(float) * N * K);
    cn_wn_features_from_notes(notes, 3, cfg.sample_rate, CN_WN_NOISE_SEED, N, feat);
    for (int t = 0; t < N; t++) cn_wn_cond_fill(m, 1, feat + t * CN_WN_NFEAT, cond + t * C);
    cn_wn_stream *s;
    TEST_OK(cn_wn_stream_create(m, &s));
    float *nw = malloc(sizeof(float) * cn_wn_naive_work_size(&cfg));
    cn_rng ra, rb;
    cn_rng_seed(&ra, 99, 0);
    cn_rng_seed(&rb, 99, 0);
    xa[0] = xb[0] = 0.0f;
    double max_fwd = 0.0;
    for (int t = 0; t < N; t++) {
        cn_wn_stream_logits(s, xa[t], cond + t * C, la);
        cn_wn_naive_logits(s, xb, cond, t, nw, lb);
        TEST_ASSERT_MSG(!memcmp(la, lb, K * sizeof *la), "outputs differ at t=%d", t);
        xa[t + 1] = cn_wn_draw(&cfg, la, 1.0f, &ra, work);
        xb[t + 1] = cn_wn_draw(&cfg, lb, 1.0f, &rb, work);
        TEST_ASSERT(xa[t + 1] == xb[t + 1]);
        memcpy(logits_s + t * K, la, K * sizeof *la);
    }
    // the same sequence teacher-forced through the training forward
    cn_wn_acts *a;
    TEST_OK(cn_wn_acts_create(&cfg, N, &a));
    float *audio = malloc(sizeof(float) * N * CN_WN_NAUDIO);
    for (int t = 0; t < N; t++) // xa[t] is sample t - 1: sample t's past ends at xa + t + 1
        cn_wn_audio_inputs(cfg.sample_rate, feat + t * CN_WN_NFEAT, xa + t + 1, t + 1,
                           audio + t * CN_WN_NAUDIO);
    cn_wn_forward(m, a, audio, feat, 1, xa + 1, N, 0);
    free(audio);
    const float *lf = cn_wn_acts_logits(a);
    for (int i = 0; i < N * K; i++) max_fwd = fmax(max_fwd, fabs(lf[i] - logits_s[i]));
    printf("small model, %s head: stream == naive for %d samples; |stream - training forward| max %.2e\n",
           cn_wn_out_name(out), N, max_fwd);
    TEST_ASSERT(max_fwd < 1e-4);
    cn_wn_acts_destroy(a);
    free(nw);
    free(logits_s);
    free(feat);
    free(cond);
    cn_wn_stream_destroy(s);
    cn_wn_destroy(m);
}

// Default model (receptive field 1024), teacher-forced input, logits compared at a few
// times before, at and after the receptive field.
static void test_default(void) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    TEST_ASSERT(cn_wn_receptive_field(&cfg) >= 1024);
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_test_wn_randomize(m, 8);
    const int C = cn_wn_cond_dim(&cfg), N = 1100;
    cn_timed_note notes[] = {{10, 700, 69, 100}, {700, 1100, 62, 70}};
    float *feat = malloc(sizeof(float) * N * CN_WN_NFEAT), *cond = malloc(sizeof(float) * N * C);
    float *x = malloc(sizeof(float) * N), la[CN_WN_CLASSES], lb[CN_WN_CLASSES];
    cn_wn_features_from_notes(notes, 2, cfg.sample_rate, CN_WN_NOISE_SEED, N, feat);
    cn_rng r;
    cn_rng_seed(&r, 4, 0);
    for (int t = 0; t < N; t++) {
        cn_wn_cond_fill(m, 0, feat + t * CN_WN_NFEAT, cond + t * C);
        x[t] = t ? 0.5f * sinf(0.05f * t) + 0.01f * cn_rng_normal(&r) : 0.0f;
    }
    cn_wn_stream *s;
    TEST_OK(cn_wn_stream_create(m, &s));
    float *nw = malloc(sizeof(float) * cn_wn_naive_work_size(&cfg));
    const int check[] = {0, 1, 511, 1022, 1023, 1024, 1099};
    int ci = 0;
    for (int t = 0; t < N; t++) {
        cn_wn_stream_logits(s, x[t], cond + t * C, la);
        if (ci < 7 && t == check[ci]) {
            cn_wn_naive_logits(s, x, cond, t, nw, lb);
            TEST_ASSERT_MSG(!memcmp(la, lb, sizeof la), "default model: logits differ at t=%d", t);
            ci++;
        }
    }
    TEST_ASSERT(ci == 7);
    printf("default model (receptive field %d): stream == naive at 7 times up to t=%d\n",
           cn_wn_receptive_field(&cfg), N - 1);
    free(nw);
    free(x);
    free(feat);
    free(cond);
    cn_wn_stream_destroy(s);
    cn_wn_destroy(m);
}

// Seven voices with their own notes: rendered together (in changing subsets) and each alone.
static void test_batch(void) {
    cn_wn_model *m = cn_test_wn_two_instruments(8);
    enum { V = 7, N = 300 };
    cn_wn_poly *batch, *alone;
    TEST_OK(cn_wn_poly_create(m, V, 0.7f, &batch));
    TEST_OK(cn_wn_poly_create(m, 1, 0.7f, &alone));
    float *all = malloc(sizeof(float) * V * N), *one = malloc(sizeof(float) * N), *blk = malloc(sizeof(float) * V * 16);
    TEST_ASSERT(all && one && blk);
    for (int v = 0; v < V; v++) {
        cn_wn_poly_reset(batch, v, v % 2, 100 + (uint64_t)v);
        cn_wn_poly_note_on(batch, v, 55 + 3 * v, 60 + 9 * v);
    }
    // Blocks of 16 samples, each with a different subset order: voice v sounds in every block.
    for (int b = 0; b < N / 16 + 1; b++) {
        int idx[V], n = 0, len = N - 16 * b < 16 ? N - 16 * b : 16;
        for (int k = 0; k < V; k++) idx[n++] = (k + b) % V;
        if (len <= 0) break;
        cn_wn_poly_render(batch, idx, n, blk, len);
        for (int k = 0; k < n; k++) memcpy(all + (size_t)idx[k] * N + 16 * b, blk + (size_t)k * len, sizeof(float) * (size_t)len);
    }
    for (int v = 0; v < V; v++) {
        cn_wn_poly_reset(alone, 0, v % 2, 100 + (uint64_t)v);
        cn_wn_poly_note_on(alone, 0, 55 + 3 * v, 60 + 9 * v);
        const int zero = 0;
        cn_wn_poly_render(alone, &zero, 1, one, N);
        TEST_ASSERT_MSG(!memcmp(one, all + (size_t)v * N, sizeof(float) * N), "voice %d differs in the batch", v);
    }
    printf("batch of %d voices == each voice alone for %d samples (%s kernel)\n", V, N,
           cn_wn_kernel_name(cn_wn_matvec_kernel()));
    free(all);
    free(one);
    free(blk);
    cn_wn_poly_destroy(batch);
    cn_wn_poly_destroy(alone);
    cn_wn_destroy(m);
}

// The Gaussian head's draw: the mean at temperature 0 (clamped to [-1, 1]), else spread by
// temperature x scale, with the scale's floor.
static void test_gauss_draw(void) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = CN_WN_OUT_GAUSS;
    cn_rng r;
    cn_rng_seed(&r, 5, 0);
    float work[CN_WN_CLASSES];
    TEST_NEAR(cn_wn_draw(&cfg, (float[]){0.25f, -3.0f}, 0.0f, &r, work), 0.25, 0);
    TEST_NEAR(cn_wn_draw(&cfg, (float[]){1.5f, -3.0f}, 0.0f, &r, work), 1.0, 0);
    const int n = 20000;
    const float scales[2][2] = {{-3.0f, 0.5f}, {-20.0f, 2.0f}}; // log scale, temperature
    for (int c = 0; c < 2; c++) {
        double s1 = 0.0, s2 = 0.0;
        for (int i = 0; i < n; i++) {
            double x = cn_wn_draw(&cfg, (float[]){0.1f, scales[c][0]}, scales[c][1], &r, work) - 0.1;
            s1 += x;
            s2 += x * x;
        }
        const double sd = sqrt(s2 / n - (s1 / n) * (s1 / n));
        const double want = scales[c][1] * exp(fmax(scales[c][0], CN_WN_LOGS_MIN));
        TEST_ASSERT_MSG(fabs(sd / want - 1.0) < 0.03, "draw spread %.3g, want %.3g", sd, want);
    }
}

int main(void) {
    test_matvec();
    test_gate();
    test_batch();
    test_peak();
    test_gauss_draw();
    test_small(CN_WN_OUT_MULAW);
    test_small(CN_WN_OUT_GAUSS);
    test_default();
    return 0;
}
