// adamw.c: AdamW step (cn_adamw.h).
#include <math.h>

#include "cn_adamw.h"

void cn_adamw_config_default(cn_adamw_config *c) {
    c->lr = 1e-3f;
    c->beta1 = 0.9f;
    c->beta2 = 0.95f;
    c->eps = 1e-8f;
    c->weight_decay = 0.1f;
}

void cn_adamw_step(const cn_adamw_config *c, long t, int decay, float *param, const float *grad,
                   float *m, float *v, size_t n) {
    float b1c = 1.0f - powf(c->beta1, (float)t), b2c = 1.0f - powf(c->beta2, (float)t);
    float wd = decay ? c->weight_decay : 0.0f;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * g;
        v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * g * g;
        float mh = m[i] / b1c, vh = v[i] / b2c;
        param[i] -= c->lr * (mh / (sqrtf(vh) + c->eps) + wd * param[i]);
    }
}
