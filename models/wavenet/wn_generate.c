// wn_generate.c: WaveNet generation (cn_wavenet.h). The cached stream keeps, per layer, a
// queue of the last d residual vectors (fast-wavenet), so one sample costs O(layers) small
// matrix-vector products and allocates nothing. The naive reference recomputes every
// position of the receptive field for each sample with the same per-position kernels, so
// the two agree bit for bit. Weights are kept transposed ([in][out]) for the axpy-form
// matvec, which vectorises without reordering sums.
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mulaw.h"
#include "models/nn/cn_rng.h"
#include "models/nn/cn_parallel.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_half.h"

// ---- kernels ------------------------------------------------------------------------------------

static void wn_matvec_generic(float *restrict y, const float *restrict wt, const float *restrict x,
                              int rows, int cols) {
    for (int c = 0; c < cols; c++) {
        const float xc = x[c];
        const float *restrict w = wt + (size_t)c * rows;
        for (int r = 0; r < rows; r++) y[r] += w[r] * xc;
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define WN_HAVE_AVX2 1
// AVX2 + FMA: 32 rows at a time in four accumulators that stay in registers over all
// columns (the portable build targets plain x86-64, so this is chosen at run time).
__attribute__((target("avx2,fma"))) static void wn_matvec_avx2(float *y, const float *wt,
                                                               const float *x, int rows, int cols) {
    int r = 0;
    for (; r + 32 <= rows; r += 32) {
        __m256 a0 = _mm256_loadu_ps(y + r), a1 = _mm256_loadu_ps(y + r + 8),
               a2 = _mm256_loadu_ps(y + r + 16), a3 = _mm256_loadu_ps(y + r + 24);
        for (int c = 0; c < cols; c++) {
            const float *w = wt + (size_t)c * rows + r;
            __m256 xv = _mm256_set1_ps(x[c]);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w), xv, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + 8), xv, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + 16), xv, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + 24), xv, a3);
        }
        _mm256_storeu_ps(y + r, a0);
        _mm256_storeu_ps(y + r + 8, a1);
        _mm256_storeu_ps(y + r + 16, a2);
        _mm256_storeu_ps(y + r + 24, a3);
    }
    for (; r + 8 <= rows; r += 8) {
        __m256 a = _mm256_loadu_ps(y + r);
        for (int c = 0; c < cols; c++)
            a = _mm256_fmadd_ps(_mm256_loadu_ps(wt + (size_t)c * rows + r), _mm256_set1_ps(x[c]), a);
        _mm256_storeu_ps(y + r, a);
    }
    for (; r < rows; r++) {
        float a = y[r];
        for (int c = 0; c < cols; c++) a = fmaf(wt[(size_t)c * rows + r], x[c], a);
        y[r] = a;
    }
}

// AVX-512: 64 rows at a time in four 16-wide accumulators, then 16 at a time, then a
// masked tail; used when the CPU has AVX-512F (the weights of one layer stay in L1/L2).
__attribute__((target("avx512f"))) static void wn_matvec_avx512(float *y, const float *wt,
                                                                const float *x, int rows, int cols) {
    int r = 0;
    for (; r + 64 <= rows; r += 64) {
        __m512 a0 = _mm512_loadu_ps(y + r), a1 = _mm512_loadu_ps(y + r + 16),
               a2 = _mm512_loadu_ps(y + r + 32), a3 = _mm512_loadu_ps(y + r + 48);
        for (int c = 0; c < cols; c++) {
            const float *w = wt + (size_t)c * rows + r;
            __m512 xv = _mm512_set1_ps(x[c]);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w), xv, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 16), xv, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 32), xv, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + 48), xv, a3);
        }
        _mm512_storeu_ps(y + r, a0);
        _mm512_storeu_ps(y + r + 16, a1);
        _mm512_storeu_ps(y + r + 32, a2);
        _mm512_storeu_ps(y + r + 48, a3);
    }
    for (; r < rows; r += 16) {
        __mmask16 k = rows - r >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (rows - r)) - 1u);
        __m512 a = _mm512_maskz_loadu_ps(k, y + r);
        for (int c = 0; c < cols; c++)
            a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, wt + (size_t)c * rows + r), _mm512_set1_ps(x[c]), a);
        _mm512_mask_storeu_ps(y + r, k, a);
    }
}

// exp(x) for 8 floats: Cephes-style range reduction x = n ln2 + r and a degree-6
// polynomial (relative error ~2e-7), inputs clamped to the float range.
__attribute__((target("avx2,fma"))) static inline __m256 wn_exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// exp(x) for 16 floats: wn_exp8's operations lane for lane, so the same values bit for bit.
__attribute__((target("avx512f"))) static inline __m512 wn_exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

// For G a multiple of 8: z_f -> tanh(z_f), z_g -> sigmoid(z_g) in place, g = their product,
// with tanh(a) = 1 - 2 / (exp(2a) + 1).
__attribute__((target("avx2,fma"))) static void wn_gate_avx2(float *z, float *g, int G) {
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    for (int j = 0; j < G; j += 8) {
        __m256 zf = _mm256_loadu_ps(z + j), zg = _mm256_loadu_ps(z + G + j);
        __m256 th = _mm256_sub_ps(one, _mm256_div_ps(two, _mm256_add_ps(wn_exp8(_mm256_add_ps(zf, zf)), one)));
        __m256 sg = _mm256_div_ps(one, _mm256_add_ps(one, wn_exp8(_mm256_sub_ps(_mm256_setzero_ps(), zg))));
        _mm256_storeu_ps(z + j, th);
        _mm256_storeu_ps(z + G + j, sg);
        _mm256_storeu_ps(g + j, _mm256_mul_ps(th, sg));
    }
}

// The same for G a multiple of 16, 16 at a time (the same values as wn_gate_avx2).
__attribute__((target("avx512f"))) static void wn_gate_avx512(float *z, float *g, int G) {
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    for (int j = 0; j < G; j += 16) {
        __m512 zf = _mm512_loadu_ps(z + j), zg = _mm512_loadu_ps(z + G + j);
        __m512 th = _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(wn_exp16(_mm512_add_ps(zf, zf)), one)));
        __m512 sg = _mm512_div_ps(one, _mm512_add_ps(one, wn_exp16(_mm512_sub_ps(_mm512_setzero_ps(), zg))));
        _mm512_storeu_ps(z + j, th);
        _mm512_storeu_ps(z + G + j, sg);
        _mm512_storeu_ps(g + j, _mm512_mul_ps(th, sg));
    }
}
#endif

