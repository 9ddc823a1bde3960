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
