// LABELS: unit
// test_wavenet_free_run: the loss on what the model plays from its own output
// (cn_wn_free_run.h, `train wavenet --free-run W`) and its derivative through that output.
// - The audio inputs' adjoint is their transpose (a dot-product test over lags that fall
//   between samples).
// - A stream given the recording's history (cn_wn_stream_push_history) and fed the
//   recording plays the teacher-forced forward's outputs, and the free run plays its own
//   means from warm on.
// - With as many passes as samples played, the derivative equals central finite
//   differences of the loss of the whole free run (a tiny model whose output feeds back
//   strongly through the pitch lag); with none, it does not (the loop matters), and each
//   pass comes closer. So for the harmonic balance loss and for the MR-STFT distance.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wn_free_run.h"
#include "models/wavenet/cn_wn_synth.h"
#include "tests/cn_test_wavenet.h"

enum { SR = 8000, T = 1400, WARM = 200, H = CN_WN_HISTORY, NH = H + T - 1 };

static float feat[T * CN_WN_NFEAT], heard[NH], target[T];

// A note held over the chunk, heard as its first two harmonics at 0.3 and 0.15.
static void chunk_fill(int pitch) {
    cn_timed_note n = {.on = H - 400, .off = 10 * SR, .pitch = pitch, .velocity = 100};
    cn_wn_features_range(&n, 1, SR, CN_WN_NOISE_SEED, H, T, feat);
    double f0 = 440.0 * pow(2.0, (pitch - 69) / 12.0);
    for (int i = 0; i < NH; i++) {
        double ph = 2.0 * 3.14159265358979 * f0 * (double)(i - (H - 400)) / SR;
        heard[i] = i < H - 400 ? 0.0f : (float)(0.3 * sin(ph) + 0.15 * sin(2.0 * ph + 0.4));
    }
    for (int i = 0; i < T; i++) target[i] = i < T - 1 ? heard[H + i] : heard[NH - 1];
}

static void check_adjoint(void) {
    cn_rng r;
    cn_rng_seed(&r, 5, 0);
    static float past[H + 64], dpast[H + 64];
    for (int i = 0; i < H + 64; i++) past[i] = cn_rng_normal(&r);
    double worst = 0.0;
    for (int pitch = 21; pitch <= 108; pitch += 7) {
        float f[CN_WN_NFEAT] = {0};
        f[CN_WN_F_PITCH] = (float)(pitch - 60) / 24.0f + 0.0013f; // a bent note: lags between samples
        float a[CN_WN_NAUDIO], da[CN_WN_NAUDIO];
        for (int k = 0; k < CN_WN_NAUDIO; k++) da[k] = cn_rng_normal(&r);
        memset(dpast, 0, sizeof dpast);
        cn_wn_audio_inputs(SR, f, past + H, H, a);
        cn_wn_audio_inputs_adjoint(SR, f, da, H, dpast + H);
        double lhs = 0.0, rhs = 0.0;
        for (int k = 0; k < CN_WN_NAUDIO; k++) lhs += (double)da[k] * a[k];
        for (int i = 0; i < H + 64; i++) rhs += (double)dpast[i] * past[i];
        double e = fabs(lhs - rhs) / (fabs(lhs) + 1e-6);
        if (e > worst) worst = e;
    }
    printf("  audio inputs' adjoint: worst dot-product mismatch %.2g\n", worst);
    TEST_ASSERT_MSG(worst < 1e-5, "the adjoint is not the transpose: %g", worst);
}

static cn_wn_model *tiny_model(void) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = CN_WN_OUT_GAUSS;
    cfg.sample_rate = SR;
    cfg.n_layers = 3;
    cfg.cycle = 3; // dilations 1, 2, 4
    cfg.res = 4;
    cfg.gate = 4;
    cfg.skip = 5;
    cfg.emb = 2;
    cfg.n_instruments = 1;
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_wn_init_weights(m, 3);
    cn_rng r;
    cn_rng_seed(&r, 9, 0);
    for (size_t i = 0; i < m->n_params; i++) m->mem[i] += 0.05f * cn_rng_normal(&r);
    // The network's share of the mean small, and a loop through the model's own output:
    // much of each sample is the one a period back.
    for (int j = 0; j < cfg.skip; j++) m->p.o2_w[j] *= 0.2f;
    m->p.o2_b[0] = 0.0f;
    m->p.pred_w[0] = 0.0f;
    m->p.pred_w[1] = 0.5f;
    m->p.pred_w[2] = 0.1f;
    return m;
}

