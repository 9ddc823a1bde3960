// nn.c: dense kernels, clipping and lr schedule (cn_nn.h).
#include <stdatomic.h>
#include <pthread.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/nn/cn_nn.h"

// ---- BLAS --------------------------------------------------------------------------

void cn_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M,
                N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void cn_blas_set_threads(int n) { openblas_set_num_threads(n); }

const char *cn_blas_corename(void) { return openblas_get_corename(); }

// ---- SIMD builds -----------------------------------------------------------------------
// The [simd] kernels are written once, as plain C whose vector lanes are spelled out in
// the source (reductions keep NL partial sums, combined by a fixed tree), so the compiler
// vectorises them without reordering any sum. Each body is compiled twice: for baseline
// x86-64 (the portable build) and with AVX2, chosen at run time. The two builds compute
// the same bits: no FMA (C11 mode does not contract a*b+c, and the AVX2 build is not
// given FMA), the same operations in the same order.

#define NN_INLINE static inline __attribute__((always_inline))
enum { NL = 16 }; // lanes of a float reduction; double reductions use NL / 2

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NN_HAVE_AVX2 1
#define NN_BUILDS(name, params, args)                                                      \
    static void name##_base params { name##_body args; }                                   \
    __attribute__((target("avx2"))) static void name##_avx2 params { name##_body args; }
#define NN_CALL(name, args) (cn_nn_avx2() ? name##_avx2 args : name##_base args)
#else
#define NN_BUILDS(name, params, args) static void name##_base params { name##_body args; }
#define NN_CALL(name, args) name##_base args
#endif

static atomic_int nn_generic; // cn_nn_force_generic (tests switch it between runs)

#ifdef NN_HAVE_AVX2
static int nn_has_avx2;
static pthread_once_t nn_cpu_once = PTHREAD_ONCE_INIT;
static void nn_detect_cpu(void) { nn_has_avx2 = __builtin_cpu_supports("avx2"); }
#endif

int cn_nn_avx2(void) {
#ifdef NN_HAVE_AVX2
    pthread_once(&nn_cpu_once, nn_detect_cpu);
    return nn_has_avx2 && !atomic_load_explicit(&nn_generic, memory_order_relaxed);
#else
    return 0;
#endif
}

void cn_nn_force_generic(int on) { atomic_store(&nn_generic, on); }

NN_INLINE float tree_sum(float a[NL]) {
    for (int w = NL / 2; w; w /= 2)
        for (int k = 0; k < w; k++) a[k] += a[k + w];
    return a[0];
}

NN_INLINE double tree_sum_d(double a[NL / 2]) {
    for (int w = NL / 4; w; w /= 2)
        for (int k = 0; k < w; k++) a[k] += a[k + w];
    return a[0];
}

// ---- linear layer ------------------------------------------------------------------

void cn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int M,
                       int K, int N) {
    if (M == 1) { // one token (KV-cache inference): gemv skips gemm's packing
        if (bias) memcpy(out, bias, (size_t)N * sizeof *out);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, w, K, inp, 1, bias ? 1.0f : 0.0f, out, 1);
        return;
    }
    if (M <= CN_MATMUL_SMALL_M && cn_matmul_rows_fast(out, inp, w, bias, M, K, N)) return;
    if (bias) {
        for (int i = 0; i < M; i++) memcpy(out + (size_t)i * N, bias, (size_t)N * sizeof *out);
    }
    cn_sgemm(0, 1, M, N, K, 1.0f, inp, K, w, K, bias ? 1.0f : 0.0f, out, N);
}

static void matmul_backward(float *dinp, float dinp_beta, float *dw, float *dbias,
                            const float *dout, const float *inp, const float *w, int M, int K,
                            int N) {
    if (dinp) cn_sgemm(0, 0, M, K, N, 1.0f, dout, N, w, K, dinp_beta, dinp, K);
    if (dw) cn_sgemm(1, 0, N, K, M, 1.0f, dout, N, inp, K, 1.0f, dw, K);
    if (dbias) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) dbias[j] += dout[(size_t)i * N + j];
    }
}

void cn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int M, int K, int N) {
    matmul_backward(dinp, 1.0f, dw, dbias, dout, inp, w, M, K, N);
}

void cn_matmul_backward_set(float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int M, int K, int N) {
    matmul_backward(dinp, 0.0f, dw, dbias, dout, inp, w, M, K, N);
}

void cn_matmul_forward_ref(float *out, const float *inp, const float *w, const float *bias, int M,
                           int K, int N) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = bias ? bias[j] : 0.0;
            for (int k = 0; k < K; k++) s += (double)inp[(size_t)i * K + k] * w[(size_t)j * K + k];
            out[(size_t)i * N + j] = (float)s;
        }
}

