// bench_util.c: the clock and sgemm-peak helpers of cn_bench_util.h.
#include <stdlib.h>
#include <time.h>

#include "core/cn_clock.h"
#include "bench/cn_bench_util.h"
#include "models/nn/cn_nn.h"

double cn_bench_sgemm_gflops(int n, int threads, double seconds) {
    size_t nn = (size_t)n * (size_t)n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    double best = -1;
    if (a && b && c) {
        for (size_t i = 0; i < nn; i++) { // nonzero data: no shortcut for zeros
            a[i] = (float)(i % 13) * 0.01f;
            b[i] = (float)(i % 7) * 0.02f;
        }
        cn_blas_set_threads(threads);
        cn_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); // warm-up: threads, caches
        double start = cn_clock_now(), flops = 2.0 * n * (double)n * n;
        for (double t = start; t - start < seconds;) {
            cn_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            double t1 = cn_clock_now(), g = flops / (t1 - t) * 1e-9;
            best = g > best ? g : best;
            t = t1;
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}
