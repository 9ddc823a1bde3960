// cn_wn_half: IEEE 754 half-precision (binary16) conversions for the WaveNet's weights.
// Generation of a large network is bound by streaming its weights from memory (the 64/64/128
// comparison network's 2.8 MB of floats do not fit in one core's L2); stored as halves they
// take half the bytes and are widened back to float in the kernel, where all arithmetic
// stays in float. Round to nearest even; values beyond the half range saturate to +-65504,
// below it they become subnormals or zero. Portable C (used once per stream, not per sample).
#ifndef CN_WN_HALF_H
#define CN_WN_HALF_H

#include <stdint.h>

uint16_t cn_f32_to_f16(float x);
float cn_f16_to_f32(uint16_t h); // exact
// x rounded to the nearest half, as a float.
static inline float cn_f16_round(float x) { return cn_f16_to_f32(cn_f32_to_f16(x)); }

#endif