// The gated activation of one position (generation and training); the vector paths differ
// from libm by ~1e-7 and equal each other bit for bit.
void cn_wn_gate_with(int kernel, float *z, float *g, int G) {
#ifdef WN_HAVE_AVX2
    if (kernel > cn_wn_matvec_kernel()) kernel = cn_wn_matvec_kernel();
    if (kernel == CN_WN_KERNEL_AVX512 && G % 16 == 0) {
        wn_gate_avx512(z, g, G);
        return;
    }
    if (kernel >= CN_WN_KERNEL_AVX2 && G % 8 == 0) {
        wn_gate_avx2(z, g, G);
        return;
    }
#endif
    (void)kernel;
    for (int j = 0; j < G; j++) {
        z[j] = tanhf(z[j]);
        z[G + j] = 1.0f / (1.0f + expf(-z[G + j]));
        g[j] = z[j] * z[G + j];
    }
}

void cn_wn_gate(float *z, float *g, int G) { cn_wn_gate_with(cn_wn_matvec_kernel(), z, g, G); }

#ifdef WN_HAVE_AVX2
static int wn_kernel, wn_bf16, wn_vnni;
static pthread_once_t wn_kernel_once = PTHREAD_ONCE_INIT;
static void wn_detect_kernel(void) {
    int k = CN_WN_KERNEL_GENERIC;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) k = CN_WN_KERNEL_AVX2;
    if (k && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        k = CN_WN_KERNEL_AVX512;
    wn_kernel = k;
    wn_bf16 = k == CN_WN_KERNEL_AVX512 && __builtin_cpu_supports("avx512bf16");
    wn_vnni = k == CN_WN_KERNEL_AVX512 && __builtin_cpu_supports("avx512vnni");
}
#endif

#ifdef WN_HAVE_AVX2
static int wn_detected(const int *what) {
    pthread_once(&wn_kernel_once, wn_detect_kernel);
    return *what;
}
int cn_wn_has_bf16(void) { return wn_detected(&wn_bf16); }
int cn_wn_has_vnni(void) { return wn_detected(&wn_vnni); }
int cn_wn_matvec_kernel(void) { return wn_detected(&wn_kernel); }
#else
int cn_wn_has_bf16(void) { return 0; }
int cn_wn_has_vnni(void) { return 0; }
int cn_wn_matvec_kernel(void) { return CN_WN_KERNEL_GENERIC; }
#endif

cn_status cn_wn_weights_check(int kind) {
    if (kind == CN_WN_WEIGHTS_BF16 && !cn_wn_has_bf16())
        return cn_fail(CN_ERR_ARG, "wavenet: bf16 weights need a CPU with AVX512-BF16");
    if (kind == CN_WN_WEIGHTS_I8 && !cn_wn_has_vnni())
        return cn_fail(CN_ERR_ARG, "wavenet: int8 weights need a CPU with AVX512-VNNI");
    return CN_OK;
}

static const char *const wn_weights_names[] = {"auto", "float", "half", "bf16", "int8"}; // by CN_WN_WEIGHTS_*

int cn_wn_weights_kind(const char *name) {
    for (int k = CN_WN_WEIGHTS_AUTO; k <= CN_WN_WEIGHTS_I8; k++)
        if (name && !strcmp(name, wn_weights_names[k])) return k;
    return -1;
}

const char *cn_wn_weights_name(int kind) {
    return kind >= CN_WN_WEIGHTS_AUTO && kind <= CN_WN_WEIGHTS_I8 ? wn_weights_names[kind] : "?";
}

const char *cn_wn_kernel_name(int kernel) {
    return kernel == CN_WN_KERNEL_AVX512 ? "avx512f" : kernel == CN_WN_KERNEL_AVX2 ? "avx2+fma" : "generic";
}

void cn_wn_matvec_t_with(int kernel, float *y, const float *wt, const float *x, int rows, int cols) {
#ifdef WN_HAVE_AVX2
    if (kernel > cn_wn_matvec_kernel()) kernel = cn_wn_matvec_kernel();
    if (kernel == CN_WN_KERNEL_AVX512) {
        wn_matvec_avx512(y, wt, x, rows, cols);
        return;
    }
    if (kernel == CN_WN_KERNEL_AVX2) {
        wn_matvec_avx2(y, wt, x, rows, cols);
        return;
    }
#endif
    (void)kernel;
    wn_matvec_generic(y, wt, x, rows, cols);
}

void cn_wn_matvec_t(float *y, const float *wt, const float *x, int rows, int cols) {
    cn_wn_matvec_t_with(cn_wn_matvec_kernel(), y, wt, x, rows, cols);
}


void cn_wn_matvec_ref(float *y, const float *w, const float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        double s = 0.0;
        for (int c = 0; c < cols; c++) s += (double)w[(size_t)r * cols + c] * x[c];
        y[r] += (float)s;
    }
}

float cn_wn_peak_value(const float *logits, int radius) {
    int best = 0;
    for (int k = 1; k < CN_WN_CLASSES; k++)
        if (logits[k] > logits[best]) best = k;
    const int lo = best - radius < 0 ? 0 : best - radius,
              hi = best + radius > CN_WN_CLASSES - 1 ? CN_WN_CLASSES - 1 : best + radius;
    double sw = 0.0, sk = 0.0;
    for (int k = lo; k <= hi; k++) {
        double w = exp((double)(logits[k] - logits[best]));
        sw += w;
        sk += w * k;
    }
    return cn_mulaw_decode_level((float)(sk / sw));
}

int cn_wn_sample(const float *logits, float temperature, float u, float *work) {
    int best = 0;
    for (int k = 1; k < CN_WN_CLASSES; k++)
        if (logits[k] > logits[best]) best = k;
    if (!(temperature > 0.0f)) return best;
    double sum = 0.0;
    for (int k = 0; k < CN_WN_CLASSES; k++) {
        work[k] = expf((logits[k] - logits[best]) / temperature);
        sum += work[k];
    }
    double target = (double)u * sum, acc = 0.0;
    for (int k = 0; k < CN_WN_CLASSES; k++) {
        acc += work[k];
        if (acc > target) return k;
    }
    return best; // u * sum rounded up to the total: the mode is as good as any
}

float cn_wn_draw(const cn_wn_config *c, const float *out, float temperature, cn_rng *rng, float *work) {
    float x;
    if (c->out == CN_WN_OUT_GAUSS) {
        x = out[0];
        if (temperature > 0.0f)
            x += temperature * expf(cn_wn_log_scale(out)) * cn_rng_normal(rng);
        return x > 1.0f ? 1.0f : x < -1.0f ? -1.0f : x;
    }
    if (temperature > 0.0f) return cn_mulaw_decode((uint8_t)cn_wn_sample(out, temperature, cn_rng_uniform(rng), work));
    return cn_wn_peak_value(out, CN_WN_PEAK_RADIUS);
}

// ---- batched matrix products -------------------------------------------------------------------

#ifdef WN_HAVE_AVX2
#define WN_AVX512_TARGET "avx512f,avx512bw,avx512vl,avx512bf16,avx512vnni"
enum { WN_W_F32, WN_W_F16, WN_W_BF16, WN_W_I8 }; // how a tile reads its weights (a compile-time constant)

// What the int8 tile needs besides the weights: each row's scale and int8 sum, each
// voice's input scale.
typedef struct { const float *scale; const int32_t *rsum; const float *xscale; } wn_i8_aux;

