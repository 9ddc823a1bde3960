// cn_wn_half: reduced-precision weights for the WaveNet's generation. Generation of a large
// network is bound by streaming its weights (the 64/64/128 comparison network's 2.8 MB of
// floats do not fit in one core's L2), so large networks keep them in 16 bits:
//  - IEEE half (binary16), widened to float in the kernel, all arithmetic in float: results
//    are those of the float kernel on the rounded weights (any AVX-512 CPU);
//  - bfloat16 in column pairs for VDPBF16PS (AVX512-BF16): the input vector is rounded to
//    bfloat16 too and each instruction adds two products per float lane; no conversion of
//    the weights at all. cn_wn_matvec_bf16_ref is the instruction's scalar twin.
//  - int8 in column quads for VPDPBUSD (AVX512-VNNI): each weight row scaled to +-127
//    (one float scale per row), the input vector scaled to +-127 at every product (one
//    scale per vector) and offset by 128 to the unsigned bytes the instruction takes; the
//    sums are exact integers, so the kernel and its scalar twin agree bit for bit.
// Round to nearest even. Portable C except cn_wn_matvec_bf16 / _i8 (the kernels when the
// CPU has them).
#ifndef CN_WN_HALF_H
#define CN_WN_HALF_H

#include <stdint.h>

// Half: values beyond the range saturate to +-65504, below it become subnormals or zero.
uint16_t cn_f32_to_f16(float x);
float cn_f16_to_f32(uint16_t h); // exact
static inline float cn_f16_round(float x) { return cn_f16_to_f32(cn_f32_to_f16(x)); }

// bfloat16: the float's top 16 bits, rounded to nearest even (NaN stays NaN; subnormal
// floats become signed zeros, as VCVTNE2PS2BF16 converts them).
uint16_t cn_f32_to_bf16(float x);
float cn_bf16_to_f32(uint16_t b); // exact

// Pack wt ([cols][rows] floats, the generator's transposed layout) as bf16 column pairs:
// dst[p * rows + r] = bf16(wt[2p][r]) | bf16(wt[2p + 1][r]) << 16 for p < ceil(cols / 2)
// (the missing column of an odd count is zero).
void cn_wn_bf16_pack(uint32_t *dst, const float *wt, int rows, int cols);
// x[cols] as bf16 pairs the same way: dst[p] = bf16(x[2p]) | bf16(x[2p + 1]) << 16.
void cn_wn_bf16_pairs(uint32_t *dst, const float *x, int cols);
static inline int cn_wn_bf16_npairs(int cols) { return (cols + 1) / 2; }
// y[r] += sum over pairs of both products, exactly as VDPBF16PS computes each lane: the
// high element's product first, then the low one's, each an FMA rounded to nearest even,
// bf16 inputs that are subnormal read as zero and subnormal results flushed to zero.
void cn_wn_matvec_bf16_ref(float *y, const uint32_t *wp, const uint32_t *xp, int rows, int cols);
// The same through the AVX512-BF16 kernel when the CPU has it (cn_wn_has_bf16), else the twin.
void cn_wn_matvec_bf16(float *y, const uint32_t *wp, const uint32_t *xp, int rows, int cols);
int cn_wn_has_bf16(void);

// int8: wt ([cols][rows] floats) as quads dst[q * rows + r] = bytes i8(wt[4q + j][r] /
// scale[r]) for j = 0..3 (low byte first; missing columns zero), scale[r] = max_k
// |wt[k][r]| / 127, and rsum[r] = the row's sum of int8 weights (for the offset).
static inline int cn_wn_i8_nquads(int cols) { return (cols + 3) / 4; }
void cn_wn_i8_pack(uint32_t *dst, float *scale, int32_t *rsum, const float *wt, int rows, int cols);
// x[cols] as unsigned quads: byte 4q + j = round(x[4q + j] * 127 / max|x|) + 128 (missing
// columns 128); returns the vector's scale max|x| / 127 (0 for a zero vector). _ref is the
// scalar twin of the AVX-512 conversion (the same bytes).
float cn_wn_i8_quads(uint32_t *dst, const float *x, int cols);
float cn_wn_i8_quads_ref(uint32_t *dst, const float *x, int cols);
// y[r] = fma((float)(sum_k xq_k w_k - 128 rsum[r]), scale[r] * xscale, y[r]).
void cn_wn_matvec_i8_ref(float *y, const uint32_t *wq, const float *scale, const int32_t *rsum, const uint32_t *xq,
                         float xscale, int rows, int cols);
// The same through the AVX512-VNNI kernel when the CPU has it (cn_wn_has_vnni), else the twin.
void cn_wn_matvec_i8(float *y, const uint32_t *wq, const float *scale, const int32_t *rsum, const uint32_t *xq,
                     float xscale, int rows, int cols);
int cn_wn_has_vnni(void);

#endif
