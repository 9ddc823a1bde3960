// yin.c: YIN f0 estimation (cn_yin.h). The difference function
//   d(tau) = sum_{j<W} (x_j - x_{j+tau})^2 = e(0) + e(tau) - 2 r(tau)
// takes its energies e from prefix sums and the correlation r from one real FFT
// cross-correlation of the first W samples with the whole frame (size >= W + tau_max,
// so the circular correlation equals the linear one for every lag we read).
#include "dsp/cn_yin.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_fft.h"

struct cn_yin {
    cn_yin_config cfg;
    int w, tau_min, tau_max, len, nfft;
    float *a, *b;                 // [nfft] windowed head (zero padded), whole frame
    fftwf_complex *fa, *fb;       // [nfft/2+1] spectra
    float *corr;                  // [nfft] cross-correlation r(tau) * nfft
    double *cum;                  // [len+1] prefix sums of x^2
    float *d, *dn;                 // [tau_max+2] difference function, its CMND
    float *frame;                 // [len] scratch for cn_yin_analyze
    fftwf_plan pa, pb, pinv;
};

cn_yin_config cn_yin_config_default(double rate) {
    cn_yin_config c = {rate, 0.010, 0.025, 50.0, 2000.0, 0.10, 0.35, -60.0};
    return c;
}

void cn_yin_destroy(cn_yin *y) {
    if (!y) return;
    cn_fft_destroy(y->pa);
    cn_fft_destroy(y->pb);
    cn_fft_destroy(y->pinv);
    fftwf_free(y->a);
    fftwf_free(y->b);
    fftwf_free(y->fa);
    fftwf_free(y->fb);
    fftwf_free(y->corr);
    free(y->cum);
    free(y->d);
    free(y->dn);
    free(y->frame);
    free(y);
}

cn_status cn_yin_create(const cn_yin_config *cfg, cn_yin **out) {
    cn_return_val_if_fail(cfg && out, CN_ERR_ARG);
    *out = NULL;
    if (!(cfg->rate >= 1000.0 && cfg->rate <= 384000.0))
        return cn_fail(CN_ERR_ARG, "yin: sample rate %g Hz out of range 1000..384000", cfg->rate);
    if (!(cfg->fmin > 0.0 && cfg->fmax > cfg->fmin && cfg->fmax <= cfg->rate / 4.0))
        return cn_fail(CN_ERR_ARG, "yin: bad f0 range %g..%g Hz at %g Hz", cfg->fmin, cfg->fmax,
                       cfg->rate);
    if (!(cfg->hop_s > 0.0 && cfg->window_s > 0.0 && cfg->window_s < 1.0))
        return cn_fail(CN_ERR_ARG, "yin: bad hop %g s or window %g s", cfg->hop_s, cfg->window_s);
    cn_yin *y = calloc(1, sizeof *y);
    if (!y) return cn_fail(CN_ERR_NOMEM, "yin: out of memory");
    y->cfg = *cfg;
    y->w = (int)lround(cfg->window_s * cfg->rate);
    y->tau_max = (int)ceil(cfg->rate / cfg->fmin);
    y->tau_min = (int)floor(cfg->rate / cfg->fmax);
    if (y->tau_min < 2) y->tau_min = 2;
    if (y->w < 4) y->w = 4;
    y->len = y->w + y->tau_max + 1; // +1: parabolic interpolation reads tau_max+1
    y->nfft = 1;
    while (y->nfft < y->len) y->nfft *= 2;
    int nb = y->nfft / 2 + 1;
    y->a = fftwf_alloc_real((size_t)y->nfft);
    y->b = fftwf_alloc_real((size_t)y->nfft);
    y->corr = fftwf_alloc_real((size_t)y->nfft);
    y->fa = fftwf_alloc_complex((size_t)nb);
    y->fb = fftwf_alloc_complex((size_t)nb);
    y->cum = malloc(sizeof(double) * (size_t)(y->len + 1));
    y->d = malloc(sizeof(float) * (size_t)(y->tau_max + 2));
    y->dn = malloc(sizeof(float) * (size_t)(y->tau_max + 2));
    y->frame = malloc(sizeof(float) * (size_t)y->len);
    if (!y->a || !y->b || !y->corr || !y->fa || !y->fb || !y->cum || !y->d || !y->dn || !y->frame) {
        cn_yin_destroy(y);
        return cn_fail(CN_ERR_NOMEM, "yin: out of memory");
    }
    // FFTW_ESTIMATE: no timing-dependent planning, so results are reproducible.
    y->pa = cn_fft_plan_r2c(y->nfft, y->a, y->fa);
    y->pb = cn_fft_plan_r2c(y->nfft, y->b, y->fb);
    y->pinv = cn_fft_plan_c2r(y->nfft, y->fa, y->corr);
    if (!y->pa || !y->pb || !y->pinv) {
        cn_yin_destroy(y);
        return cn_fail(CN_ERR_NOMEM, "yin: cannot plan FFT of size %d", y->nfft);
    }
    *out = y;
    return CN_OK;
}

int cn_yin_frame_length(const cn_yin *y) { return y->len; }