// One tile of the batched product: rows [r, r + 16 RS) of NV voices, RS * NV accumulators
// held in registers over all columns (RS, NV and MODE are constants at every call, so the
// loops unroll and the weight load is chosen at compile time). `k` masks the last 16-row
// slice. MODE F32: w holds floats [K = cols][rows], x floats; F16: halves widened to float
// as they load, x floats; BF16: w holds column pairs [K = ceil(cols / 2)][rows] of bf16
// (one dword per row), x bf16 pairs, and VDPBF16PS adds both products of a pair (see
// cn_wn_matvec_bf16_ref); I8: w holds column quads of int8 [K = ceil(cols / 4)][rows], x
// unsigned quads, VPDPBUSD adds four products into int32 accumulators (kept in the float
// registers' bits), and the end scales them into y (cn_wn_matvec_i8_ref). Per element the
// sum is the one of a single voice (columns in order), so a voice's result does not
// depend on the batch it is in, and the F16 tile equals the F32 tile run on the weights
// rounded to halves.
__attribute__((target(WN_AVX512_TARGET), always_inline)) static inline void
wn_tile_avx512(float *y, int ldy, const void *w, const void *x, int ldx, int rows, int K, int r, const int RS,
               const int NV, const int MODE, __mmask16 k, const wn_i8_aux *aux) {
    __m512 acc[8][8];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++)
#pragma GCC unroll 8
        for (int q = 0; q < RS; q++)
            acc[q][v] = MODE == WN_W_I8 ? _mm512_setzero_ps()
                                        : _mm512_maskz_loadu_ps(q == RS - 1 ? k : (__mmask16)0xffff,
                                                                y + (size_t)v * ldy + r + 16 * q);
    for (int c = 0; c < K; c++) {
        __m512 wv[8];
#pragma GCC unroll 8
        for (int q = 0; q < RS; q++) {
            const __mmask16 kq = q == RS - 1 ? k : (__mmask16)0xffff;
            const size_t at = (size_t)c * rows + r + 16 * q;
            if (MODE == WN_W_F16) wv[q] = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(kq, (const uint16_t *)w + at));
            else if (MODE == WN_W_BF16 || MODE == WN_W_I8)
                wv[q] = _mm512_castsi512_ps(_mm512_maskz_loadu_epi32(kq, (const uint32_t *)w + at));
            else wv[q] = _mm512_maskz_loadu_ps(kq, (const float *)w + at);
        }
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) {
            if (MODE == WN_W_BF16) {
                __m512i xv = _mm512_set1_epi32((int)((const uint32_t *)x)[(size_t)v * ldx + c]);
#pragma GCC unroll 8
                for (int q = 0; q < RS; q++)
                    acc[q][v] = _mm512_dpbf16_ps(acc[q][v], (__m512bh)_mm512_castps_si512(wv[q]), (__m512bh)xv);
            } else if (MODE == WN_W_I8) {
                __m512i xv = _mm512_set1_epi32((int)((const uint32_t *)x)[(size_t)v * ldx + c]);
#pragma GCC unroll 8
                for (int q = 0; q < RS; q++)
                    acc[q][v] = _mm512_castsi512_ps(
                        _mm512_dpbusd_epi32(_mm512_castps_si512(acc[q][v]), xv, _mm512_castps_si512(wv[q])));
            } else {
                __m512 xv = _mm512_set1_ps(((const float *)x)[(size_t)v * ldx + c]);
#pragma GCC unroll 8
                for (int q = 0; q < RS; q++) acc[q][v] = _mm512_fmadd_ps(wv[q], xv, acc[q][v]);
            }
        }
    }
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++)
#pragma GCC unroll 8
        for (int q = 0; q < RS; q++) {
            const __mmask16 kq = q == RS - 1 ? k : (__mmask16)0xffff;
            float *yq = y + (size_t)v * ldy + r + 16 * q;
            if (MODE == WN_W_I8) { // y = fma(acc - 128 rsum, scale * xscale, y), as the twin
                __m512i sum = _mm512_sub_epi32(_mm512_castps_si512(acc[q][v]),
                                               _mm512_slli_epi32(_mm512_maskz_loadu_epi32(kq, aux->rsum + r + 16 * q), 7));
                __m512 sc = _mm512_mul_ps(_mm512_maskz_loadu_ps(kq, aux->scale + r + 16 * q), _mm512_set1_ps(aux->xscale[v]));
                acc[q][v] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), sc, _mm512_maskz_loadu_ps(kq, yq));
            }
            _mm512_mask_storeu_ps(yq, kq, acc[q][v]);
        }
}

// Y[v][rows] += W X[v] for n voices (x elements: floats, or bf16 pairs in BF16 mode, ldx of
// them per voice): 64-row tiles of 4 voices (16 accumulators: each weight slice loaded once
// for 4 voices, both FMA units busy), then the voices left over, then the rows left over in
// masked 16-row slices of up to 8 voices. One or two voices take 128-row tiles first: 8 or
// 16 independent FMA chains instead of 4 or 8, which the FMA latency needs (one voice was
// latency-bound); each element's sum is unchanged, so results do not depend on the tiling.
__attribute__((target(WN_AVX512_TARGET), always_inline)) static inline void
wn_matmul_avx512_any(float *y, int ldy, const void *w, const void *x, int ldx, int rows, int K, int n,
                     const int MODE, const wn_i8_aux *aux) {
    const size_t xs = MODE == WN_W_BF16 || MODE == WN_W_I8 ? sizeof(uint32_t) : sizeof(float); // bytes per x element
    wn_i8_aux va = aux ? *aux : (wn_i8_aux){0}; // per tile: xscale from the tile's first voice
#define WN_AUX(v) (aux ? (va.xscale = aux->xscale + (v), &va) : NULL)
#define WN_XV(v) ((const char *)x + (size_t)(v) * ldx * xs)
    int r0 = 0;
    if (n <= 2)
        for (; r0 + 128 <= rows; r0 += 128) {
            if (n == 1) wn_tile_avx512(y, ldy, w, x, ldx, rows, K, r0, 8, 1, MODE, 0xffff, WN_AUX(0));
            else wn_tile_avx512(y, ldy, w, x, ldx, rows, K, r0, 8, 2, MODE, 0xffff, WN_AUX(0));
        }
    const int r64 = r0 + (rows - r0) / 64 * 64;
    for (int r = r0; r < r64; r += 64) {
        int v = 0;
        for (; v + 4 <= n; v += 4)
            wn_tile_avx512(y + (size_t)v * ldy, ldy, w, WN_XV(v), ldx, rows, K, r, 4, 4, MODE, 0xffff, WN_AUX(v));
        float *yv = y + (size_t)v * ldy;
        switch (n - v) {
        case 3: wn_tile_avx512(yv, ldy, w, WN_XV(v), ldx, rows, K, r, 4, 3, MODE, 0xffff, WN_AUX(v)); break;
        case 2: wn_tile_avx512(yv, ldy, w, WN_XV(v), ldx, rows, K, r, 4, 2, MODE, 0xffff, WN_AUX(v)); break;
        case 1: wn_tile_avx512(yv, ldy, w, WN_XV(v), ldx, rows, K, r, 4, 1, MODE, 0xffff, WN_AUX(v)); break;
        default: break;
        }
    }
    for (int r = r64; r < rows; r += 16) {
        __mmask16 k = rows - r >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (rows - r)) - 1u);
        int v = 0;
        for (; v + 8 <= n; v += 8)
            wn_tile_avx512(y + (size_t)v * ldy, ldy, w, WN_XV(v), ldx, rows, K, r, 1, 8, MODE, k, WN_AUX(v));
        for (; v < n; v++) wn_tile_avx512(y + (size_t)v * ldy, ldy, w, WN_XV(v), ldx, rows, K, r, 1, 1, MODE, k, WN_AUX(v));
    }
