// test_wavenet_train_inputs.c: what the WaveNet trainer feeds the model besides the
// recording. Parallel scheduled sampling (cn_wn_self_feed, `train wavenet --self-feed P`):
// the samples it feeds back are the model's temperature-0 predictions of them from a
// forward pass over the chunk, only from `warm` on, about a share p of them; several
// passes are one pass repeated; the inputs it leaves are built from what it fed back, plus
// the input noise. Harmonic input noise (cn_wn_harmonic_noise, `--harmonic-noise A`): a
// mix of the note's first four harmonics, nothing before the note, as loud as asked.
// Harmonic cut (cn_wn_harmonic_cut, `--harmonic-cut F`): scales each of the first four
// harmonics by its gain and the whole back to its RMS, leaves the silence before the note.
// Harmonic loss (cn_wn_harmonic_loss, `--harmonic-loss W`): its value on a fundamental 6 dB
// weak, its derivative against central differences, nothing in the attack or a quiet tail;
// the balance loss (`--free-run`): level-blind, a weak fundamental or third harmonic costs, its derivative.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wn_synth.h"
#include "models/wavenet/cn_wn_train.h"
#include "tests/cn_test_wavenet.h"

enum { T = 700, WARM = 150, H = CN_WN_HISTORY, NH = H + T - 1 };

typedef struct chunk {
    float feat[T * CN_WN_NFEAT];
    float heard[NH], past[NH], audio[T * CN_WN_NAUDIO];
} chunk;

// A 440 Hz sine heard under a note A4 held over the whole chunk.
static void chunk_fill(const cn_wn_model *m, chunk *c) {
    const int sr = m->cfg.sample_rate;
    cn_timed_note n = {.on = 0, .off = 10 * sr, .pitch = 69, .velocity = 100};
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, T, c->feat);
    for (int i = 0; i < NH; i++) c->heard[i] = 0.3f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / (float)sr);
}

// The model's temperature-0 prediction of every sample of the chunk, from inputs built
// step by step here (the reference the function must agree with).
static void predictions(const cn_wn_model *m, cn_wn_acts *a, const chunk *c, float *pred) {
    static float audio[T * CN_WN_NAUDIO];
    for (int i = 0; i < T; i++)
        cn_wn_audio_inputs(m->cfg.sample_rate, c->feat + (size_t)i * CN_WN_NFEAT, c->heard + H + i, H,
                           audio + (size_t)i * CN_WN_NAUDIO);
    cn_wn_forward(m, a, audio, c->feat, 0, NULL, T, T);
    const float *out = cn_wn_acts_logits(a);
    float work[CN_WN_CLASSES];
    cn_rng r;
    cn_rng_seed(&r, 1, 1);
    for (int i = 0; i < T; i++) pred[i] = cn_wn_draw(&m->cfg, out + (size_t)i * cn_wn_out_dim(&m->cfg), 0.0f, &r, work);
}