size_t cn_yin_n_frames(const cn_yin *y, size_t n) {
    if (n == 0) return 0;
    return (size_t)floor((double)(n - 1) / (y->cfg.hop_s * y->cfg.rate)) + 1;
}

// Difference function d[1..tau_max+1] of frame x[0..len-1]; returns the head's energy.
static double difference(cn_yin *y, const float *x) {
    int w = y->w, n = y->nfft, nb = n / 2 + 1;
    memset(y->a, 0, sizeof(float) * (size_t)n);
    memcpy(y->a, x, sizeof(float) * (size_t)w);
    memset(y->b, 0, sizeof(float) * (size_t)n);
    memcpy(y->b, x, sizeof(float) * (size_t)y->len);
    fftwf_execute(y->pa);
    fftwf_execute(y->pb);
    // r(tau) = sum_j a_j b_{j+tau}  <=>  IFFT(conj(A) * B)
    for (int k = 0; k < nb; k++) {
        float ar = y->fa[k][0], ai = y->fa[k][1], br = y->fb[k][0], bi = y->fb[k][1];
        y->fa[k][0] = ar * br + ai * bi;
        y->fa[k][1] = ar * bi - ai * br;
    }
    fftwf_execute(y->pinv);
    y->cum[0] = 0.0;
    for (int j = 0; j < y->len; j++) y->cum[j + 1] = y->cum[j] + (double)x[j] * x[j];
    double e0 = y->cum[w];
    for (int tau = 1; tau <= y->tau_max + 1; tau++) {
        double et = y->cum[tau + w] - y->cum[tau];
        double dt = e0 + et - 2.0 * (double)y->corr[tau] / n;
        y->d[tau] = dt > 0.0 ? (float)dt : 0.0f; // FFT rounding can dip below 0
    }
    return e0;
}

float cn_yin_estimate(cn_yin *y, const float *x, float *cmnd) {
    if (cmnd) *cmnd = 1.0f;
    double e0 = difference(y, x);
    double rms = sqrt(e0 / y->w);
    if (rms < pow(10.0, y->cfg.silence_db / 20.0)) return 0.0f;
    // Cumulative mean normalised difference, d'(tau) = d(tau) tau / sum d(1..tau).
    double run = 0.0;
    const float *d0 = y->d;
    float *d = y->dn;
    for (int tau = 1; tau <= y->tau_max + 1; tau++) {
        run += d0[tau];
        d[tau] = run > 0.0 ? (float)(d0[tau] * tau / run) : 1.0f;
    }
    // First dip under the threshold, followed down to its local minimum; else the global one.
    int best = -1;
    for (int tau = y->tau_min; tau <= y->tau_max; tau++) {
        if (d[tau] < y->cfg.threshold) {
            while (tau + 1 <= y->tau_max && d[tau + 1] < d[tau]) tau++;
            best = tau;
            break;
        }
    }
    if (best < 0) {
        best = y->tau_min;
        for (int tau = y->tau_min + 1; tau <= y->tau_max; tau++)
            if (d[tau] < d[best]) best = tau;
    }
    if (cmnd) *cmnd = d[best];
    if (d[best] > y->cfg.voicing) return 0.0f;
    // Parabolic interpolation of the raw difference function (less biased than the CMND).
    double l = d0[best - 1], c = d0[best], r = d0[best + 1], den = l - 2.0 * c + r;
    double shift = den > 0.0 ? 0.5 * (l - r) / den : 0.0;
    if (shift > 0.5) shift = 0.5;
    if (shift < -0.5) shift = -0.5;
    return (float)(y->cfg.rate / (best + shift));
}

void cn_yin_analyze(cn_yin *y, const float *x, size_t n, float *f0) {
    size_t nf = cn_yin_n_frames(y, n);
    long half = (y->w + y->tau_max) / 2;
    for (size_t i = 0; i < nf; i++) {
        long centre = lround((double)i * y->cfg.hop_s * y->cfg.rate);
        long s = centre - half;
        for (long j = 0; j < y->len; j++) {
            long k = s + j;
            y->frame[j] = (k >= 0 && k < (long)n) ? x[k] : 0.0f;
        }
        f0[i] = cn_yin_estimate(y, y->frame, NULL);
    }
}

cn_status cn_yin_track(const cn_yin_config *cfg, const float *x, size_t n, float **f0,
                       size_t *n_frames) {
    cn_return_val_if_fail(cfg && (x || n == 0) && f0 && n_frames, CN_ERR_ARG);
    *f0 = NULL;
    *n_frames = 0;
    cn_yin *y;
    cn_status st = cn_yin_create(cfg, &y);
    if (st) return st;
    size_t nf = cn_yin_n_frames(y, n);
    float *out = malloc(sizeof(float) * (nf ? nf : 1));
    if (!out) {
        cn_yin_destroy(y);
        return cn_fail(CN_ERR_NOMEM, "yin: out of memory for %zu frames", nf);
    }
    cn_yin_analyze(y, x, n, out);
    cn_yin_destroy(y);
    *f0 = out;
    *n_frames = nf;
    return CN_OK;
}
