// wn_half.c: float <-> half conversions (cn_wn_half.h).
#include "models/wavenet/cn_wn_half.h"

#include <math.h>
#include <string.h>

uint16_t cn_f32_to_f16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    if (isnan(x)) return (uint16_t)(sign | 0x7e00u);
    const float a = fabsf(x);
    if (a >= 65520.0f) return (uint16_t)(sign | 0x7bffu); // saturate (65520 would round to inf)
    if (a < 6.103515625e-05f) {                           // subnormal half: units of 2^-24
        float q = nearbyintf(a * 16777216.0f);             // round to nearest even (default mode)
        return (uint16_t)(sign | (uint16_t)q);             // q == 1024 is the smallest normal: right bits
    }
    uint32_t mag = u & 0x7fffffffu;
    uint32_t mant = mag & 0x7fffffu, exp = (mag >> 23) - 127 + 15;
    uint32_t h = (exp << 10) | (mant >> 13), rest = mant & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++; // carries into the exponent correctly
    return (uint16_t)(sign | h);
}

float cn_f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    float v;
    if (exp == 0) {
        v = ldexpf((float)mant, -24);
    } else if (exp == 31) {
        v = mant ? NAN : INFINITY;
    } else {
        uint32_t u = ((exp - 15 + 127) << 23) | (mant << 13);
        memcpy(&v, &u, sizeof v);
    }
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    u |= sign;
    memcpy(&v, &u, sizeof v);
    return v;
}

uint16_t cn_f32_to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if (isnan(x)) return (uint16_t)((u >> 16) | 0x40u);
    if (fpclassify(x) == FP_SUBNORMAL) return (uint16_t)((u >> 16) & 0x8000u); // as VCVTNE2PS2BF16
    u += 0x7fffu + ((u >> 16) & 1u); // round to nearest even (may carry into the exponent: right)
    return (uint16_t)(u >> 16);
}

float cn_bf16_to_f32(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void cn_wn_bf16_pack(uint32_t *dst, const float *wt, int rows, int cols) {
    for (int p = 0; p < cn_wn_bf16_npairs(cols); p++)
        for (int r = 0; r < rows; r++) {
            uint32_t lo = cn_f32_to_bf16(wt[(size_t)(2 * p) * rows + r]);
            uint32_t hi = 2 * p + 1 < cols ? cn_f32_to_bf16(wt[(size_t)(2 * p + 1) * rows + r]) : 0u;
            dst[(size_t)p * rows + r] = lo | hi << 16;
        }
}

void cn_wn_bf16_pairs(uint32_t *dst, const float *x, int cols) {
    for (int p = 0; p < cn_wn_bf16_npairs(cols); p++) {
        uint32_t lo = cn_f32_to_bf16(x[2 * p]), hi = 2 * p + 1 < cols ? cn_f32_to_bf16(x[2 * p + 1]) : 0u;
        dst[p] = lo | hi << 16;
    }
}

// A bf16 as the instruction reads it (subnormals as zero) and a result as it writes it.
static float bf16_daz(uint16_t b) { return (b & 0x7f80u) ? cn_bf16_to_f32(b) : 0.0f * cn_bf16_to_f32(b); }
static float ftz(float x) { return fpclassify(x) == FP_SUBNORMAL ? copysignf(0.0f, x) : x; }

void cn_wn_matvec_bf16_ref(float *y, const uint32_t *wp, const uint32_t *xp, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float acc = ftz(y[r]);
        for (int p = 0; p < cn_wn_bf16_npairs(cols); p++) {
            const uint32_t w = wp[(size_t)p * rows + r], x = xp[p];
            acc = ftz(fmaf(bf16_daz((uint16_t)(w >> 16)), bf16_daz((uint16_t)(x >> 16)), acc));
            acc = ftz(fmaf(bf16_daz((uint16_t)w), bf16_daz((uint16_t)x), acc));
        }
        y[r] = acc;
    }
}

// ---- int8 ----

void cn_wn_i8_pack(uint32_t *dst, float *scale, int32_t *rsum, const float *wt, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float m = 0.0f;
        for (int c = 0; c < cols; c++) m = fmaxf(m, fabsf(wt[(size_t)c * rows + r]));
        scale[r] = m / 127.0f;
        const float inv = m > 0.0f ? 127.0f / m : 0.0f;
        int32_t sum = 0;
        for (int q = 0; q < cn_wn_i8_nquads(cols); q++) {
            uint32_t word = 0;
            for (int j = 0; j < 4 && 4 * q + j < cols; j++) {
                float v = nearbyintf(wt[(size_t)(4 * q + j) * rows + r] * inv);
                int b = v > 127.0f ? 127 : v < -127.0f ? -127 : (int)v;
                sum += b;
                word |= (uint32_t)(uint8_t)(int8_t)b << (8 * j);
            }
            dst[(size_t)q * rows + r] = word;
        }
        rsum[r] = sum;
    }
}

float cn_wn_i8_quads_ref(uint32_t *dst, const float *x, int cols) {
    float m = 0.0f;
    for (int c = 0; c < cols; c++) m = fmaxf(m, fabsf(x[c]));
    const float inv = m > 0.0f ? 127.0f / m : 0.0f;
    for (int q = 0; q < cn_wn_i8_nquads(cols); q++) {
        uint32_t word = 0;
        for (int j = 0; j < 4; j++) {
            int b = 128;
            if (4 * q + j < cols) {
                float v = nearbyintf(x[4 * q + j] * inv);
                b += v > 127.0f ? 127 : v < -127.0f ? -127 : (int)v;
            }
            word |= (uint32_t)b << (8 * j);
        }
        dst[q] = word;
    }
    return m / 127.0f;
}

void cn_wn_matvec_i8_ref(float *y, const uint32_t *wq, const float *scale, const int32_t *rsum, const uint32_t *xq,
                         float xscale, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        int32_t acc = 0;
        for (int q = 0; q < cn_wn_i8_nquads(cols); q++)
            for (int j = 0; j < 4; j++)
                acc += (int32_t)((xq[q] >> (8 * j)) & 0xffu) * (int8_t)(uint8_t)(wq[(size_t)q * rows + r] >> (8 * j));
        y[r] = fmaf((float)(acc - 128 * rsum[r]), scale[r] * xscale, y[r]);
    }
}