#undef WN_XV
#undef WN_AUX
}

__attribute__((target(WN_AVX512_TARGET))) static void
wn_matmul_avx512(float *y, int ldy, const float *wt, const float *x, int ldx, int rows, int cols, int n) {
    wn_matmul_avx512_any(y, ldy, wt, x, ldx, rows, cols, n, WN_W_F32, NULL);
}

__attribute__((target(WN_AVX512_TARGET))) static void
wn_matmul_avx512_half(float *y, int ldy, const uint16_t *wh, const float *x, int ldx, int rows, int cols, int n) {
    wn_matmul_avx512_any(y, ldy, wh, x, ldx, rows, cols, n, WN_W_F16, NULL);
}

__attribute__((target(WN_AVX512_TARGET))) static void
wn_matmul_avx512_bf16(float *y, int ldy, const uint32_t *wp, const uint32_t *xp, int ldx, int rows, int pairs, int n) {
    wn_matmul_avx512_any(y, ldy, wp, xp, ldx, rows, pairs, n, WN_W_BF16, NULL);
}

__attribute__((target(WN_AVX512_TARGET))) static void
wn_matmul_avx512_i8(float *y, int ldy, const uint32_t *wq, const uint32_t *xq, int ldx, int rows, int quads, int n,
                    const wn_i8_aux *aux) {
    wn_matmul_avx512_any(y, ldy, wq, xq, ldx, rows, quads, n, WN_W_I8, aux);
}

// cn_wn_bf16_pairs with VCVTNE2PS2BF16: 32 inputs per instruction (the software one costs
// more than the products it feeds).
__attribute__((target(WN_AVX512_TARGET))) static void wn_bf16_pairs_avx512(uint32_t *dst, const float *x, int cols) {
    int c = 0;
    for (; c + 32 <= cols; c += 32) {
        __m512bh b = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + c + 16), _mm512_loadu_ps(x + c));
        _mm512_storeu_si512(dst + c / 2, (__m512i)b);
    }
    if (c < cols) {
        const int left = cols - c; // 1..31
        const __mmask16 k0 = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u),
                        k1 = left > 16 ? (__mmask16)((1u << (left - 16)) - 1u) : 0;
        __m512bh b = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(k1, x + c + 16), _mm512_maskz_loadu_ps(k0, x + c));
        _mm512_mask_storeu_epi32(dst + c / 2, (__mmask16)((1u << ((left + 1) / 2)) - 1u), (__m512i)b);
    }
}
#endif

void cn_wn_matvec_bf16(float *y, const uint32_t *wp, const uint32_t *xp, int rows, int cols) {
#ifdef WN_HAVE_AVX2
    if (cn_wn_has_bf16()) {
        int pairs = cn_wn_bf16_npairs(cols);
        wn_matmul_avx512_bf16(y, rows, wp, xp, pairs, rows, pairs, 1);
        return;
    }
#endif
    cn_wn_matvec_bf16_ref(y, wp, xp, rows, cols);
}

#ifdef WN_HAVE_AVX2
// cn_wn_i8_quads with AVX-512 (the same bytes: the same scale, products and rounding).
__attribute__((target(WN_AVX512_TARGET))) static float wn_i8_quads_avx512(uint32_t *dst, const float *x, int cols) {
    __m512 m = _mm512_setzero_ps();
    for (int c = 0; c < cols; c += 16) {
        const __mmask16 k = cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1u);
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(k, x + c)));
    }
    const float mx = _mm512_reduce_max_ps(m), inv = mx > 0.0f ? 127.0f / mx : 0.0f;
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127), off = _mm512_set1_epi32(128);
    for (int c = 0; c < cols; c += 16) {
        const int left = cols - c < 16 ? cols - c : 16;
        const __mmask16 k = left == 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
        __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + c), vinv));
        q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), off);
        _mm_mask_storeu_epi32(dst + c / 4, (__mmask8)((1u << ((left + 3) / 4)) - 1u), _mm512_cvtepi32_epi8(q));
    }
    return mx / 127.0f;
}
#endif

float cn_wn_i8_quads(uint32_t *dst, const float *x, int cols) {
#ifdef WN_HAVE_AVX2
    if (cn_wn_has_vnni()) return wn_i8_quads_avx512(dst, x, cols);
#endif
    return cn_wn_i8_quads_ref(dst, x, cols);
}

void cn_wn_matvec_i8(float *y, const uint32_t *wq, const float *scale, const int32_t *rsum, const uint32_t *xq,
                     float xscale, int rows, int cols) {
#ifdef WN_HAVE_AVX2
    if (cn_wn_has_vnni()) {
        const int quads = cn_wn_i8_nquads(cols);
        const wn_i8_aux aux = {scale, rsum, &xscale};
        wn_matmul_avx512_i8(y, rows, wq, xq, quads, rows, quads, 1, &aux);
        return;
    }
#endif
    cn_wn_matvec_i8_ref(y, wq, scale, rsum, xq, xscale, rows, cols);
}

// The batched product through the run-time kernel: AVX-512 batches the voices; the other
// kernels run the matrix-vector product per voice (the same sums either way).
static void wn_matmul_t(float *y, int ldy, const float *wt, const float *x, int ldx, int rows, int cols, int n) {
#ifdef WN_HAVE_AVX2
    if (cn_wn_matvec_kernel() == CN_WN_KERNEL_AVX512) {
        wn_matmul_avx512(y, ldy, wt, x, ldx, rows, cols, n);
        return;
    }
#endif
    for (int v = 0; v < n; v++) cn_wn_matvec_t(y + (size_t)v * ldy, wt, x + (size_t)v * ldx, rows, cols);
}

// ---- stream ---------------------------------------------------------------------------------------

// One voice's state: per-layer queues of past residual vectors and the past samples.
// Each voice's on its own cache lines: the threads of a poly step different voices at once.
typedef struct wn_voice_state {
    CN_CACHE_ALIGNED float *queue; // per layer d_l * R floats (qoff)
    int qpos[CN_WN_MAX_LAYERS];
    float *hist;                // past samples, each stored twice ([2 * CN_WN_HISTORY]) so the last
    int hpos;                   // CN_WN_HISTORY end contiguously at hist + hpos + CN_WN_HISTORY
} wn_voice_state;

