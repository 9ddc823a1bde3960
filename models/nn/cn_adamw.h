// cn_adamw: the AdamW optimizer (Loshchilov & Hutter 2019) over a flat parameter array,
// with bias correction and decoupled weight decay. Models keep parameters, gradients
// and the two moment buffers as flat arrays (STYLE.md lesson 2), so one call updates a
// whole tensor family; call it once per range when some tensors (norms, biases,
// embeddings) take no weight decay.
#ifndef CN_ADAMW_H
#define CN_ADAMW_H

#include <stddef.h>

typedef struct cn_adamw_config {
    float lr;           // learning rate of this step (from cn_lr_schedule, cn_nn.h)
    float beta1, beta2; // moment decay rates
    float eps;
    float weight_decay; // decoupled: param -= lr * weight_decay * param
} cn_adamw_config;

// lr 1e-3, betas 0.9 / 0.95, eps 1e-8, weight decay 0.1.
void cn_adamw_config_default(cn_adamw_config *c);

// One update of n parameters. t is the 1-based step count (for bias correction);
// decay = 0 skips the weight decay for this range. m and v start zeroed. Runs 8 lanes at
// a time on AVX2 machines with the same bits as the scalar loop (cn_nn_avx2, cn_nn.h).
void cn_adamw_step(const cn_adamw_config *c, long t, int decay, float *param, const float *grad,
                   float *m, float *v, size_t n);

#endif