static void check_head(int head) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = head;
    cn_wn_model *m = NULL;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_test_wn_randomize(m, 7);
    cn_wn_acts *a = NULL;
    TEST_OK(cn_wn_acts_create(&m->cfg, T, &a));
    static chunk c0, c1, c2;
    static float pred[T], pred2[T], noise[NH];
    chunk_fill(m, &c0);
    predictions(m, a, &c0, pred);

    // p = 1, one pass: every sample from warm on is its prediction, the rest the recording.
    c1 = c0;
    cn_rng r;
    cn_rng_seed(&r, 3, 0);
    cn_wn_self_feed(m, a, c1.feat, 0, T, WARM, 1.0f, 1, &r, c1.heard, NULL, c1.past, c1.audio);
    int moved = 0;
    for (int i = 0; i < NH; i++) {
        int k = i - H; // chunk sample k
        float want = (k >= WARM && k < T - 1) ? pred[k] : c0.heard[i];
        TEST_ASSERT_MSG(c1.heard[i] == want, "p=1: heard[%d] %g, wanted %g", i, c1.heard[i], want);
        TEST_ASSERT(c1.past[i] == c1.heard[i]);
        moved += c1.heard[i] != c0.heard[i];
    }
    printf("  head %s: %d of %d samples fed back differ from the recording\n", cn_wn_out_name(head), moved, T - 1 - WARM);
    TEST_ASSERT_MSG(moved > (T - 1 - WARM) / 2, "the predictions equal the recording: %d moved", moved);
    // The inputs left: x_{t-1} of sample k is what was fed back for k - 1.
    for (int k = 1; k < T; k++) TEST_ASSERT(c1.audio[(size_t)k * CN_WN_NAUDIO] == c1.heard[H + k - 1]);

    // Two passes = the second pass predicting from the first's samples.
    predictions(m, a, &c1, pred2);
    c2 = c0;
    cn_rng_seed(&r, 3, 0);
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 1.0f, 2, &r, c2.heard, NULL, c2.past, c2.audio);
    for (int k = WARM; k < T - 1; k++)
        TEST_ASSERT_MSG(c2.heard[H + k] == pred2[k], "2 passes: sample %d %g, wanted %g", k, c2.heard[H + k], pred2[k]);

    // p = 0.4 with input noise: about that share replaced, each by its prediction from the
    // noisy inputs; the noise stays on top.
    c2 = c0;
    for (int i = 0; i < NH; i++) {
        noise[i] = 0.01f * (float)((i * 37) % 11 - 5);
        c2.heard[i] += noise[i];
    }
    predictions(m, a, &c2, pred);
    c2 = c0;
    cn_rng_seed(&r, 4, 0);
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 0.4f, 1, &r, c2.heard, noise, c2.past, c2.audio);
    int fed = 0;
    for (int k = WARM; k < T - 1; k++) {
        float v = c2.heard[H + k];
        TEST_ASSERT(v == c0.heard[H + k] || v == pred[k]);
        fed += v == pred[k] && v != c0.heard[H + k];
    }
    double share = (double)fed / (double)moved;
    printf("  p=0.4: %.3f of the samples that move were fed back\n", share);
    TEST_ASSERT_MSG(share > 0.3 && share < 0.5, "share %.3f", share);
    for (int i = 0; i < NH; i++) TEST_ASSERT(c2.past[i] == c2.heard[i] + noise[i]);
    for (int k = 1; k < T; k++) TEST_ASSERT(c2.audio[(size_t)k * CN_WN_NAUDIO] == c2.past[H + k - 1]);

    // p = 0 (or no pass) leaves the recording.
    c2 = c0;
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 0.0f, 1, &r, c2.heard, NULL, c2.past, c2.audio);
    TEST_ASSERT(memcmp(c2.heard, c0.heard, sizeof c0.heard) == 0);
    cn_wn_acts_destroy(a);
    cn_wn_destroy(m);
}

// The least-squares amplitudes of the 8 harmonic columns in heard over [from, to).
static void harmonic_fit(const float *feat, const float *heard, int from, int to, double coef[8]) {
    double A[8][9] = {{0}};
    for (int i = from; i < to; i++) {
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        for (int a = 0; a < 8; a++) {
            for (int b = 0; b < 8; b++) A[a][b] += (double)h[a] * h[b];
            A[a][8] += (double)h[a] * heard[i];
        }
    }
    for (int c = 0; c < 8; c++) // Gauss-Jordan on the normal equations
        for (int a = 0; a < 8; a++) {
            if (a == c) continue;
            double f = A[a][c] / A[c][c];
            for (int b = c; b < 9; b++) A[a][b] -= f * A[c][b];
        }
    for (int a = 0; a < 8; a++) coef[a] = A[a][8] / A[a][a];
}