// Scratch of n positions (voices), each array [n][dim]: xin [A+C] (the input layer's and
// the direct prediction's input, valid until the head has run), hin [2R], z [2G], g [G],
// a2 [S], and the pointers to each voice's past h of a layer.
typedef struct wn_scratch {
    float *xin, *hin, *z, *g, *a2;
    const float **past;
} wn_scratch;

struct cn_wn_stream {
    const cn_wn_model *m;
    float *mem;
    int max_voices;
    // transposed weights, shared by every voice
    float *in_wt;   // [A+C][R]
    float *cond_wt; // [C][L*2G]
    float *dil_wt;  // [L][2R][2G]
    float *res_wt;  // [L][G][R]
    float *skip_wt; // [L][G][S]
    float *exc_wt;  // [C][S]
    float *o1_wt;   // [S][S]
    float *o2_wt;   // [S][K]
    uint16_t *half; // the same weights as halves (same layout, offsets from mem), or NULL
    // ... or as bf16 column pairs: matrix i (in memory order) starts at float offset
    // bfm[i].foff and bf16 offset bfm[i].boff; xp: the inputs of n voices as bf16 pairs.
    // ... or as int8 column quads (i8, same table: boff in dwords, roff into i8s/i8r, each
    // row's scale and int8 sum); xsc: each voice's input scale.
    uint32_t *bf, *xp, *i8;
    float *i8s, *xsc;
    int32_t *i8r;
    struct { size_t foff, boff, roff; } bfm[3 * CN_WN_MAX_LAYERS + 5];
    int n_bfm, max_pairs;
    size_t qoff[CN_WN_MAX_LAYERS], nq;
    wn_voice_state *voice;          // [max_voices]
    float *h, *hn, *zc, *skip;      // [n][R], [n][R], [n][L*2G], [n][S]
    wn_scratch sc;
    const float **pastbuf;          // [max_voices]
    // A sibling (cn_wn_stream_create_sibling) shares its owner's weights and voices and
    // owns only its scratch: h..skip and sc in `scratch`, pastbuf, xp and xsc.
    const cn_wn_stream *owner;
    float *scratch;
};

static size_t wn_scratch_floats(const cn_wn_config *c) {
    return (size_t)cn_wn_in_dim(c) + 2 * c->res + 3 * c->gate + c->skip;
}

static void wn_scratch_point(const cn_wn_config *c, float *p, int n, wn_scratch *sc) {
    sc->xin = p;
    sc->hin = sc->xin + (size_t)n * cn_wn_in_dim(c);
    sc->z = sc->hin + (size_t)n * 2 * c->res;
    sc->g = sc->z + (size_t)n * 2 * c->gate;
    sc->a2 = sc->g + (size_t)n * c->gate;
}

// Floats of the per-voice rows a batch of one voice works in: h, hn, zc, skip and sc.
static size_t wn_rows_floats(const cn_wn_config *c) {
    return 2 * (size_t)c->res + (size_t)c->n_layers * 2 * c->gate + (size_t)c->skip + wn_scratch_floats(c);
}

// Point s's working rows for V voices into p (wn_rows_floats(c) * V floats).
static void wn_rows_point(cn_wn_stream *s, float *p, int V) {
    const cn_wn_config *c = &s->m->cfg;
    s->h = p;
    s->hn = s->h + (size_t)V * c->res;
    s->zc = s->hn + (size_t)V * c->res;
    s->skip = s->zc + (size_t)V * c->n_layers * 2 * c->gate;
    wn_scratch_point(c, s->skip + (size_t)V * c->skip, V, &s->sc);
    s->sc.past = s->pastbuf;
}

static void wn_transpose(float *dst, const float *src, int rows, int cols) {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) dst[(size_t)c * rows + r] = src[(size_t)r * cols + c];
}

// 16-bit weights where they pay: with AUTO (and the model asking for nothing else), when
// the AVX-512 kernel runs and the float weights would not fit in a core's L2 next to the
// rest: bf16 pairs where the CPU has VDPBF16PS, else halves.
static int wn_weights_kind(const cn_wn_model *m, int weights, size_t n_weights) {
    if (weights != CN_WN_WEIGHTS_AUTO) return weights;
    if (m->gen_weights != CN_WN_WEIGHTS_AUTO) return m->gen_weights;
    if (cn_wn_matvec_kernel() != CN_WN_KERNEL_AVX512 || n_weights * sizeof(float) <= CN_WN_F16_ABOVE_BYTES)
        return CN_WN_WEIGHTS_F32;
    return cn_wn_has_bf16() ? CN_WN_WEIGHTS_BF16 : CN_WN_WEIGHTS_F16;
}

// The stream's weight matrices in memory order, one after another from s->mem, each
// transposed ([cols][rows]): input, conditioning, every layer's dilated, residual and
// skip products, excitation, output 1 and 2. Returns how many (3 L + 5).
typedef struct { int rows, cols; } wn_shape;
static int wn_shapes(const cn_wn_config *c, wn_shape *sh) {
    const int L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c);
    int n = 0;
    sh[n++] = (wn_shape){R, cn_wn_in_dim(c)};
    sh[n++] = (wn_shape){L * 2 * G, C};
    for (int l = 0; l < L; l++) sh[n++] = (wn_shape){2 * G, 2 * R};
    for (int l = 0; l < L; l++) sh[n++] = (wn_shape){R, G};
    for (int l = 0; l < L; l++) sh[n++] = (wn_shape){S, G};
    sh[n++] = (wn_shape){S, C};
    sh[n++] = (wn_shape){S, S};
    sh[n++] = (wn_shape){cn_wn_out_dim(c), S};
    return n;
}

// Dwords per row of a matrix of `cols` columns packed as bf16 pairs (bf) or int8 quads.
static int wn_packed_cols(int bf, int cols) { return bf ? cn_wn_bf16_npairs(cols) : cn_wn_i8_nquads(cols); }

// Pack each weight matrix (rows x cols, at wt in s->mem) as bf16 column pairs or int8
// column quads, whichever the stream has.
static void wn_pack(cn_wn_stream *s, const float *wt, int rows, int cols, size_t *boff, size_t *roff) {
    s->bfm[s->n_bfm].foff = (size_t)(wt - s->mem);
    s->bfm[s->n_bfm].boff = *boff;
    s->bfm[s->n_bfm].roff = *roff;
    s->n_bfm++;
    if (s->bf) cn_wn_bf16_pack(s->bf + *boff, wt, rows, cols);
    else cn_wn_i8_pack(s->i8 + *boff, s->i8s + *roff, s->i8r + *roff, wt, rows, cols);
    *boff += (size_t)wn_packed_cols(s->bf != NULL, cols) * rows;
    *roff += (size_t)rows;
}

