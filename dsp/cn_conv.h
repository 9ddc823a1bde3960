// cn_conv: uniformly partitioned FFT convolution (overlap-save with a frequency-domain
// delay line), the engine of the reverb. The impulse response is cut into partitions
// of `block` samples; every `block` input samples cost one FFT of 2*block, one complex
// multiply-add per partition and one inverse FFT. The output is delayed by exactly
// `block` samples:  y[n] = sum_k h[k] x[n - block - k].
// (The reverb hides that latency inside its pre-delay.)
// create() allocates everything for IRs up to max_ir samples; set_ir(), reset() and
// process() never allocate, lock or print.
#ifndef CN_CONV_H
#define CN_CONV_H

#include "core/cn_status.h"

typedef struct cn_conv cn_conv;

// block: partition size, a power of two in 8..8192.
cn_status cn_conv_create(int block, int max_ir, cn_conv **out);
void cn_conv_destroy(cn_conv *c);

// Load h[0..n-1] (n <= max_ir; longer is cut) and clear the history. No allocation.
void cn_conv_set_ir(cn_conv *c, const float *h, int n);
void cn_conv_reset(cn_conv *c); // clear the history (input and pending output)
int cn_conv_latency(const cn_conv *c);

// out[i] = convolution output for in[i]'s time step; in == out allowed. Any n >= 0.
void cn_conv_process(cn_conv *c, const float *in, float *out, int n);

#endif