static void check_stream(cn_wn_model *m, cn_wn_acts *a, cn_wn_free_run *f) {
    static float audio[T * CN_WN_NAUDIO];
    for (int i = 0; i < T; i++)
        cn_wn_audio_inputs(SR, feat + i * CN_WN_NFEAT, heard + H + i, H, audio + i * CN_WN_NAUDIO);
    cn_wn_forward(m, a, audio, feat, 0, NULL, T, T);
    static float ref[T];
    for (int i = 0; i < T; i++) ref[i] = cn_wn_acts_logits(a)[i * 2];
    cn_wn_stream *s;
    TEST_OK(cn_wn_stream_create_ex(m, 1, CN_WN_WEIGHTS_F32, &s));
    cn_wn_stream_push_history(s, 0, heard, H - 1);
    float cond[CN_WN_NFEAT + 2], out[2];
    double worst = 0.0;
    for (int i = 0; i < T; i++) {
        cn_wn_cond_fill(m, 0, feat + i * CN_WN_NFEAT, cond);
        cn_wn_stream_logits(s, heard[H + i - 1], cond, out);
        if (fabs(out[0] - ref[i]) > worst) worst = fabs(out[0] - ref[i]);
    }
    cn_wn_stream_destroy(s);
    printf("  stream with the recording's history vs teacher forcing: worst mean %.2g apart\n", worst);
    TEST_ASSERT_MSG(worst < 1e-5, "the stream does not start where the forward does: %g", worst);

    static float grad[1];
    cn_wn_free_run_losses loss;
    const cn_wn_free_run_weights none = {0.0f, 0.0f, 0};
    TEST_OK(cn_wn_free_run_step(f, m, a, feat, 0, T, WARM, heard, target, &none, grad, 0.0f, &loss));
    const float *x = cn_wn_free_run_samples(f) + H;
    const float *out2 = cn_wn_acts_logits(a);
    double off = 0.0, away = 0.0, peak = 0.0;
    for (int i = 0; i < T - 1; i++) {
        if (i < WARM) TEST_ASSERT(x[i] == heard[H + i]);
        else off = fmax(off, fabs(x[i] - out2[i * 2])), away = fmax(away, fabs(x[i] - heard[H + i])),
             peak = fmax(peak, fabs(out2[i * 2]));
    }
    printf("  free run: plays its own means (worst %.2g off, peak %.3f), %.3f from the recording at most\n", off,
           peak, away);
    TEST_ASSERT_MSG(peak < 1.0, "the tiny model's loop clips (%.3f): no derivative through it", peak);
    TEST_ASSERT_MSG(off < 1e-5, "the free run's samples are not its means: %g", off);
    TEST_ASSERT_MSG(away > 0.01, "the free run plays the recording");
}

// The weighted sum of the losses; its derivative added to grad.
static double free_loss(cn_wn_model *m, cn_wn_acts *a, cn_wn_free_run *f, float *grad, float balance,
                        float spectrum, int passes) {
    cn_wn_free_run_losses loss;
    const cn_wn_free_run_weights w = {balance, spectrum, passes};
    TEST_OK(cn_wn_free_run_step(f, m, a, feat, 0, T, WARM, heard, target, &w, grad, 1.0f, &loss));
    return balance * loss.balance + spectrum * loss.spectrum;
}

static double rel_err(const float *g, const double *ref, const int *idx, int n) {
    double num = 0.0, den = 0.0;
    for (int i = 0; i < n; i++) {
        num += (g[idx[i]] - ref[i]) * (g[idx[i]] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / (den + 1e-30));
}

// eps: the finite differences' step. The spectral loss's sums of logs over thousands of bins
// in float carry more rounding: steps of 3e-5 and 3e-4 put the exact derivative 24% and 3%
// from the differences, 2e-3 0.5%.
static void check_grad(cn_wn_model *m, cn_wn_acts *a, cn_wn_free_run *f, float balance, float spectrum,
                       float eps) {
    printf("  balance weight %g, spectrum weight %g:\n", balance, spectrum);
    enum { NP = 60 };
    int idx[NP];
    double fd[NP];
    float *g = calloc(m->n_params, sizeof *g);
    TEST_ASSERT(g);
    double l0 = free_loss(m, a, f, g, balance, spectrum, 0);
    printf("  free-run loss %.4f\n", l0);
    TEST_ASSERT_MSG(l0 > 1e-3, "no loss to differentiate: %g", l0);
    for (int i = 0; i < NP; i++) { // spread over every tensor
        idx[i] = (int)(((size_t)i * 7919u + 13u) % m->n_params);
        float keep = m->mem[idx[i]];
        m->mem[idx[i]] = keep + eps;
        double lp = free_loss(m, a, f, g, balance, spectrum, 0);
        m->mem[idx[i]] = keep - eps;
        double lm = free_loss(m, a, f, g, balance, spectrum, 0);
        m->mem[idx[i]] = keep;
        fd[i] = (lp - lm) / (2.0 * eps);
    }
    double e[4];
    const int passes[4] = {0, 1, 4, T};
    for (int k = 0; k < 4; k++) {
        memset(g, 0, m->n_params * sizeof *g);
        free_loss(m, a, f, g, balance, spectrum, passes[k]);
        e[k] = rel_err(g, fd, idx, NP);
        printf("  passes %4d: relative error against finite differences %.4f\n", passes[k], e[k]);
    }
    TEST_ASSERT_MSG(e[3] < 0.02, "the exact derivative is %.4f off", e[3]);
    TEST_ASSERT_MSG(e[0] > 0.1, "the loop through the model's output does not matter here (%.4f)", e[0]);
    TEST_ASSERT_MSG(e[1] < e[0] && e[2] < e[1], "more passes do not come closer");
    free(g);
}

int main(void) {
    check_adjoint();
    cn_wn_model *m = tiny_model();
    cn_wn_acts *a;
    cn_wn_free_run *f;
    TEST_OK(cn_wn_acts_create(&m->cfg, T, &a));
    TEST_OK(cn_wn_free_run_create(m, T, &f));
    chunk_fill(69);
    check_stream(m, a, f);
    check_grad(m, a, f, 1.0f, 0.0f, 1e-3f);
    check_grad(m, a, f, 0.0f, 1.0f, 2e-3f);
    cn_wn_free_run_destroy(f);
    cn_wn_acts_destroy(a);
    cn_wn_destroy(m);
    return 0;
}
