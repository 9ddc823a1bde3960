// cn_mrstft_loss: the multi-resolution STFT distance (cn_mrstft.h: its default FFT sizes,
// 512, 1024 and 2048, hop = size / 4, periodic Hann, mean |log(|X| + eps) - log(|Y| + eps)|, eps
// 1e-5) as a training loss, with its derivative by each sample of x. It takes only the
// whole frames of the n samples (no zero padding: x is a window of a longer signal whose
// edges should not cost anything), averages the resolutions with at least one frame, and
// is 0 when none has one. Plans FFTs at create (cn_fft.h); an instance then serves one
// thread.
#ifndef CN_MRSTFT_LOSS_H
#define CN_MRSTFT_LOSS_H

#include <stddef.h>

#include "core/cn_status.h"

typedef struct cn_mrstft_loss cn_mrstft_loss;

cn_status cn_mrstft_loss_create(cn_mrstft_loss **out);
void cn_mrstft_loss_destroy(cn_mrstft_loss *l);

// The distance of x[0..n) to y[0..n); adds scale x its derivative by x[i] to dx[i] (dx
// NULL: the distance only). A bin where x's magnitude is 0 passes no derivative.
double cn_mrstft_loss_eval(cn_mrstft_loss *l, const float *x, const float *y, size_t n, float scale, float *dx);

#endif