static void check_harmonic_noise(void) {
    const int sr = 48000;
    cn_timed_note n = {.on = H + 100, .off = H + 10 * sr, .pitch = 69, .velocity = 100};
    static float feat[T * CN_WN_NFEAT], heard[T];
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, T, feat);
    cn_rng r;
    cn_rng_seed(&r, 9, 0);
    double sum2 = 0.0, fit2 = 0.0;
    int draws = 300;
    for (int d = 0; d < draws; d++) {
        memset(heard, 0, sizeof heard);
        cn_wn_harmonic_noise(feat, T, 0.5f, 0.2f, &r, heard);
        for (int i = 0; i < 100; i++) TEST_ASSERT_MSG(heard[i] == 0.0f, "noise before the note at %d", i);
        TEST_ASSERT(heard[T - 1] == 0.0f); // the last sample is never heard
        // Least squares on the 8 harmonic columns over the held part (the envelope is 1
        // after its 5 ms attack): the coefficients, and what they leave unexplained.
        double coef[8];
        harmonic_fit(feat, heard, 400, T - 1, coef);
        for (int a = 0; a < 8; a++) sum2 += coef[a] * coef[a];
        for (int i = 400; i < T - 1; i++) {
            const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
            double v = heard[i];
            for (int a = 0; a < 8; a++) v -= coef[a] * h[a];
            fit2 += v * v;
        }
    }
    double sd = sqrt(sum2 / (8.0 * draws));
    printf("  harmonic noise: coefficient std %.4f (asked 0.5 x 0.2 = 0.1), residual %.2e\n", sd, sqrt(fit2 / (draws * (T - 401.0))));
    TEST_ASSERT_MSG(sd > 0.09 && sd < 0.11, "coefficient std %.4f", sd);
    TEST_ASSERT_MSG(fit2 < 1e-8 * draws * T, "noise outside the harmonics: %g", fit2);
}

// A G3 (196 Hz) with all four harmonics after 1000 samples of silence, over 6000 samples:
// windows that slide, meet the chunk's ends and the note's onset.
static void check_harmonic_cut(void) {
    enum { N = 6000, ON = 1000 };
    const int sr = 48000;
    cn_timed_note n = {.on = H + ON, .off = H + 10 * sr, .pitch = 55, .velocity = 100};
    static float feat[N * CN_WN_NFEAT], heard[N], work[N];
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, N, feat);
    const double want[8] = {0.3, -0.2, 0.25, 0.1, 0.05, 0.12, -0.08, 0.04};
    for (int i = 0; i < N; i++) {
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        heard[i] = 0.0f;
        for (int a = 0; a < 8; a++) heard[i] += (float)(want[a] * h[a]);
    }
    const float last = heard[N - 1], gain[4] = {0.25f, 0.5f, 1.0f, 0.6f};
    double e0 = 0.0, e1 = 0.0;
    for (int i = 0; i < N - 1; i++) e0 += (double)heard[i] * heard[i];
    cn_wn_harmonic_cut(feat, N, gain, heard, work);
    for (int i = 0; i < N - 1; i++) e1 += (double)heard[i] * heard[i];
    const double s = sqrt(e0 / e1);
    TEST_ASSERT_MSG(fabs(s - 1.0) < 1e-4, "RMS moved by %g", s);
    for (int i = 0; i < ON; i++) TEST_ASSERT_MSG(heard[i] == 0.0f, "cut before the note at %d", i);
    TEST_ASSERT(heard[N - 1] == last); // the last sample is never heard
    double coef[8], worst = 0.0;
    harmonic_fit(feat, heard, ON + 600, N - 1, coef);
    // The RMS restored: every harmonic grew by the same factor, the third's gain being 1.
    const double k = coef[4] / want[4];
    TEST_ASSERT_MSG(k > 1.2, "the cut was not made up: x%g", k);
    for (int a = 0; a < 8; a++) {
        double err = fabs(coef[a] - want[a] * gain[a / 2] * k);
        if (err > worst) worst = err;
    }
    printf("  harmonic cut: largest amplitude error %.2e\n", worst);
    TEST_ASSERT_MSG(worst < 2e-3, "harmonic amplitudes off by %g", worst);
}

typedef float (*harm_loss_fn)(const float *feat, int T, int from, int block, const float *target, const float *out,
                              int K, float *dmean);

