// cn_mrstft: multi-resolution STFT log-magnitude distance, the spectral metric of
// docs/DESIGN.md ("Metrics"). For each FFT size (default 512, 1024 and 2048, hop = size/4,
// periodic Hann) it takes the mean over frames and bins of |log(|X| + eps) - log(|Y| + eps)|
// (eps = 1e-5), then averages the resolutions. 0 means identical magnitudes; phase is
// ignored. Signals of different lengths are compared over the longer one, the shorter
// zero-padded: a missing tail or an extra one costs distance. Not real-time (allocates).
#ifndef CN_MRSTFT_H
#define CN_MRSTFT_H

#include <stddef.h>

#include "core/cn_status.h"

#define CN_MRSTFT_EPS 1e-5
#define CN_MRSTFT_N_SIZES 3
extern const int cn_mrstft_sizes[CN_MRSTFT_N_SIZES]; // the default FFT sizes, ascending

cn_status cn_mrstft_distance(const float *x, size_t nx, const float *y, size_t ny, double *out);
// Same with chosen FFT sizes (hop = size / 4) and eps.
cn_status cn_mrstft_distance_ex(const float *x, size_t nx, const float *y, size_t ny,
                                const int *sizes, int n_sizes, double eps, double *out);

#endif