void cn_matmul_backward_ref(float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int M, int K, int N) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float d = dout[(size_t)i * N + j];
            for (int k = 0; k < K; k++) {
                if (dinp) dinp[(size_t)i * K + k] += d * w[(size_t)j * K + k];
                if (dw) dw[(size_t)j * K + k] += d * inp[(size_t)i * K + k];
            }
            if (dbias) dbias[j] += d;
        }
}

// ---- layer norm ---------------------------------------------------------------------

// As the reference, with the double sums of mean and variance kept in NL / 2 lanes.
NN_INLINE void layernorm_forward_body(float *out, float *mean, float *rstd, const float *inp,
                                      const float *g, const float *b, int M, int C) {
    for (int i = 0; i < M; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        double sm[NL / 2] = {0}, sv[NL / 2] = {0};
        int c = 0;
        for (; c + NL / 2 <= C; c += NL / 2)
            for (int k = 0; k < NL / 2; k++) sm[k] += x[c + k];
        for (int k = 0; c < C; c++, k++) sm[k] += x[c];
        double m = tree_sum_d(sm) / C;
        for (c = 0; c + NL / 2 <= C; c += NL / 2)
            for (int k = 0; k < NL / 2; k++) sv[k] += (x[c + k] - m) * (x[c + k] - m);
        for (int k = 0; c < C; c++, k++) sv[k] += (x[c] - m) * (x[c] - m);
        double v = tree_sum_d(sv) / C;
        float s = (float)(1.0 / sqrt(v + 1e-5));
        for (c = 0; c < C; c++) y[c] = ((float)(x[c] - m)) * s * g[c] + b[c];
        mean[i] = (float)m;
        rstd[i] = s;
    }
}

// One row's gradients given the two means; restrict so the one loop vectorises.
NN_INLINE void layernorm_backward_row(float *restrict dx, float *restrict dg, float *restrict db,
                                      const float *restrict dy, const float *restrict x,
                                      const float *restrict g, float m, float s, float mdx,
                                      float mdxx, int C) {
    for (int c = 0; c < C; c++) {
        float xh = (x[c] - m) * s;
        db[c] += dy[c];
        dg[c] += dy[c] * xh;
        dx[c] += s * (dy[c] * g[c] - mdx - xh * mdxx);
    }
}

// dxhat = dy * g; dx = s * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
NN_INLINE void layernorm_backward_body(float *dinp, float *dg, float *db, const float *dout,
                                       const float *inp, const float *g, const float *mean,
                                       const float *rstd, int M, int C) {
    for (int i = 0; i < M; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        float m = mean[i], s = rstd[i];
        float sd[NL] = {0}, sdx[NL] = {0};
        int c = 0;
        for (; c + NL <= C; c += NL)
            for (int k = 0; k < NL; k++) {
                float xh = (x[c + k] - m) * s, dxh = dy[c + k] * g[c + k];
                sd[k] += dxh;
                sdx[k] += dxh * xh;
            }
        for (int k = 0; c < C; c++, k++) {
            float xh = (x[c] - m) * s, dxh = dy[c] * g[c];
            sd[k] += dxh;
            sdx[k] += dxh * xh;
        }
        float mdx = tree_sum(sd) / C, mdxx = tree_sum(sdx) / C;
        float *dx = dinp ? dinp + (size_t)i * C : NULL;
        if (db && dg && dx) { // the training case in one pass
            layernorm_backward_row(dx, dg, db, dy, x, g, m, s, mdx, mdxx, C);
            continue;
        }
        if (db)
            for (c = 0; c < C; c++) db[c] += dy[c];
        if (dg)
            for (c = 0; c < C; c++) dg[c] += dy[c] * ((x[c] - m) * s);
        if (dx)
            for (c = 0; c < C; c++) dx[c] += s * (dy[c] * g[c] - mdx - ((x[c] - m) * s) * mdxx);
    }
}

NN_BUILDS(layernorm_forward,
          (float *out, float *mean, float *rstd, const float *inp, const float *g, const float *b,
           int M, int C),
          (out, mean, rstd, inp, g, b, M, C))
NN_BUILDS(layernorm_backward,
          (float *dinp, float *dg, float *db, const float *dout, const float *inp, const float *g,
           const float *mean, const float *rstd, int M, int C),
          (dinp, dg, db, dout, inp, g, mean, rstd, M, C))

void cn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *g,
                          const float *b, int M, int C) {
    NN_CALL(layernorm_forward, (out, mean, rstd, inp, g, b, M, C));
}

void cn_layernorm_backward(float *dinp, float *dg, float *db, const float *dout, const float *inp,
                           const float *g, const float *mean, const float *rstd, int M, int C) {
    NN_CALL(layernorm_backward, (dinp, dg, db, dout, inp, g, mean, rstd, M, C));
}