// dmean (what loss wrote for out[T][2]) against central differences of loss by the means
// out[t * 2] for t in [t0, t1) every `step`.
static void check_loss_derivative(const char *name, harm_loss_fn loss, const float *feat, int T, int from, int block,
                                  const float *target, float *out, const float *dmean, int t0, int t1, int step) {
    float *d2 = malloc((size_t)T * sizeof *d2);
    TEST_ASSERT(d2);
    double worst = 0.0, largest = 0.0;
    for (int t = t0; t < t1; t += step) {
        const float v = out[t * 2], eps = 1e-2f;
        out[t * 2] = v + eps;
        const double lp = loss(feat, T, from, block, target, out, 2, d2);
        out[t * 2] = v - eps;
        const double lm = loss(feat, T, from, block, target, out, 2, d2);
        out[t * 2] = v;
        const double fd = (lp - lm) / (2.0 * eps);
        if (fabs(fd - dmean[t]) > worst) worst = fabs(fd - dmean[t]);
        if (fabs(dmean[t]) > largest) largest = fabs(dmean[t]);
    }
    free(d2);
    printf("  %s: derivative vs central differences, max diff %.2e (largest %.2e)\n", name, worst, largest);
    TEST_ASSERT_MSG(largest > 1e-4 && worst < 1e-2 * largest, "%s: derivative off by %g of %g", name, worst, largest);
}

// The same G3 heard as the recording, and predicted with its fundamental at half the
// amplitude (a quarter of the power, -6 dB): each block scores (ln 1/4)^2 less the floor's
// share, its second harmonic 0; a prediction equal to the recording scores exactly 0; the
// derivative by each predicted mean agrees with central differences.
static void check_harmonic_loss(void) {
    enum { N = 6000, ON = 1000, FROM = 1024, BLOCK = 1024, K = 2 };
    const int sr = 48000;
    cn_timed_note n = {.on = H + ON, .off = H + 10 * sr, .pitch = 55, .velocity = 100};
    static float feat[N * CN_WN_NFEAT], target[N], out[N * K], dmean[N], d2[N];
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, N, feat);
    const double want[8] = {0.3, -0.2, 0.25, 0.1, 0.05, 0.12, -0.08, 0.04};
    for (int i = 0; i < N; i++) {
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        target[i] = out[i * K] = 0.0f;
        for (int a = 0; a < 8; a++) {
            target[i] += (float)(want[a] * h[a]);
            out[i * K] += (float)(want[a] * (a < 2 ? 0.5 : 1.0) * h[a]);
        }
        out[i * K + 1] = -3.0f; // the log scale plays no part
    }
    float same[N * K];
    for (int i = 0; i < N; i++) same[i * K] = target[i], same[i * K + 1] = 1.0f;
    TEST_ASSERT(cn_wn_harmonic_loss(feat, N, FROM, BLOCK, target, same, K, d2) == 0.0f);
    const double loss = cn_wn_harmonic_loss(feat, N, FROM, BLOCK, target, out, K, dmean);
    // held part: H1 power (0.3^2 + 0.2^2) / 2, floor 1e-3 x the mean square of all four
    const double p1 = 0.065, fl = 1e-3 * 0.2274 / 2.0, r = log((p1 / 4.0 + fl) / (p1 + fl));
    printf("  harmonic loss: %.4f (held note: %.4f)\n", loss, r * r);
    TEST_ASSERT_MSG(fabs(loss - r * r) < 0.02, "loss %g, expected about %g", loss, r * r);
    // Blocks tile the note from 20 ms after its onset (960 samples): three whole ones.
    for (int t = 0; t < ON + 950; t++) TEST_ASSERT_MSG(dmean[t] == 0.0f, "scored at %d, in the attack", t);
    for (int t = ON + 970 + 3 * BLOCK; t < N; t++) TEST_ASSERT_MSG(dmean[t] == 0.0f, "scored at %d", t);
    check_loss_derivative("harmonic loss", cn_wn_harmonic_loss, feat, N, FROM, BLOCK, target, out, dmean,
                          ON + 1000, ON + 3 * BLOCK, 211);
    // The same note 46 dB down (a decayed tail): under the floor, not scored.
    static float quiet[N], qout[N * K];
    for (int i = 0; i < N; i++) quiet[i] = 0.005f * target[i], qout[i * K] = 0.005f * out[i * K], qout[i * K + 1] = 0.0f;
    TEST_ASSERT(cn_wn_harmonic_loss(feat, N, FROM, BLOCK, quiet, qout, K, d2) == 0.0f);
    for (int t = 0; t < N; t++) TEST_ASSERT(d2[t] == 0.0f);
}

