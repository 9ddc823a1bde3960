// nn.c: dense kernels, clipping and lr schedule (cn_nn.h).
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cn_nn.h"

// ---- BLAS --------------------------------------------------------------------------

void cn_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M,
                N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void cn_blas_set_threads(int n) { openblas_set_num_threads(n); }

const char *cn_blas_corename(void) { return openblas_get_corename(); }

// ---- linear layer ------------------------------------------------------------------

void cn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int M,
                       int K, int N) {
    if (M == 1) { // one token (KV-cache inference): gemv skips gemm's packing
        if (bias) memcpy(out, bias, (size_t)N * sizeof *out);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, w, K, inp, 1, bias ? 1.0f : 0.0f, out, 1);
        return;
    }
    if (bias) {
        for (int i = 0; i < M; i++) memcpy(out + (size_t)i * N, bias, (size_t)N * sizeof *out);
    }
    cn_sgemm(0, 1, M, N, K, 1.0f, inp, K, w, K, bias ? 1.0f : 0.0f, out, N);
}

void cn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int M, int K, int N) {
    if (dinp) cn_sgemm(0, 0, M, K, N, 1.0f, dout, N, w, K, 1.0f, dinp, K);
    if (dw) cn_sgemm(1, 0, N, K, M, 1.0f, dout, N, inp, K, 1.0f, dw, K);
    if (dbias) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) dbias[j] += dout[(size_t)i * N + j];
    }
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

void cn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *g,
                          const float *b, int M, int C) {
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

void cn_layernorm_backward(float *dinp, float *dg, float *db, const float *dout, const float *inp,
                           const float *g, const float *mean, const float *rstd, int M, int C) {
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

static inline float tanh_ratio(float x) { // x already clamped
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
static void gelu_tanh(float *t, const float *x, int n) {
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

void cn_gelu_forward(float *out, const float *inp, size_t n) {
    float t[TANH_BLOCK];
    for (size_t b = 0; b < n; b += TANH_BLOCK) {
        int m = n - b < TANH_BLOCK ? (int)(n - b) : TANH_BLOCK;
        const float *x = inp + b;
        gelu_tanh(t, x, m);
        for (int i = 0; i < m; i++) out[b + i] = 0.5f * x[i] * (1.0f + t[i]);
    }
}

void cn_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n) {
    float t[TANH_BLOCK];
    for (size_t b = 0; b < n; b += TANH_BLOCK) {
        int m = n - b < TANH_BLOCK ? (int)(n - b) : TANH_BLOCK;
        const float *x = inp + b;
        gelu_tanh(t, x, m);
        for (int i = 0; i < m; i++) {
            float v = x[i], sech2 = 1.0f - t[i] * t[i];
            float d = 0.5f * (1.0f + t[i]) + 0.5f * v * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * v * v);
            dinp[b + i] += d * dout[b + i];
        }
    }
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