// The plain loops (sequential sums) the tests compare with.
void cn_layernorm_forward_ref(float *out, float *mean, float *rstd, const float *inp,
                              const float *g, const float *b, int M, int C) {
    for (int i = 0; i < M; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++) m += x[c];
        m /= C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= C;
        float s = (float)(1.0 / sqrt(v + 1e-5));
        for (int c = 0; c < C; c++) y[c] = ((float)(x[c] - m)) * s * g[c] + b[c];
        mean[i] = (float)m;
        rstd[i] = s;
    }
}

void cn_layernorm_backward_ref(float *dinp, float *dg, float *db, const float *dout,
                               const float *inp, const float *g, const float *mean,
                               const float *rstd, int M, int C) {
    for (int i = 0; i < M; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        float m = mean[i], s = rstd[i];
        // dxhat = dy * g; dx = s * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
        float mdx = 0, mdxx = 0;
        for (int c = 0; c < C; c++) {
            float xh = (x[c] - m) * s, dxh = dy[c] * g[c];
            mdx += dxh;
            mdxx += dxh * xh;
        }
        mdx /= C;
        mdxx /= C;
        for (int c = 0; c < C; c++) {
            float xh = (x[c] - m) * s;
            if (db) db[c] += dy[c];
            if (dg) dg[c] += dy[c] * xh;
            if (dinp) dinp[(size_t)i * C + c] += s * (dy[c] * g[c] - mdx - xh * mdxx);
        }
    }
}

// ---- activations ---------------------------------------------------------------------

#define GELU_K 0.7978845608028654f // sqrt(2/pi)

// tanh by a rational approximation (as Eigen's fast tanh): a 13/6 odd/even polynomial
// ratio on x clamped to +-7.9, within a few float ulps of tanhf. libm tanhf was a third
// of a training step; this runs vectorized. The clamp is its own loop because gcc will
// not if-convert a select followed by a division (with the default -ftrapping-math).
#define TANH_CLAMP 7.90531110763549805f
#define TANH_BLOCK 256

NN_INLINE float tanh_ratio(float x) { // x already clamped
    float x2 = x * x;
    float p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 - 8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    return x * p / q;
}

// t[i] = tanh(GELU_K * (x + 0.044715 x^3)) for i < n <= TANH_BLOCK.
NN_INLINE void gelu_tanh(float *t, const float *x, int n) {
    for (int i = 0; i < n; i++) {
        float v = x[i], u = GELU_K * (v + 0.044715f * v * v * v);
        u = u > TANH_CLAMP ? TANH_CLAMP : u;
        u = u < -TANH_CLAMP ? -TANH_CLAMP : u;
        t[i] = u;
    }
    for (int i = 0; i < n; i++) t[i] = tanh_ratio(t[i]);
}

float cn_tanh_fast(float x) {
    x = x > TANH_CLAMP ? TANH_CLAMP : x;
    x = x < -TANH_CLAMP ? -TANH_CLAMP : x;
    return tanh_ratio(x);
}

NN_INLINE void gelu_forward_body(float *out, const float *inp, size_t n) {
    float t[TANH_BLOCK];
    for (size_t b = 0; b < n; b += TANH_BLOCK) {
        int m = n - b < TANH_BLOCK ? (int)(n - b) : TANH_BLOCK;
        const float *x = inp + b;
        gelu_tanh(t, x, m);
        for (int i = 0; i < m; i++) out[b + i] = 0.5f * x[i] * (1.0f + t[i]);
    }
}

// dinp (+)= gelu'(inp) * dout; with acc = 0, dinp is overwritten and may be dout.
NN_INLINE void gelu_backward_body(float *dinp, const float *inp, const float *dout, size_t n,
                                  int acc) {
    float t[TANH_BLOCK];
    for (size_t b = 0; b < n; b += TANH_BLOCK) {
        int m = n - b < TANH_BLOCK ? (int)(n - b) : TANH_BLOCK;
        const float *x = inp + b;
        gelu_tanh(t, x, m);
        for (int i = 0; i < m; i++) {
            float v = x[i], sech2 = 1.0f - t[i] * t[i];
            float d = 0.5f * (1.0f + t[i]) + 0.5f * v * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
            t[i] = d * dout[b + i];
        }
        if (acc)
            for (int i = 0; i < m; i++) dinp[b + i] += t[i];
        else
            memcpy(dinp + b, t, (size_t)m * sizeof *t);
    }
}

NN_BUILDS(gelu_forward, (float *out, const float *inp, size_t n), (out, inp, n))
NN_BUILDS(gelu_backward, (float *dinp, const float *inp, const float *dout, size_t n, int acc),
          (dinp, inp, dout, n, acc))