// The packed matrix whose floats start at wt (a binary search on the float offsets).
static int wn_find_matrix(const cn_wn_stream *s, const float *wt) {
    const size_t off = (size_t)(wt - s->mem);
    int lo = 0, hi = s->n_bfm - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->bfm[mid].foff <= off) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

cn_status cn_wn_stream_create_batch(const cn_wn_model *m, int max_voices, cn_wn_stream **out) {
    return cn_wn_stream_create_ex(m, max_voices, CN_WN_WEIGHTS_AUTO, out);
}

cn_status cn_wn_stream_create_ex(const cn_wn_model *m, int max_voices, int weights_kind, cn_wn_stream **out) {
    *out = NULL;
    if (max_voices < 1) return cn_fail(CN_ERR_ARG, "wavenet: %d voices", max_voices);
    const cn_wn_config *c = &m->cfg;
    const int L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c),
              K = cn_wn_out_dim(c), V = max_voices;
    size_t nq = 0;
    for (int l = 0; l < L; l++) nq += (size_t)cn_wn_dilation(c, l) * R;
    const int D = cn_wn_in_dim(c);
    wn_shape shapes[3 * CN_WN_MAX_LAYERS + 5];
    const int n_mats = wn_shapes(c, shapes);
    size_t weights = 0;
    for (int i = 0; i < n_mats; i++) weights += (size_t)shapes[i].rows * shapes[i].cols;
    size_t per_voice = nq + 2 * CN_WN_HISTORY + wn_rows_floats(c);
    cn_wn_stream *s = cn_calloc_lines(1, sizeof *s);
    const int kind = wn_weights_kind(m, weights_kind, weights);
    cn_status supported = cn_wn_weights_check(kind);
    if (supported) {
        free(s);
        return supported;
    }
    const int half = kind == CN_WN_WEIGHTS_F16, bf = kind == CN_WN_WEIGHTS_BF16, i8 = kind == CN_WN_WEIGHTS_I8;
    // bf16 pairs or int8 quads: every matrix as ceil(cols / 2 or 4) dwords per row; inputs of
    // up to maxcols; with int8 a scale and a sum per row.
    size_t words = 0, mat_rows = 0;
    for (int i = 0; i < n_mats; i++) {
        words += (size_t)wn_packed_cols(bf, shapes[i].cols) * shapes[i].rows;
        mat_rows += (size_t)shapes[i].rows;
    }
    int maxcols = D;
    const int other[4] = {C, 2 * R, G, S};
    for (int i = 0; i < 4; i++) maxcols = other[i] > maxcols ? other[i] : maxcols;
    if (s) {
        s->mem = cn_calloc_lines(weights + (size_t)V * per_voice, sizeof(float));
        s->voice = cn_calloc_lines((size_t)V, sizeof *s->voice);
        s->pastbuf = calloc((size_t)V, sizeof *s->pastbuf);
        s->half = half ? cn_calloc_lines(weights, sizeof(uint16_t)) : NULL;
        s->max_pairs = cn_wn_bf16_npairs(maxcols);
        s->bf = bf ? cn_calloc_lines(words, sizeof(uint32_t)) : NULL;
        s->xp = bf || i8 ? cn_calloc_lines((size_t)V * s->max_pairs, sizeof(uint32_t)) : NULL;
        s->i8 = i8 ? cn_calloc_lines(words, sizeof(uint32_t)) : NULL;
        s->i8s = i8 ? malloc(mat_rows * sizeof(float)) : NULL;
        s->i8r = i8 ? malloc(mat_rows * sizeof(int32_t)) : NULL;
        s->xsc = i8 ? malloc((size_t)V * sizeof(float)) : NULL;
    }
    if (!s || !s->mem || !s->voice || !s->pastbuf || (half && !s->half) || (bf && (!s->bf || !s->xp)) ||
        (i8 && (!s->xp || !s->i8 || !s->i8s || !s->i8r || !s->xsc))) {
        if (s)
            free(s->mem), free(s->voice), free((void *)s->pastbuf), free(s->half), free(s->bf), free(s->xp),
                free(s->i8), free(s->i8s), free(s->i8r), free(s->xsc);
        free(s);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for the generator");
    }
    s->m = m;
    s->max_voices = V;
    s->nq = nq;
    float *p = s->mem;
#define WN_TAKE(ptr, count) (ptr = p, p += (count))
    WN_TAKE(s->in_wt, (size_t)D * R);
    WN_TAKE(s->cond_wt, (size_t)C * L * 2 * G);
    WN_TAKE(s->dil_wt, (size_t)L * 2 * R * 2 * G);
    WN_TAKE(s->res_wt, (size_t)L * G * R);
    WN_TAKE(s->skip_wt, (size_t)L * G * S);
    WN_TAKE(s->exc_wt, (size_t)C * S);
    WN_TAKE(s->o1_wt, (size_t)S * S);
    WN_TAKE(s->o2_wt, (size_t)S * K);
    for (int v = 0; v < V; v++) {
        WN_TAKE(s->voice[v].queue, nq);
        WN_TAKE(s->voice[v].hist, 2 * CN_WN_HISTORY);
    }
#undef WN_TAKE
    wn_rows_point(s, p, V);
    const cn_wn_params *w = &m->p;
    wn_transpose(s->in_wt, w->in_w, R, D);
    wn_transpose(s->cond_wt, w->cond_w, L * 2 * G, C);
    for (int l = 0; l < L; l++) {
        wn_transpose(s->dil_wt + (size_t)l * 2 * R * 2 * G, w->dil_w + (size_t)l * 2 * G * 2 * R,
                     2 * G, 2 * R);
        wn_transpose(s->res_wt + (size_t)l * G * R, w->res_w + (size_t)l * R * G, R, G);
        wn_transpose(s->skip_wt + (size_t)l * G * S, w->skip_w + (size_t)l * S * G, S, G);
    }
    wn_transpose(s->exc_wt, w->exc_w, S, C);
    wn_transpose(s->o1_wt, w->o1_w, S, S);
    wn_transpose(s->o2_wt, w->o2_w, K, S);
    // With halves, every kernel (and the naive reference) uses the rounded weights, so all
    // paths still compute the same sums.
    for (size_t i = 0; s->half && i < weights; i++) {
        s->half[i] = cn_f32_to_f16(s->mem[i]);
        s->mem[i] = cn_f16_to_f32(s->half[i]);
    }
    if (bf || i8) { // every matrix, in memory order
        size_t boff = 0, roff = 0;
        const float *wt = s->mem;
        for (int i = 0; i < n_mats; i++) {
            wn_pack(s, wt, shapes[i].rows, shapes[i].cols, &boff, &roff);
            wt += (size_t)shapes[i].rows * shapes[i].cols;
        }
    }
    size_t off = 0;
    for (int l = 0; l < L; l++) {
        s->qoff[l] = off;
        off += (size_t)cn_wn_dilation(c, l) * R;
    }
    cn_wn_stream_reset(s);
    *out = s;
    return CN_OK;
}

