// wn_harmonics.c: the note's first harmonics in training audio: fitted, mixed in, cut,
// and scored (cn_wn_harmonics.h).
#include <math.h>
#include <string.h>

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wn_features.h"
#include "models/wavenet/cn_wn_harmonics.h"

void cn_wn_harmonic_noise(const float *feat, int T, float amount, float rms, cn_rng *r, float *heard) {
    float c[8];
    for (int k = 0; k < 8; k++) c[k] = amount * rms * cn_rng_normal(r);
    for (int i = 0; i < T - 1; i++) {
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        float v = 0.0f;
        for (int k = 0; k < 8; k++) v += c[k] * h[k];
        heard[i] += v;
    }
}

// Adds sign x sample i's terms to the window's normal equations of the 8 harmonic columns:
// A = sum h h' (upper triangle), y = sum h x.
static void wn_harm_sums(const float *feat, const float *heard, int i, double sign, double A[8][8], double y[8]) {
    const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
    for (int a = 0; a < 8; a++) {
        const double sa = sign * h[a];
        y[a] += sa * heard[i];
        for (int b = a; b < 8; b++) A[a][b] += sa * h[b];
    }
}

// Solves (A + 1e-9 trace I) c = y for n right-hand sides (A: the upper triangle of the
// normal equations). All four harmonics at once (one alone would take in its neighbours'
// leakage over a window of whole and part cycles); the small ridge is for windows that
// barely reach a note.
static void wn_harm_solve(double A[8][8], double trace, double (*y)[8], int n, double (*c)[8]) {
    double M[8][8 + 2];
    for (int a = 0; a < 8; a++) {
        for (int b = 0; b < 8; b++) M[a][b] = a <= b ? A[a][b] : A[b][a];
        M[a][a] += 1e-9 * trace;
        for (int r = 0; r < n; r++) M[a][8 + r] = y[r][a];
    }
    for (int k = 0; k < 8; k++) // Gauss-Jordan (symmetric positive definite: no pivoting)
        for (int a = 0; a < 8; a++) {
            if (a == k) continue;
            const double f = M[a][k] / M[k][k];
            for (int b = k; b < 8 + n; b++) M[a][b] -= f * M[k][b];
        }
    for (int r = 0; r < n; r++)
        for (int a = 0; a < 8; a++) c[r][a] = M[a][8 + r] / M[a][a];
}

void cn_wn_harmonic_cut(const float *feat, int T, const float gain[4], float *heard, float *work) {
    const int n = T - 1, half = CN_WN_CUT_WINDOW / 2;
    double A[8][8] = {{0}}, y[8] = {0}; // over the window [lo, hi) around i
    int lo = 0, hi = 0;
    for (int i = 0; i < n; i++) {
        for (; hi < n && hi < i + half; hi++) wn_harm_sums(feat, heard, hi, 1.0, A, y);
        for (; lo < i - half; lo++) wn_harm_sums(feat, heard, lo, -1.0, A, y);
        work[i] = 0.0f;
        double trace = 0.0;
        for (int a = 0; a < 8; a++) trace += A[a][a];
        if (trace < 1e-3) continue; // no note in the window
        double c[1][8];
        wn_harm_solve(A, trace, &y, 1, c);
        const float *h = feat + (size_t)i * CN_WN_NFEAT + CN_WN_F_HARM;
        double v = 0.0;
        for (int a = 0; a < 8; a++) v += (1.0 - gain[a / 2]) * c[0][a] * h[a];
        work[i] = (float)v;
    }
    double before = 0.0, after = 0.0;
    for (int i = 0; i < n; i++) {
        before += (double)heard[i] * heard[i];
        heard[i] -= work[i];
        after += (double)heard[i] * heard[i];
    }
    if (after > 0.0) {
        const float s = (float)sqrt(before / after);
        for (int i = 0; i < n; i++) heard[i] *= s;
    }
}

// The mean power over a block of the fitted harmonic k (coefficients c[2k], c[2k+1]):
// c' A c / n over its 2 x 2 block of the normal equations; d = its gradient by those two.
static double wn_harm_power(double A[8][8], const double c[8], int k, int n, double d[2]) {
    const int a = 2 * k;
    const double p0 = A[a][a] * c[a] + A[a][a + 1] * c[a + 1], p1 = A[a][a + 1] * c[a] + A[a + 1][a + 1] * c[a + 1];
    d[0] = 2.0 * p0 / n;
    d[1] = 2.0 * p1 / n;
    return (c[a] * p0 + c[a + 1] * p1) / n;
}