void cn_gelu_forward(float *out, const float *inp, size_t n) { NN_CALL(gelu_forward, (out, inp, n)); }

void cn_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    NN_CALL(gelu_backward, (dinp, inp, dout, n, 1));
}

void cn_gelu_backward_inplace(float *d, const float *inp, size_t n) {
    NN_CALL(gelu_backward, (d, inp, d, n, 0));
}

float cn_softmax(float *x, int n) {
    float mx = x[0];
    for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    double s = 0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - mx);
        s += x[i];
    }
    float inv = (float)(1.0 / s);
    for (int i = 0; i < n; i++) x[i] *= inv;
    return (float)log(s) + mx;
}

// exp(x) for x in [-87.3, 0] (softmax arguments, clamped by the caller): Cephes-style
// reduction x = n ln2 + r with n rounded by the 1.5 * 2^23 trick, a degree-7 polynomial
// in r (relative error ~2e-7), and 2^n built in the exponent bits. Plain arithmetic and
// bit copies, so it vectorises.
#define EXP_ROUND 12582912.0f // 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer
NN_INLINE float exp_poly(float x) {
    float t = x * 1.44269504088896341f + EXP_ROUND, n = t - EXP_ROUND;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + (r + 1.0f);
    uint32_t k; // unsigned: a NaN input wraps instead of overflowing
    memcpy(&k, &t, sizeof k); // t's low mantissa bits hold n
    k = (k - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &k, sizeof scale);
    return y * scale;
}

NN_INLINE void softmax_fast_body(float *x, int n, float *lse) {
    float mxl[NL], sl[NL] = {0};
    for (int k = 0; k < NL; k++) mxl[k] = x[0];
    int i = 0;
    for (; i + NL <= n; i += NL)
        for (int k = 0; k < NL; k++) mxl[k] = x[i + k] > mxl[k] ? x[i + k] : mxl[k];
    for (int k = 0; i < n; i++, k++) mxl[k] = x[i] > mxl[k] ? x[i] : mxl[k];
    float mx = mxl[0];
    for (int k = 1; k < NL; k++) mx = mxl[k] > mx ? mxl[k] : mx;
    // The clamp is its own loop (see TANH_CLAMP): exp(-87.3) ~ 1e-38 stands in for smaller.
    for (i = 0; i < n; i++) {
        float v = x[i] - mx;
        x[i] = v < -87.3f ? -87.3f : v;
    }
    for (i = 0; i < n; i++) x[i] = exp_poly(x[i]);
    for (i = 0; i + NL <= n; i += NL)
        for (int k = 0; k < NL; k++) sl[k] += x[i + k];
    for (int k = 0; i < n; i++, k++) sl[k] += x[i];
    float s = tree_sum(sl), inv = 1.0f / s;
    for (i = 0; i < n; i++) x[i] *= inv;
    *lse = (float)log(s) + mx;
}

NN_INLINE void softmax_backward_body(float *d, const float *p, int n) {
    float dl[NL] = {0};
    int i = 0;
    for (; i + NL <= n; i += NL)
        for (int k = 0; k < NL; k++) dl[k] += p[i + k] * d[i + k];
    for (int k = 0; i < n; i++, k++) dl[k] += p[i] * d[i];
    float dot = tree_sum(dl);
    for (i = 0; i < n; i++) d[i] = p[i] * (d[i] - dot);
}

NN_BUILDS(softmax_fast, (float *x, int n, float *lse), (x, n, lse))
NN_BUILDS(softmax_backward, (float *d, const float *p, int n), (d, p, n))

float cn_softmax_fast(float *x, int n) {
    float lse;
    NN_CALL(softmax_fast, (x, n, &lse));
    return lse;
}

void cn_softmax_backward(float *d, const float *p, int n) { NN_CALL(softmax_backward, (d, p, n)); }

// ---- training helpers ------------------------------------------------------------------

float cn_grad_clip(float *g, size_t n, float max_norm) {
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)g[i] * g[i];
    float norm = (float)sqrt(ss);
    if (max_norm > 0 && norm > max_norm) {
        float s = max_norm / norm;
        for (size_t i = 0; i < n; i++) g[i] *= s;
    }
    return norm;
}

float cn_lr_schedule(long step, long warmup, long total, float lr_max, float lr_min) {
    if (step < warmup) return lr_max * (float)(step + 1) / (float)warmup;
    if (step >= total) return lr_min;
    double p = (double)(step - warmup) / (double)(total - warmup > 0 ? total - warmup : 1);
    return lr_min + (lr_max - lr_min) * 0.5f * (float)(1.0 + cos(3.141592653589793 * p));
}
