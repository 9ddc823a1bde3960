// adamw.c: AdamW step (cn_adamw.h).
#include <math.h>

#include "models/nn/cn_adamw.h"
#include "models/nn/cn_nn.h"

void cn_adamw_config_default(cn_adamw_config *c) {
    c->lr = 1e-3f;
    c->beta1 = 0.9f;
    c->beta2 = 0.95f;
    c->eps = 1e-8f;
    c->weight_decay = 0.1f;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define ADAMW_HAVE_AVX2 1
// The scalar loop's operations in its order, 8 parameters at a time and without FMA, so
// the bits are the same; returns how many parameters it did (a multiple of 8).
__attribute__((target("avx2"))) static size_t adamw_avx2(const cn_adamw_config *c, float b1c,
                                                         float b2c, float wd, float *param,
                                                         const float *grad, float *m, float *v,
                                                         size_t n) {
    const __m256 b1 = _mm256_set1_ps(c->beta1), b2 = _mm256_set1_ps(c->beta2);
    const __m256 ob1 = _mm256_set1_ps(1.0f - c->beta1), ob2 = _mm256_set1_ps(1.0f - c->beta2);
    const __m256 vb1c = _mm256_set1_ps(b1c), vb2c = _mm256_set1_ps(b2c);
    const __m256 lr = _mm256_set1_ps(c->lr), eps = _mm256_set1_ps(c->eps), vwd = _mm256_set1_ps(wd);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(grad + i), p = _mm256_loadu_ps(param + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(ob1, g));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(ob2, g), g));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 mh = _mm256_div_ps(mi, vb1c), vh = _mm256_div_ps(vi, vb2c);
        __m256 u = _mm256_add_ps(_mm256_div_ps(mh, _mm256_add_ps(_mm256_sqrt_ps(vh), eps)),
                                 _mm256_mul_ps(vwd, p));
        _mm256_storeu_ps(param + i, _mm256_sub_ps(p, _mm256_mul_ps(lr, u)));
    }
    return i;
}
#endif

void cn_adamw_step(const cn_adamw_config *c, long t, int decay, float *param, const float *grad,
                   float *m, float *v, size_t n) {
    float b1c = 1.0f - powf(c->beta1, (float)t), b2c = 1.0f - powf(c->beta2, (float)t);
    float wd = decay ? c->weight_decay : 0.0f;
    size_t i = 0;
#ifdef ADAMW_HAVE_AVX2
    if (cn_nn_avx2()) i = adamw_avx2(c, b1c, b2c, wd, param, grad, m, v, n);
#endif
    for (; i < n; i++) {
        float g = grad[i];
        m[i] = c->beta1 * m[i] + (1.0f - c->beta1) * g;
        v[i] = c->beta2 * v[i] + (1.0f - c->beta2) * g * g;
        float mh = m[i] / b1c, vh = v[i] / b2c;
        param[i] -= c->lr * (mh / (sqrtf(vh) + c->eps) + wd * param[i]);
    }
}
