// mulaw.c: mu-law 256 companding (cn_mulaw.h), the WaveNet's sample representation:
// y = sign(x) ln(1 + mu|x|) / ln(1 + mu), then y in [-1, 1] is split into 256 equal
// bins. Decoding inverts the curve at each bin's centre.
#include "dsp/cn_mulaw.h"

#include <math.h>

#define MU 255.0f

uint8_t cn_mulaw_encode(float x) {
    if (!(x > -1.0f)) x = -1.0f; // NaN goes to -1 too: never an out-of-range index
    if (x > 1.0f) x = 1.0f;
    float y = copysignf(log1pf(MU * fabsf(x)) / log1pf(MU), x);
    int q = (int)floorf((y + 1.0f) * 0.5f * CN_MULAW_LEVELS);
    if (q > CN_MULAW_LEVELS - 1) q = CN_MULAW_LEVELS - 1; // y == 1 exactly
    return (uint8_t)q;
}

float cn_mulaw_decode_level(float q) {
    float y = (q + 0.5f) / CN_MULAW_LEVELS * 2.0f - 1.0f;
    return copysignf(expm1f(fabsf(y) * log1pf(MU)) / MU, y);
}

float cn_mulaw_decode(uint8_t q) { return cn_mulaw_decode_level((float)q); }

void cn_mulaw_encode_buf(const float *x, uint8_t *q, size_t n) {
    for (size_t i = 0; i < n; i++) q[i] = cn_mulaw_encode(x[i]);
}

void cn_mulaw_decode_buf(const uint8_t *q, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = cn_mulaw_decode(q[i]);
}
