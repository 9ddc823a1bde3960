// LABELS: unit
// test_matmul_rows: the few-rows product (cn_matmul_rows_fast, the AVX-512 kernel of the
// transformer's batched inference) gives the same bits as its plain twin for every row
// count 1..8 and sizes with and without a tail (K % 16), bias or none; the twin agrees
// with the double-precision reference; cn_matmul_forward takes the kernel for 2..8 rows.
#include <string.h>

#include "models/nn/cn_nn.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"

enum { MAXM = 8, MAXK = 300, MAXN = 37 };

int main(void) {
    static const int ks[] = {1, 15, 16, 17, 64, 255, 256, 300}, ns[] = {1, 3, 4, 5, 8, 37};
    static float x[MAXM * MAXK], w[MAXN * MAXK], b[MAXN], fast[MAXM * MAXN], twin[MAXM * MAXN],
        ref[MAXM * MAXN], fwd[MAXM * MAXN];
    cn_rng r;
    cn_rng_seed(&r, 11, 0);
    int have_fast = 1, cases = 0;
    double worst = 0;
    for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
        for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++)
            for (int M = 1; M <= MAXM; M++)
                for (int use_bias = 0; use_bias < 2; use_bias++) {
                    int K = ks[ki], N = ns[ni];
                    cn_rng_fill_normal(&r, x, (size_t)M * K, 0.0f, 1.0f);
                    cn_rng_fill_normal(&r, w, (size_t)N * K, 0.0f, 0.1f);
                    cn_rng_fill_normal(&r, b, (size_t)N, 0.0f, 1.0f);
                    const float *bias = use_bias ? b : NULL;
                    cn_matmul_rows_twin(twin, x, w, bias, M, K, N);
                    cn_matmul_forward_ref(ref, x, w, bias, M, K, N);
                    for (int i = 0; i < M * N; i++) {
                        double d = fabs(twin[i] - ref[i]) / (1 + fabs(ref[i]));
                        if (d > worst) worst = d;
                        TEST_ASSERT_MSG(d < 1e-5, "M %d K %d N %d: twin %g vs ref %g", M, K, N, twin[i], ref[i]);
                    }
                    memset(fast, 0xff, sizeof fast);
                    have_fast = cn_matmul_rows_fast(fast, x, w, bias, M, K, N);
                    if (!have_fast) continue;
                    TEST_ASSERT_MSG(!memcmp(fast, twin, (size_t)M * N * sizeof *fast),
                                    "M %d K %d N %d bias %d: kernel and twin differ", M, K, N, use_bias);
                    cn_matmul_forward(fwd, x, w, bias, M, K, N);
                    if (M > 1) TEST_ASSERT(!memcmp(fwd, twin, (size_t)M * N * sizeof *fwd));
                    cases++;
                }
    printf("test_matmul_rows: ok (twin within %.1e of the reference; %s)\n", worst,
           have_fast ? "the AVX-512 kernel equals the twin bit for bit" : "no AVX-512 here: the kernel not run");
    (void)cases;
    return 0;
}
