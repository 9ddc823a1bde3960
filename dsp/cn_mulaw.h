// cn_mulaw: 8-bit mu-law companding (mu = 255, 256 levels) between float samples in
// [-1, 1] and the class indices 0..255 that the WaveNet predicts. Encoding clamps to
// [-1, 1]; decoding returns the centre of each level, so decode(encode(x)) is within
// half a quantization step of x (half a step is about 0.0001 near 0 and
// 0.022 near full scale). Pure functions: no state, safe on any thread.
#ifndef CN_MULAW_H
#define CN_MULAW_H

#include <stddef.h>
#include <stdint.h>

#define CN_MULAW_LEVELS 256

uint8_t cn_mulaw_encode(float x);
float cn_mulaw_decode(uint8_t q);
// The same curve at a fractional level q in [0, 255] (cn_mulaw_decode(q) for whole q):
// values between two levels' centres.
float cn_mulaw_decode_level(float q);

void cn_mulaw_encode_buf(const float *x, uint8_t *q, size_t n);
void cn_mulaw_decode_buf(const uint8_t *q, float *x, size_t n);

#endif