// The stream's product: its bf16 pairs or int8 quads (found by wt's offset in s->mem,
// inputs converted) or its halves (at wt's offset) when it has them, else the float weights.
static void wn_matmul_s(const cn_wn_stream *s, float *y, int ldy, const float *wt, const float *x, int ldx,
                        int rows, int cols, int n) {
#ifdef WN_HAVE_AVX2
    if (s->bf) {
        const int i = wn_find_matrix(s, wt);
        for (int v = 0; v < n; v++) wn_bf16_pairs_avx512(s->xp + (size_t)v * s->max_pairs, x + (size_t)v * ldx, cols);
        wn_matmul_avx512_bf16(y, ldy, s->bf + s->bfm[i].boff, s->xp, s->max_pairs, rows, cn_wn_bf16_npairs(cols), n);
        return;
    }
    if (s->i8) {
        const int i = wn_find_matrix(s, wt);
        for (int v = 0; v < n; v++)
            s->xsc[v] = wn_i8_quads_avx512(s->xp + (size_t)v * s->max_pairs, x + (size_t)v * ldx, cols);
        const wn_i8_aux aux = {s->i8s + s->bfm[i].roff, s->i8r + s->bfm[i].roff, s->xsc};
        wn_matmul_avx512_i8(y, ldy, s->i8 + s->bfm[i].boff, s->xp, s->max_pairs, rows, cn_wn_i8_nquads(cols), n, &aux);
        return;
    }
    if (s->half && cn_wn_matvec_kernel() == CN_WN_KERNEL_AVX512) {
        wn_matmul_avx512_half(y, ldy, s->half + (wt - s->mem), x, ldx, rows, cols, n);
        return;
    }
#endif
    wn_matmul_t(y, ldy, wt, x, ldx, rows, cols, n);
}

cn_status cn_wn_stream_create(const cn_wn_model *m, cn_wn_stream **out) {
    return cn_wn_stream_create_batch(m, 1, out);
}

int cn_wn_stream_weights(const cn_wn_stream *s) {
    return s->half ? CN_WN_WEIGHTS_F16 : s->bf ? CN_WN_WEIGHTS_BF16 : s->i8 ? CN_WN_WEIGHTS_I8 : CN_WN_WEIGHTS_F32;
}

cn_status cn_wn_stream_create_sibling(const cn_wn_stream *s, cn_wn_stream **out) {
    *out = NULL;
    const int V = s->max_voices;
    cn_wn_stream *t = cn_calloc_lines(1, sizeof *t);
    if (!t) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for the generator");
    *t = *s;
    t->owner = s->owner ? s->owner : s;
    t->scratch = cn_calloc_lines((size_t)V * wn_rows_floats(&s->m->cfg), sizeof(float));
    t->pastbuf = calloc((size_t)V, sizeof *t->pastbuf);
    t->xp = s->xp ? cn_calloc_lines((size_t)V * s->max_pairs, sizeof(uint32_t)) : NULL;
    t->xsc = s->xsc ? malloc((size_t)V * sizeof(float)) : NULL;
    if (!t->scratch || !t->pastbuf || (s->xp && !t->xp) || (s->xsc && !t->xsc)) {
        cn_wn_stream_destroy(t);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for the generator");
    }
    wn_rows_point(t, t->scratch, V);
    *out = t;
    return CN_OK;
}

void cn_wn_stream_destroy(cn_wn_stream *s) {
    if (!s) return;
    if (s->owner) { // a sibling: the rest is its owner's
        free(s->scratch);
        free((void *)s->pastbuf);
        free(s->xp);
        free(s->xsc);
        free(s);
        return;
    }
    free(s->half);
    free(s->bf);
    free(s->xp);
    free(s->i8);
    free(s->i8s);
    free(s->i8r);
    free(s->xsc);
    free(s->mem);
    free(s->voice);
    free((void *)s->pastbuf);
    free(s);
}

void cn_wn_stream_reset_voice(cn_wn_stream *s, int v) {
    wn_voice_state *vs = &s->voice[v];
    memset(vs->queue, 0, s->nq * sizeof(float));
    memset(vs->qpos, 0, sizeof vs->qpos);
    memset(vs->hist, 0, 2 * CN_WN_HISTORY * sizeof(float));
    vs->hpos = 0;
}

static void wn_hist_push(wn_voice_state *vs, float x) {
    vs->hist[vs->hpos] = vs->hist[vs->hpos + CN_WN_HISTORY] = x;
    vs->hpos = (vs->hpos + 1) & (CN_WN_HISTORY - 1);
}

void cn_wn_stream_push_history(cn_wn_stream *s, int voice, const float *past, int n) {
    for (int i = 0; i < n; i++) wn_hist_push(&s->voice[voice], past[i]);
}

void cn_wn_stream_reset(cn_wn_stream *s) {
    for (int v = 0; v < s->max_voices; v++) cn_wn_stream_reset_voice(s, v);
}

// ---- kernels of n positions, shared by the stream (n voices) and the naive reference (n = 1) ---------

// Input layer (audio inputs from past[v], see cn_wn_audio_inputs), the conditioning
// projection of every layer, and (skip != NULL) the direct excitation path that starts the
// skip sum. Leaves xin[v] = [a_t, c_t] in the scratch.
static void wn_pos_input(const cn_wn_stream *s, int n, const float *const *past, int64_t avail,
                         const float *cond, float *h, float *zc, float *skip, const wn_scratch *sc) {
    const cn_wn_config *c = &s->m->cfg;
    const int R = c->res, C = cn_wn_cond_dim(c), Z = c->n_layers * 2 * c->gate, D = cn_wn_in_dim(c);
    for (int v = 0; v < n; v++) {
        float *x = sc->xin + (size_t)v * D;
        cn_wn_audio_inputs(c->sample_rate, cond + (size_t)v * C, past[v], avail, x);
        memcpy(x + CN_WN_NAUDIO, cond + (size_t)v * C, (size_t)C * sizeof(float));
        memcpy(h + (size_t)v * R, s->m->p.in_b, (size_t)R * sizeof(float));
    }
    wn_matmul_s(s, h, R, s->in_wt, sc->xin, D, R, D, n);
    memset(zc, 0, (size_t)n * Z * sizeof(float));
    wn_matmul_s(s, zc, Z, s->cond_wt, cond, C, Z, C, n);
    if (skip) {
        memset(skip, 0, (size_t)n * c->skip * sizeof(float));
        wn_matmul_s(s, skip, c->skip, s->exc_wt, cond, C, c->skip, C, n);
    }
}

