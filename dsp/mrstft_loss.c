// mrstft_loss.c: the MR-STFT distance and its derivative (cn_mrstft_loss.h).
//
// The derivative of frame f's term by its windowed samples b_m (X_k = sum_m b_m e^(-i th),
// th = 2 pi k m / N): d|X_k|/db_m = Re(X_k e^(i th)) / |X_k|, so with g_k = d(loss)/d|X_k|
// and Z_k = g_k X_k / |X_k|, d(loss)/db_m = sum_(k=0..N/2) Re(Z_k e^(i th)). FFTW's
// complex-to-real transform computes Z_0 + Z_(N/2) (-1)^m + 2 sum_(0<k<N/2) Re(Z_k e^(i th)),
// so the inner bins go in halved; then d(loss)/dx = window x d(loss)/db.
#include "dsp/cn_mrstft_loss.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>

#include "dsp/cn_fft.h"
#include "dsp/cn_mrstft.h"
#include "dsp/cn_stft.h"

enum { N_RES = CN_MRSTFT_N_SIZES };

struct cn_mrstft_loss {
    cn_stft *stft[N_RES];
    fftwf_plan back[N_RES]; // Z -> d(loss)/db, size cn_mrstft_sizes[r]
    fftwf_complex *z;       // [largest / 2 + 1]
    float *db;              // [largest size]
    float *mx, *my;         // [largest / 2 + 1] each: a frame's magnitudes in x and in y
};

void cn_mrstft_loss_destroy(cn_mrstft_loss *l) {
    if (!l) return;
    for (int r = 0; r < N_RES; r++) {
        cn_stft_destroy(l->stft[r]);
        cn_fft_destroy(l->back[r]);
    }
    fftwf_free(l->z);
    fftwf_free(l->db);
    free(l->mx);
    free(l->my);
    free(l);
}

cn_status cn_mrstft_loss_create(cn_mrstft_loss **out) {
    *out = NULL;
    cn_mrstft_loss *l = calloc(1, sizeof *l);
    if (!l) return cn_fail(CN_ERR_NOMEM, "mrstft loss: out of memory");
    const int most = cn_mrstft_sizes[N_RES - 1];
    l->z = fftwf_alloc_complex((size_t)most / 2 + 1);
    l->db = fftwf_alloc_real((size_t)most);
    l->mx = malloc(sizeof(float) * ((size_t)most / 2 + 1));
    l->my = malloc(sizeof(float) * ((size_t)most / 2 + 1));
    cn_status st = l->z && l->db && l->mx && l->my ? CN_OK : cn_fail(CN_ERR_NOMEM, "mrstft loss: out of memory");
    for (int r = 0; r < N_RES && !st; r++) {
        st = cn_stft_create(cn_mrstft_sizes[r], cn_mrstft_sizes[r] / 4, &l->stft[r]);
        if (!st) l->back[r] = cn_fft_plan_c2r(cn_mrstft_sizes[r], l->z, l->db);
        if (!st && !l->back[r]) st = cn_fail(CN_ERR_NOMEM, "mrstft loss: cannot plan FFT of size %d", cn_mrstft_sizes[r]);
    }
    if (st) {
        cn_mrstft_loss_destroy(l);
        return st;
    }
    *out = l;
    return CN_OK;
}

// One resolution's mean over frames and bins; adds `scale` x its derivative to dx.
static double mrstft_resolution(cn_mrstft_loss *l, int r, const float *x, const float *y, size_t nf, float scale,
                            float *dx) {
    cn_stft *s = l->stft[r];
    const int N = cn_mrstft_sizes[r], bins = N / 2 + 1, hop = N / 4;
    const float *w = cn_stft_window(s);
    const double per = 1.0 / ((double)nf * bins);
    float *mx = l->mx;
    double sum = 0.0;
    for (size_t f = 0; f < nf; f++) {
        cn_stft_frame(s, y, f * (size_t)hop + (size_t)N, f, l->my);
        cn_stft_frame(s, x, f * (size_t)hop + (size_t)N, f, mx);
        const float *X = cn_stft_spectrum(s);
        for (int k = 0; k < bins; k++) {
            const double d = log(mx[k] + CN_MRSTFT_EPS) - log(l->my[k] + CN_MRSTFT_EPS);
            sum += fabs(d);
            if (!dx) continue;
            // g_k / |X_k|, halved for the inner bins (see the top of the file).
            double g = mx[k] > 0.0f && d != 0.0 ? (d > 0.0 ? per : -per) / ((mx[k] + CN_MRSTFT_EPS) * mx[k]) : 0.0;
            if (k > 0 && k < N / 2) g *= 0.5;
            l->z[k][0] = (float)(g * X[2 * k]);
            l->z[k][1] = (float)(g * X[2 * k + 1]);
        }
        if (!dx) continue;
        fftwf_execute(l->back[r]);
        float *d = dx + f * (size_t)hop;
        for (int m = 0; m < N; m++) d[m] += scale * w[m] * l->db[m];
    }
    return sum * per;
}

double cn_mrstft_loss_eval(cn_mrstft_loss *l, const float *x, const float *y, size_t n, float scale, float *dx) {
    int used = 0;
    for (int r = 0; r < N_RES; r++) used += n >= (size_t)cn_mrstft_sizes[r];
    double total = 0.0;
    for (int r = 0; r < used; r++) {
        const size_t N = (size_t)cn_mrstft_sizes[r];
        total += mrstft_resolution(l, r, x, y, (n - N) / (N / 4) + 1, scale / (float)used, dx);
    }
    return used ? total / used : 0.0;
}
