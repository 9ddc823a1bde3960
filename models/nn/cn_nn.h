// cn_nn: the dense kernels both models share, llm.c style: free functions ordered
// (outputs, inputs, weights, dims); every _backward ACCUMULATES into its d* arguments
// (any of which may be NULL when that gradient is not needed). Matmuls go through
// OpenBLAS; each has a plain-loop twin (_ref) that tests compare against. Kernels marked
// [simd] run an AVX2 build of themselves when the CPU has one (same bits as the baseline
// build, see nn.c). Also here: gradient-norm clipping and the learning-rate schedule.
// Shapes: B*T rows are "M".
#ifndef CN_NN_H
#define CN_NN_H

#include <stddef.h>

// ---- BLAS --------------------------------------------------------------------------
// Row-major C[M,N] = alpha * op(A) op(B) + beta * C, op = transpose when ta/tb != 0.
void cn_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);
// Let OpenBLAS use `n` threads (1 when the caller runs its own worker threads).
void cn_blas_set_threads(int n);
// OpenBLAS kernel name, e.g. "Haswell" (which OPENBLAS_CORETYPE may force).
const char *cn_blas_corename(void);

// ---- SIMD builds ---------------------------------------------------------------------
// 1 when the [simd] kernels (and cn_adamw_step) run their AVX2 build.
int cn_nn_avx2(void);
// on = 1: use the baseline build even on an AVX2 machine (tests compare the two).
void cn_nn_force_generic(int on);

// ---- linear layer ------------------------------------------------------------------
// out[M,N] = inp[M,K] @ w[N,K]^T + bias[N] (bias may be NULL). One row goes to gemv, up
// to CN_MATMUL_SMALL_M rows to cn_matmul_rows_fast where the CPU has AVX-512, else (and
// more rows) to sgemm.
#define CN_MATMUL_SMALL_M 8
void cn_matmul_forward(float *out, const float *inp, const float *w, const float *bias, int M,
                       int K, int N);
// dinp[M,K] += dout @ w; dw[N,K] += dout^T @ inp; dbias[N] += column sums of dout.
void cn_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                        const float *w, int M, int K, int N);
// The same, but dinp is overwritten instead of accumulated (no need to zero it first).
void cn_matmul_backward_set(float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int M, int K, int N);
void cn_matmul_forward_ref(float *out, const float *inp, const float *w, const float *bias, int M,
                           int K, int N);
// A few rows at once (batched inference, matmul_rows.c): each output is 16 lane sums
// fused-multiply-added over the K/16 full chunks, added up by a fixed tree, then the
// tail, then the bias. The AVX-512 kernel reads each weight row once for all M rows
// (sgemm would first copy the whole weight matrix, costlier than the product at these
// sizes); returns 0 without AVX-512. The plain twin computes the same bits on any CPU.
int cn_matmul_rows_fast(float *out, const float *inp, const float *w, const float *bias, int M, int K,
                        int N);
void cn_matmul_rows_twin(float *out, const float *inp, const float *w, const float *bias, int M, int K,
                         int N);
void cn_matmul_backward_ref(float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int M, int K, int N);

// ---- layer norm ---------------------------------------------------------------------
// [simd] out[M,C] = (x - mean) / sqrt(var + 1e-5) * g + b; mean[M], rstd[M] are saved for
// backward. Mean and variance are summed in double.
void cn_layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *g,
                          const float *b, int M, int C);
// [simd] dinp, dg and db must not overlap each other or the inputs.
void cn_layernorm_backward(float *dinp, float *dg, float *db, const float *dout, const float *inp,
                           const float *g, const float *mean, const float *rstd, int M, int C);
// The same with sequential sums (the fast ones sum in vector lanes: float rounding apart).
void cn_layernorm_forward_ref(float *out, float *mean, float *rstd, const float *inp,
                              const float *g, const float *b, int M, int C);
void cn_layernorm_backward_ref(float *dinp, float *dg, float *db, const float *dout,
                               const float *inp, const float *g, const float *mean,
                               const float *rstd, int M, int C);

// ---- activations ---------------------------------------------------------------------
// tanh by a rational approximation (max error ~1e-7, vectorizable); tests compare it
// with libm's tanh.
float cn_tanh_fast(float x);
// [simd] GELU, tanh approximation (as GPT-2).
void cn_gelu_forward(float *out, const float *inp, size_t n);
void cn_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n);
// [simd] d[i] = gelu'(inp[i]) * d[i]: the backward without a separate output buffer.
void cn_gelu_backward_inplace(float *d, const float *inp, size_t n);
// In-place softmax of x[n] (max-subtracted, libm expf, sum in double); returns
// log(sum(exp(x - max))) + max, i.e. the log-partition, so log p[i] = x_in[i] - returned value.
float cn_softmax(float *x, int n);
// [simd] The same with a polynomial exp and the sum in float lanes (relative difference
// ~1e-6, exp(-87.3) standing in for smaller terms): the training path's softmax.
float cn_softmax_fast(float *x, int n);
// [simd] Softmax backward in place: d[i] = p[i] * (d[i] - sum_j p[j] d[j]), where p is the
// softmax output and d holds dL/dp on entry, dL/dlogits on return.
void cn_softmax_backward(float *d, const float *p, int n);

// ---- training helpers ------------------------------------------------------------------
// Scale g[n] so its L2 norm is at most max_norm (no-op when max_norm <= 0); returns the
// norm before clipping.
float cn_grad_clip(float *g, size_t n, float max_norm);
// Linear warm-up from 0 to lr_max over `warmup` steps, then cosine decay to lr_min at
// `total`; constant lr_min after. step is 0-based.
float cn_lr_schedule(long step, long warmup, long total, float lr_max, float lr_min);

#endif
