// mrstft.c: multi-resolution STFT log-magnitude distance (cn_mrstft.h), frame by frame
// so memory stays at a few FFT frames whatever the signal length.
#include "dsp/cn_mrstft.h"

#include <math.h>
#include <stdlib.h>

#include "dsp/cn_stft.h"

const int cn_mrstft_sizes[CN_MRSTFT_N_SIZES] = {512, 1024, 2048};

cn_status cn_mrstft_distance(const float *x, size_t nx, const float *y, size_t ny, double *out) {
    return cn_mrstft_distance_ex(x, nx, y, ny, cn_mrstft_sizes, CN_MRSTFT_N_SIZES, CN_MRSTFT_EPS, out);
}

cn_status cn_mrstft_distance_ex(const float *x, size_t nx, const float *y, size_t ny,
                                const int *sizes, int n_sizes, double eps, double *out) {
    cn_return_val_if_fail((x || nx == 0) && (y || ny == 0) && sizes && n_sizes > 0 && out,
                          CN_ERR_ARG);
    cn_return_val_if_fail(eps > 0.0, CN_ERR_ARG);
    *out = 0.0;
    size_t n = nx > ny ? nx : ny;
    if (n == 0) return CN_OK;
    double total = 0.0;
    for (int r = 0; r < n_sizes; r++) {
        cn_stft *s;
        cn_status st = cn_stft_create(sizes[r], sizes[r] / 4 > 0 ? sizes[r] / 4 : 1, &s);
        if (st) return st;
        int bins = cn_stft_bins(s);
        float *mx = malloc(sizeof(float) * 2 * (size_t)bins);
        if (!mx) {
            cn_stft_destroy(s);
            return cn_fail(CN_ERR_NOMEM, "mrstft: out of memory");
        }
        float *my = mx + bins;
        size_t nf = cn_stft_n_frames(s, n);
        double sum = 0.0;
        for (size_t f = 0; f < nf; f++) {
            cn_stft_frame(s, x, nx, f, mx);
            cn_stft_frame(s, y, ny, f, my);
            for (int k = 0; k < bins; k++) sum += fabs(log(mx[k] + eps) - log(my[k] + eps));
        }
        total += sum / ((double)nf * bins);
        free(mx);
        cn_stft_destroy(s);
    }
    *out = total / n_sizes;
    return CN_OK;
}
