// matmul_rows.c: out[M,N] = inp[M,K] @ w[N,K]^T + bias for a few rows (cn_nn.h), the
// transformer's batched inference. Tiles of 4 weight rows x up to 5 input rows keep 20
// vector sums in registers: per 16-float chunk 9 loads feed 20 fused multiply-adds, and
// the weights stream from memory once per pass of up to 5 rows. The twin does the same
// arithmetic one lane at a time, so both give the same bits.
#include <math.h>

#include "models/nn/cn_nn.h"

enum { LANES = 16, TJ = 4, TI = 5 };

// The 16 lane sums added by the same tree as the kernels of nn.c.
static float lanes_sum(float a[LANES]) {
    for (int w = LANES / 2; w; w /= 2)
        for (int k = 0; k < w; k++) a[k] += a[k + w];
    return a[0];
}

void cn_matmul_rows_twin(float *out, const float *inp, const float *w, const float *bias, int M, int K,
                         int N) {
    int kfull = K / LANES * LANES;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            const float *x = inp + (size_t)i * K, *wj = w + (size_t)j * K;
            float acc[LANES] = {0};
            for (int k = 0; k < kfull; k += LANES)
                for (int l = 0; l < LANES; l++) acc[l] = fmaf(x[k + l], wj[k + l], acc[l]);
            float sum = lanes_sum(acc);
            for (int k = kfull; k < K; k++) sum = fmaf(x[k], wj[k], sum); // the tail
            out[(size_t)i * N + j] = (bias ? bias[j] : 0.0f) + sum;
        }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// The lanes_sum tree in registers: halves, then quarters, then pairs (same adds, same order).
__attribute__((target("avx512f,fma"))) static float vec_sum(__m512 v) {
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(v), hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    __m128 s1 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
    return _mm_cvtss_f32(s1);
}

// NI input rows x NJ weight rows from rows i0.., j0..; NI and NJ are constants at every
// call (the switch below), so the NI*NJ sums stay in registers.
__attribute__((target("avx512f,fma"), always_inline)) static inline void
tile(float *out, const float *inp, const float *w, const float *bias, int K, int N, int i0, int j0,
     const int NI, const int NJ) {
    __m512 acc[TI][TJ];
    for (int a = 0; a < NI; a++)
        for (int b = 0; b < NJ; b++) acc[a][b] = _mm512_setzero_ps();
    int kfull = K / LANES * LANES;
    const float *x[TI], *wr[TJ];
    for (int a = 0; a < NI; a++) x[a] = inp + (size_t)(i0 + a) * K;
    for (int b = 0; b < NJ; b++) wr[b] = w + (size_t)(j0 + b) * K;
    for (int k = 0; k < kfull; k += LANES) {
        __m512 wv[TJ];
        for (int b = 0; b < NJ; b++) {
            wv[b] = _mm512_loadu_ps(wr[b] + k);
            _mm_prefetch((const char *)(wr[b] + k + (size_t)2 * TJ * K), _MM_HINT_T0); // two tiles ahead
        }
        for (int a = 0; a < NI; a++) {
            __m512 xv = _mm512_loadu_ps(x[a] + k);
            for (int b = 0; b < NJ; b++) acc[a][b] = _mm512_fmadd_ps(xv, wv[b], acc[a][b]);
        }
    }
    for (int a = 0; a < NI; a++)
        for (int b = 0; b < NJ; b++) {
            float sum = vec_sum(acc[a][b]);
            for (int k = kfull; k < K; k++) sum = fmaf(x[a][k], wr[b][k], sum);
            out[(size_t)(i0 + a) * N + j0 + b] = (bias ? bias[j0 + b] : 0.0f) + sum;
        }
}

// Rows i0..i0+ni (ni <= TI) against every weight row: TJ at a time, then one at a time.
#define ROWS_CASE(NI)                                                                                \
    case NI:                                                                                         \
        for (j = 0; j + TJ <= N; j += TJ) tile(out, inp, w, bias, K, N, i0, j, NI, TJ);            \
        for (; j < N; j++) tile(out, inp, w, bias, K, N, i0, j, NI, 1);                             \
        break;

__attribute__((target("avx512f,fma"))) static void rows(float *out, const float *inp, const float *w,
                                                        const float *bias, int K, int N, int i0, int ni) {
    int j;
    switch (ni) {
        ROWS_CASE(1)
        ROWS_CASE(2)
        ROWS_CASE(3)
        ROWS_CASE(4)
        ROWS_CASE(5)
    }
}

int cn_matmul_rows_fast(float *out, const float *inp, const float *w, const float *bias, int M, int K,
                        int N) {
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("fma")) return 0;
    int per = M <= TI ? M : (M + 1) / 2; // 1..5 rows per pass over the weights (M <= 10)
    for (int i = 0; i < M; i += per) rows(out, inp, w, bias, K, N, i, M - i < per ? M - i : per);
    return 1;
}
#else
int cn_matmul_rows_fast(float *out, const float *inp, const float *w, const float *bias, int M, int K,
                        int N) {
    (void)out, (void)inp, (void)w, (void)bias, (void)M, (void)K, (void)N;
    return 0;
}
#endif