// One gated residual layer at n positions: h_out[v] from h_now[v] and past[v] (t - d),
// and the layer's skip contribution added to skip (when not NULL).
static void wn_pos_layer(const cn_wn_stream *s, int l, int n, const float *const *past, const float *h_now,
                         const float *zc, float *h_out, float *skip, const wn_scratch *sc) {
    const cn_wn_config *c = &s->m->cfg;
    const cn_wn_params *p = &s->m->p;
    const int R = c->res, G = c->gate, S = c->skip, Z = c->n_layers * 2 * G;
    for (int v = 0; v < n; v++) {
        float *hin = sc->hin + (size_t)v * 2 * R, *z = sc->z + (size_t)v * 2 * G;
        memcpy(hin, past[v], (size_t)R * sizeof(float));
        memcpy(hin + R, h_now + (size_t)v * R, (size_t)R * sizeof(float));
        const float *zc_l = zc + (size_t)v * Z + (size_t)l * 2 * G;
        for (int j = 0; j < 2 * G; j++) z[j] = zc_l[j] + p->dil_b[l * 2 * G + j];
    }
    wn_matmul_s(s, sc->z, 2 * G, s->dil_wt + (size_t)l * 2 * R * 2 * G, sc->hin, 2 * R, 2 * G, 2 * R, n);
    for (int v = 0; v < n; v++) {
        cn_wn_gate(sc->z + (size_t)v * 2 * G, sc->g + (size_t)v * G, G);
        for (int j = 0; j < R; j++) h_out[(size_t)v * R + j] = h_now[(size_t)v * R + j] + p->res_b[l * R + j];
    }
    wn_matmul_s(s, h_out, R, s->res_wt + (size_t)l * G * R, sc->g, G, R, G, n);
    if (skip) {
        for (int v = 0; v < n; v++)
            for (int j = 0; j < S; j++) skip[(size_t)v * S + j] += p->skip_b[l * S + j];
        wn_matmul_s(s, skip, S, s->skip_wt + (size_t)l * G * S, sc->g, G, S, G, n);
    }
}

// Output head of n positions: logits from the skip sums (relu'd in place) plus the direct
// prediction of the xin that wn_pos_input left in the scratch.
static void wn_pos_head(const cn_wn_stream *s, int n, float *skip, float *logits, const wn_scratch *sc) {
    const cn_wn_config *c = &s->m->cfg;
    const cn_wn_params *p = &s->m->p;
    const int S = c->skip, K = cn_wn_out_dim(c);
    for (int v = 0; v < n; v++) {
        float *sk = skip + (size_t)v * S;
        for (int j = 0; j < S; j++) sk[j] = sk[j] > 0.0f ? sk[j] : 0.0f;
        memcpy(sc->a2 + (size_t)v * S, p->o1_b, (size_t)S * sizeof(float));
    }
    wn_matmul_s(s, sc->a2, S, s->o1_wt, skip, S, S, S, n);
    for (int v = 0; v < n; v++) {
        float *a2 = sc->a2 + (size_t)v * S;
        for (int j = 0; j < S; j++) a2[j] = a2[j] > 0.0f ? a2[j] : 0.0f;
        memcpy(logits + (size_t)v * K, p->o2_b, K * sizeof(float));
    }
    wn_matmul_s(s, logits, K, s->o2_wt, sc->a2, S, K, S, n);
    for (int v = 0; v < n; v++)
        cn_wn_direct_logits(s->m, sc->xin + (size_t)v * cn_wn_in_dim(c), logits + (size_t)v * K);
}

// Audio worker thread: no allocation, locks or I/O.
void cn_wn_stream_logits_batch(cn_wn_stream *s, const int *voices, int n, const float *xprev, const float *cond,
                               float *logits) {
    const cn_wn_config *c = &s->m->cfg;
    const int R = c->res;
    const float **past = s->sc.past;
    for (int v = 0; v < n; v++) {
        wn_voice_state *vs = &s->voice[voices[v]];
        wn_hist_push(vs, xprev[v]);
        past[v] = vs->hist + vs->hpos + CN_WN_HISTORY;
    }
    wn_pos_input(s, n, past, CN_WN_HISTORY, cond, s->h, s->zc, s->skip, &s->sc);
    for (int l = 0; l < c->n_layers; l++) {
        for (int v = 0; v < n; v++) {
            wn_voice_state *vs = &s->voice[voices[v]];
            past[v] = vs->queue + s->qoff[l] + (size_t)vs->qpos[l] * R;
        }
        wn_pos_layer(s, l, n, past, s->h, s->zc, s->hn, s->skip, &s->sc);
        for (int v = 0; v < n; v++) {
            wn_voice_state *vs = &s->voice[voices[v]];
            memcpy((float *)past[v], s->h + (size_t)v * R, (size_t)R * sizeof(float)); // h_l(t) replaces h_l(t - d)
            if (++vs->qpos[l] == cn_wn_dilation(c, l)) vs->qpos[l] = 0;
        }
        float *tmp = s->h;
        s->h = s->hn;
        s->hn = tmp;
    }
    wn_pos_head(s, n, s->skip, logits, &s->sc);
}

void cn_wn_stream_logits(cn_wn_stream *s, float xprev, const float *cond, float *logits) {
    const int voice = 0;
    cn_wn_stream_logits_batch(s, &voice, 1, &xprev, cond, logits);
}

// ---- naive reference ----------------------------------------------------------------------------------

size_t cn_wn_naive_work_size(const cn_wn_config *c) {
    size_t rf = (size_t)cn_wn_receptive_field(c);
    return 2 * rf * c->res + rf * c->n_layers * 2 * c->gate + c->res + c->skip +
           wn_scratch_floats(c);
}

void cn_wn_naive_logits(const cn_wn_stream *s, const float *xprev, const float *cond, int64_t t,
                        float *work, float *logits) {
    const cn_wn_config *c = &s->m->cfg;
    const int R = c->res, Z = c->n_layers * 2 * c->gate, C = cn_wn_cond_dim(c);
    const int64_t rf = cn_wn_receptive_field(c);
    const int64_t w0 = t - rf + 1 > 0 ? t - rf + 1 : 0, W = t - w0 + 1;
    float *ha = work, *hb = ha + rf * R, *zc = hb + rf * R, *zero = zc + rf * Z,
          *skip = zero + R;
    wn_scratch sc;
    wn_scratch_point(c, skip + c->skip, 1, &sc);
    memset(zero, 0, (size_t)R * sizeof(float));
    for (int64_t i = 0; i < W; i++) { // xprev[j] is sample j - 1: sample j's past ends there
        const float *past = xprev + w0 + i + 1;
        wn_pos_input(s, 1, &past, w0 + i + 1, cond + (w0 + i) * C, ha + i * R, zc + i * Z,
                     i == W - 1 ? skip : NULL, &sc);
    }
    for (int l = 0; l < c->n_layers; l++) {
        const int d = cn_wn_dilation(c, l);
        for (int64_t i = 0; i < W; i++) {
            // Before the window only positions the output does not depend on are missing;
            // before time 0 the history is zero, as in the stream's fresh queues.
            const float *past = i >= d ? ha + (i - d) * R : zero;
            wn_pos_layer(s, l, 1, &past, ha + i * R, zc + i * Z, hb + i * R, i == W - 1 ? skip : NULL, &sc);
        }
        float *tmp = ha;
        ha = hb;
        hb = tmp;
    }
    wn_pos_head(s, 1, skip, logits, &sc);
}
