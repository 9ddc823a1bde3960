// stft.c: STFT magnitude frames (cn_stft.h).
#include "dsp/cn_stft.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_fft.h"

struct cn_stft {
    int n_fft, hop;
    float *win;         // [n_fft] periodic Hann
    float *buf;         // [n_fft] windowed frame
    fftwf_complex *spec; // [n_fft/2+1]
    fftwf_plan plan;
};

void cn_stft_destroy(cn_stft *s) {
    if (!s) return;
    cn_fft_destroy(s->plan);
    free(s->win);
    fftwf_free(s->buf);
    fftwf_free(s->spec);
    free(s);
}

cn_status cn_stft_create(int n_fft, int hop, cn_stft **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    if (n_fft < 4 || n_fft % 2 || n_fft > (1 << 24) || hop < 1)
        return cn_fail(CN_ERR_ARG, "stft: bad FFT size %d or hop %d (even size >= 4, hop >= 1)",
                       n_fft, hop);
    cn_stft *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "stft: out of memory");
    s->n_fft = n_fft;
    s->hop = hop;
    s->win = malloc(sizeof(float) * (size_t)n_fft);
    s->buf = fftwf_alloc_real((size_t)n_fft);
    s->spec = fftwf_alloc_complex((size_t)(n_fft / 2 + 1));
    if (!s->win || !s->buf || !s->spec) {
        cn_stft_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "stft: out of memory for FFT size %d", n_fft);
    }
    // FFTW_ESTIMATE: planning does not time anything, so results are reproducible.
    s->plan = cn_fft_plan_r2c(n_fft, s->buf, s->spec);
    if (!s->plan) {
        cn_stft_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "stft: cannot plan FFT of size %d", n_fft);
    }
    for (int i = 0; i < n_fft; i++) s->win[i] = (float)(0.5 - 0.5 * cos(2.0 * M_PI * i / n_fft));
    *out = s;
    return CN_OK;
}

int cn_stft_bins(const cn_stft *s) { return s->n_fft / 2 + 1; }

size_t cn_stft_n_frames(const cn_stft *s, size_t n) { return n ? (n - 1) / (size_t)s->hop + 1 : 0; }

const float *cn_stft_window(const cn_stft *s) { return s->win; }

void cn_stft_frame(cn_stft *s, const float *x, size_t n, size_t frame, float *mag) {
    size_t start = frame * (size_t)s->hop;
    size_t avail = start < n ? n - start : 0;
    if (avail > (size_t)s->n_fft) avail = (size_t)s->n_fft;
    for (size_t i = 0; i < avail; i++) s->buf[i] = x[start + i] * s->win[i];
    memset(s->buf + avail, 0, sizeof(float) * ((size_t)s->n_fft - avail));
    fftwf_execute(s->plan);
    for (int k = 0; k <= s->n_fft / 2; k++) mag[k] = hypotf(s->spec[k][0], s->spec[k][1]);
}

const float *cn_stft_spectrum(const cn_stft *s) { return (const float *)s->spec; }

void cn_stft_magnitude(cn_stft *s, const float *x, size_t n, float *mag) {
    size_t nf = cn_stft_n_frames(s, n);
    size_t bins = (size_t)cn_stft_bins(s);
    for (size_t f = 0; f < nf; f++) cn_stft_frame(s, x, n, f, mag + f * bins);
}