// Sample t is the same held note as t - 1, past its attack (20 ms): no note change, no
// new onset (the slow onset decay starts again at 1), so the harmonic columns continue.
static int wn_same_note(const float *feat, int t) {
    const float *f = feat + (size_t)t * CN_WN_NFEAT, *p = f - CN_WN_NFEAT;
    return f[CN_WN_F_GATE] > 0.5f && p[CN_WN_F_GATE] > 0.5f && f[CN_WN_F_PITCH] == p[CN_WN_F_PITCH] &&
           f[CN_WN_F_ON_SLOW] <= p[CN_WN_F_ON_SLOW] && f[CN_WN_F_ON_FAST] < 0.135f;
}

// One block [lo, lo + n): adds its loss to *sum and d(loss)/d(out) to dmean; 1 when it
// counted. relative: each harmonic's power as a share of its signal's mean square in the
// block (the balance), and that mean square against the recording's (the level), else
// each harmonic's power.
static int wn_harm_block(const float *feat, int lo, int n, const float *target, const float *out, int K,
                          int relative, int harmonics, double *sum, float *dmean) {
    double A[8][8] = {{0}}, y[2][8] = {{0}}, e = 0.0, em = 0.0;
    for (int t = lo; t < lo + n; t++) {
        wn_harm_sums(feat, target, t, 1.0, A, y[0]);
        const float *h = feat + (size_t)t * CN_WN_NFEAT + CN_WN_F_HARM;
        for (int a = 0; a < 8; a++) y[1][a] += (double)h[a] * out[(size_t)t * K];
        e += (double)target[t] * target[t];
        em += (double)out[(size_t)t * K] * out[(size_t)t * K];
    }
    if (e < CN_WN_HARM_LOSS_FLOOR * n) return 0; // a decayed tail: the model's noise floor, not its tuning
    double trace = 0.0;
    for (int a = 0; a < 8; a++) trace += A[a][a];
    double c[2][8];
    wn_harm_solve(A, trace, y, 2, c);
    const double ex = e / n, ep = em / n + 1e-12;
    const double least = 1e-3 * ex + 1e-12; // a harmonic 30 dB under the block counts as that
    double g[1][8] = {{0}}, v[1][8], d[2], dep = 0.0; // dep: d(loss)/d(ep)
    for (int k = 0; k < harmonics; k++) {
        double px = wn_harm_power(A, c[0], k, n, d) + least;
        double pm = wn_harm_power(A, c[1], k, n, d);
        double r, dpm; // d(r^2)/d(pm)
        if (relative) {
            r = log(pm / ep + 1e-3) - log(px / ex);
            dpm = 2.0 * r / (pm + 1e-3 * ep);
            dep -= dpm * pm / ep;
        } else {
            pm += least;
            r = log(pm) - log(px);
            dpm = 2.0 * r / pm;
        }
        *sum += r * r;
        g[0][2 * k] = dpm * d[0]; // d(r^2)/d(c) of the prediction's fit
        g[0][2 * k + 1] = dpm * d[1];
    }
    if (relative) { // and the block's level: shares alone let a free-running level run away
        const double r = log(ep / ex);
        *sum += r * r;
        dep += 2.0 * r / ep;
    }
    // c = M^-1 y with y = sum h out: d/d(out[t]) = (M^-1 g) . h_t (M symmetric); and
    // d(ep)/d(out[t]) = 2 out[t] / n
    wn_harm_solve(A, trace, g, 1, v);
    for (int t = lo; t < lo + n; t++) {
        const float *h = feat + (size_t)t * CN_WN_NFEAT + CN_WN_F_HARM;
        double s = 2.0 * dep * out[(size_t)t * K] / n;
        for (int a = 0; a < 8; a++) s += v[0][a] * h[a];
        dmean[t] = (float)s;
    }
    return 1;
}

static float wn_harmonic_loss(const float *feat, int T, int from, int block, const float *target, const float *out,
                              int K, int relative, int harmonics, float *dmean) {
    memset(dmean, 0, (size_t)T * sizeof *dmean);
    double sum = 0.0;
    int blocks = 0;
    for (int t = from > 0 ? from : 1; t < T;) { // each held stretch of one note, in whole blocks
        int end = t;
        while (end < T && wn_same_note(feat, end)) end++;
        for (int lo = t; lo + block <= end; lo += block)
            blocks += wn_harm_block(feat, lo, block, target, out, K, relative, harmonics, &sum, dmean);
        t = end > t ? end : t + 1;
    }
    if (!blocks) return 0.0f;
    for (int t = 0; t < T; t++) dmean[t] /= (float)blocks;
    return (float)(sum / blocks);
}

float cn_wn_harmonic_loss(const float *feat, int T, int from, int block, const float *target, const float *out,
                          int K, float *dmean) {
    return wn_harmonic_loss(feat, T, from, block, target, out, K, 0, 2, dmean);
}

float cn_wn_harmonic_balance_loss(const float *feat, int T, int from, int block, const float *target,
                                  const float *out, int K, float *dmean) {
    return wn_harmonic_loss(feat, T, from, block, target, out, K, 1, 4, dmean); // a reed's lost fundamental leaves H3
}