// The balance loss (cn_wn_harmonic_balance_loss, `--free-run`): the recording played 6 dB
// quiet costs its level term alone, (ln 4)^2, where the loss above charges each harmonic; a
// fundamental 6 dB weak costs, and so does a third harmonic 6 dB weak (a reed that loses
// its fundamental keeps its third); its derivative (with the block's own mean square in it)
// against central differences.
static void check_balance_loss(void) {
    enum { N = 4000, ON = 500, FROM = 1000, BLOCK = 1024, K = 2 };
    const int sr = 48000;
    cn_timed_note n = {.on = H + ON, .off = H + 10 * sr, .pitch = 57, .velocity = 100};
    static float feat[N * CN_WN_NFEAT], target[N], quiet[N * K], weak[N * K], weak3[N * K], dmean[N], d2[N];
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, N, feat);
    const double want[8] = {0.3, -0.2, 0.25, 0.1, 0.05, 0.12, -0.08, 0.04};
    for (int i = 0; i < N; i++) {
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        target[i] = weak[i * K] = weak3[i * K] = 0.0f;
        for (int a = 0; a < 8; a++) {
            target[i] += (float)(want[a] * h[a]);
            weak[i * K] += (float)(want[a] * (a < 2 ? 0.5 : 1.0) * h[a]);
            weak3[i * K] += (float)(want[a] * (a / 2 == 2 ? 0.5 : 1.0) * h[a]);
        }
        quiet[i * K] = 0.5f * target[i];
        quiet[i * K + 1] = weak[i * K + 1] = weak3[i * K + 1] = 0.0f;
    }
    const double lq = cn_wn_harmonic_balance_loss(feat, N, FROM, BLOCK, target, quiet, K, d2);
    const double lq_level = cn_wn_harmonic_loss(feat, N, FROM, BLOCK, target, quiet, K, d2);
    const double lw = cn_wn_harmonic_balance_loss(feat, N, FROM, BLOCK, target, weak, K, dmean);
    const double l3 = cn_wn_harmonic_balance_loss(feat, N, FROM, BLOCK, target, weak3, K, d2);
    printf("  balance loss: 6 dB quiet %.3f (the loss above %.3f), fundamental 6 dB weak %.3f, third %.3f\n", lq,
           lq_level, lw, l3);
    const double l4 = log(4.0) * log(4.0);
    TEST_ASSERT_MSG(fabs(lq - l4) < 1e-3 && lq_level > 1.5 * l4, "a quiet copy costs %g (wanted %g)", lq, l4);
    TEST_ASSERT_MSG(lw > 0.5, "a weak fundamental costs only %g", lw);
    TEST_ASSERT_MSG(l3 > 1.0, "a weak third harmonic costs only %g", l3); // (ln 4)^2 in its share
    check_loss_derivative("balance loss", cn_wn_harmonic_balance_loss, feat, N, FROM, BLOCK, target, weak, dmean,
                          FROM + 300, FROM + 2 * BLOCK, 173);
}

int main(void) {
    check_harmonic_loss();
    check_balance_loss();
    check_harmonic_cut();
    check_harmonic_noise();
    check_head(CN_WN_OUT_GAUSS);
    check_head(CN_WN_OUT_MULAW);
    printf("test_wavenet_train_inputs: ok\n");
    return 0;
}
