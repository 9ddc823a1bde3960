// test_nn_simd: the [simd] kernels of cn_nn.h (and cn_adamw_step) against their plain
// references, in both builds (baseline and, on an AVX2 machine, AVX2): the two builds
// give the same bits; the fast layer norm and softmax agree with the sequential-sum /
// libm versions to float rounding; GELU and the softmax backward against double
// formulas; the overwriting variants (GELU backward in place, matmul backward with dinp
// set) against accumulation into zeros (equal values; 0 + -0 is +0). Sizes cover full
// vector blocks and tails. Prints the worst differences and the fast/reference time ratio
// of the softmax and layer norm (informative only).
#include <string.h>
#include <time.h>

#include "core/cn_clock.h"
#include "models/nn/cn_adamw.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"

enum { MAXN = 300, C = 37, M = 5 };
static const int sizes[] = {1, 2, 7, 15, 16, 17, 33, 96, 97, 128, 255, 256, 300};
enum { NSIZES = sizeof sizes / sizeof sizes[0] };

static int same_values(const float *a, const float *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(1e-30, fabs(b)); }

// Softmax and its backward in one build; *worst collects differences to the references.
static void run_softmax(cn_rng *r, float out[NSIZES][MAXN], float lse[NSIZES],
                        float dout[NSIZES][MAXN], double worst[3]) {
    for (int s = 0; s < NSIZES; s++) {
        int n = sizes[s];
        float x[MAXN], ref[MAXN], d[MAXN];
        cn_rng_fill_normal(r, x, (size_t)n, 0.0f, 4.0f);
        if (n > 3) x[2] = x[0] - 120.0f; // below the fast exp's clamp
        memcpy(ref, x, sizeof x);
        lse[s] = cn_softmax_fast(x, n);
        float lr = cn_softmax(ref, n);
        for (int i = 0; i < n; i++) worst[0] = fmax(worst[0], fabs(x[i] - ref[i]) / fmax(ref[i], 1e-6f));
        worst[1] = fmax(worst[1], rel(lse[s], lr));
        memcpy(out[s], x, (size_t)n * sizeof *x);
        cn_rng_fill_normal(r, d, (size_t)n, 0.0f, 1.0f);
        double dot = 0;
        for (int i = 0; i < n; i++) dot += (double)x[i] * d[i];
        double want[MAXN];
        for (int i = 0; i < n; i++) want[i] = x[i] * (d[i] - dot);
        cn_softmax_backward(d, x, n);
        for (int i = 0; i < n; i++) worst[2] = fmax(worst[2], fabs(d[i] - want[i]));
        memcpy(dout[s], d, (size_t)n * sizeof *d);
    }
}

typedef struct {
    float y[M * C], mean[M], rstd[M], dx[M * C], dg[C], db[C];
    float g[NSIZES * 2][MAXN], gd[NSIZES * 2][MAXN]; // GELU out and grad per size (x2 ranges)
    float p[61], m[61], v[61];                        // AdamW state after 3 steps
} build_out;

static void run_rest(build_out *o, double worst[4]) {
    cn_rng r;
    cn_rng_seed(&r, 11, 2);
    float x[M * C], g[C], b[C], dy[M * C];
    cn_rng_fill_normal(&r, x, M * C, 0.5f, 2.0f);
    cn_rng_fill_normal(&r, g, C, 1.0f, 0.3f);
    cn_rng_fill_normal(&r, b, C, 0.0f, 0.3f);
    cn_rng_fill_normal(&r, dy, M * C, 0.0f, 1.0f);
    float yr[M * C], mr[M], sr[M], dxr[M * C] = {0}, dgr[C] = {0}, dbr[C] = {0};
    cn_layernorm_forward(o->y, o->mean, o->rstd, x, g, b, M, C);
    cn_layernorm_forward_ref(yr, mr, sr, x, g, b, M, C);
    for (int i = 0; i < M * C; i++) worst[0] = fmax(worst[0], fabs(o->y[i] - yr[i]));
    memset(o->dx, 0, sizeof o->dx);
    memset(o->dg, 0, sizeof o->dg);
    memset(o->db, 0, sizeof o->db);
    cn_layernorm_backward(o->dx, o->dg, o->db, dy, x, g, o->mean, o->rstd, M, C);
    cn_layernorm_backward_ref(dxr, dgr, dbr, dy, x, g, mr, sr, M, C);
    for (int i = 0; i < M * C; i++) worst[1] = fmax(worst[1], fabs(o->dx[i] - dxr[i]));
    for (int i = 0; i < C; i++) worst[1] = fmax(worst[1], fmax(fabs(o->dg[i] - dgr[i]), fabs(o->db[i] - dbr[i])));
    float dx1[M * C] = {0}, dg1[C] = {0}; // the one-pass case against gradients one at a time
    cn_layernorm_backward(dx1, NULL, NULL, dy, x, g, o->mean, o->rstd, M, C);
    cn_layernorm_backward(NULL, dg1, NULL, dy, x, g, o->mean, o->rstd, M, C);
    TEST_ASSERT(!memcmp(dx1, o->dx, sizeof dx1) && !memcmp(dg1, o->dg, sizeof dg1));

    for (int s = 0; s < NSIZES * 2; s++) { // GELU against the double formula
        int n = sizes[s % NSIZES];
        float in[MAXN], ones[MAXN];
        cn_rng_fill_normal(&r, in, (size_t)n, 0.0f, s < NSIZES ? 1.5f : 6.0f);
        for (int i = 0; i < n; i++) ones[i] = 1.0f;
        cn_gelu_forward(o->g[s], in, (size_t)n);
        memset(o->gd[s], 0, sizeof o->gd[s]);
        cn_gelu_backward(o->gd[s], in, ones, (size_t)n);
        for (int i = 0; i < n; i++) {
            double v = in[i], u = 0.7978845608028654 * (v + 0.044715 * v * v * v), t = tanh(u);
            double dd = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * v * v);
            worst[2] = fmax(worst[2], fabs(o->g[s][i] - 0.5 * v * (1 + t)));
            worst[3] = fmax(worst[3], fabs(o->gd[s][i] - dd));
        }
    }

    { // the in-place / overwriting variants against accumulation into zeros: same bits
        float in[MAXN], d[MAXN], acc[MAXN] = {0};
        cn_rng_fill_normal(&r, in, MAXN, 0.0f, 2.0f);
        cn_rng_fill_normal(&r, d, MAXN, 0.0f, 1.0f);
        cn_gelu_backward(acc, in, d, MAXN);
        cn_gelu_backward_inplace(d, in, MAXN);
        TEST_ASSERT(same_values(acc, d, MAXN));
        enum { MM = 9, KK = 13, NN = 11 };
        float w[NN * KK], dout[MM * NN], inp[MM * KK], di0[MM * KK] = {0}, di1[MM * KK];
        float dw0[NN * KK] = {0}, dw1[NN * KK] = {0}, db0[NN] = {0}, db1[NN] = {0};
        cn_rng_fill_normal(&r, w, NN * KK, 0.0f, 1.0f);
        cn_rng_fill_normal(&r, dout, MM * NN, 0.0f, 1.0f);
        cn_rng_fill_normal(&r, inp, MM * KK, 0.0f, 1.0f);
        cn_rng_fill_normal(&r, di1, MM * KK, 0.0f, 1.0f); // garbage to overwrite
        cn_matmul_backward(di0, dw0, db0, dout, inp, w, MM, KK, NN);
        cn_matmul_backward_set(di1, dw1, db1, dout, inp, w, MM, KK, NN);
        TEST_ASSERT(same_values(di0, di1, MM * KK) && same_values(dw0, dw1, NN * KK) &&
                    same_values(db0, db1, NN));
    }

    cn_adamw_config c;
    cn_adamw_config_default(&c);
    cn_rng_fill_normal(&r, o->p, 61, 0.0f, 1.0f);
    memset(o->m, 0, sizeof o->m);
    memset(o->v, 0, sizeof o->v);
    for (int t = 1; t <= 3; t++) {
        float gr[61];
        cn_rng_fill_normal(&r, gr, 61, 0.0f, 0.1f);
        cn_adamw_step(&c, t, t != 2, o->p, gr, o->m, o->v, 61);
    }
}

// Timings: the fastest of 7 tries (the machine may be shared).
static double time_softmax(float (*f)(float *, int)) {
    float x[256];
    double best = 1e30;
    for (int k = 0; k < 7; k++) {
        double t0 = cn_clock_now();
        for (int rep = 0; rep < 500; rep++) {
            for (int i = 0; i < 256; i++) x[i] = (float)((i * 37 + rep) % 101) * 0.1f;
            f(x, 256);
        }
        best = fmin(best, cn_clock_now() - t0);
    }
    return best;
}

static double time_layernorm(void (*f)(float *, float *, float *, const float *, const float *,
                                       const float *, int, int)) {
    enum { R = 64, CC = 192 };
    static float x[R * CC], y[R * CC], g[CC], b[CC], mean[R], rstd[R];
    for (int i = 0; i < R * CC; i++) x[i] = (float)(i % 97) * 0.01f;
    for (int i = 0; i < CC; i++) g[i] = 1.0f, b[i] = 0.0f;
    double best = 1e30;
    for (int k = 0; k < 7; k++) {
        double t0 = cn_clock_now();
        for (int rep = 0; rep < 20; rep++) f(y, mean, rstd, x, g, b, R, CC);
        best = fmin(best, cn_clock_now() - t0);
    }
    return best;
}

int main(void) {
    static float out[2][NSIZES][MAXN], lse[2][NSIZES], dout[2][NSIZES][MAXN];
    static build_out bo[2];
    int builds = cn_nn_avx2() ? 2 : 1;
    printf("AVX2 build: %s\n", builds == 2 ? "yes" : "no (only the baseline build is tested)");
    for (int k = 0; k < builds; k++) {
        cn_nn_force_generic(k == 0 && builds == 2);
        double ws[3] = {0}, wr[4] = {0};
        cn_rng r;
        cn_rng_seed(&r, 5, 1);
        run_softmax(&r, out[k], lse[k], dout[k], ws);
        run_rest(&bo[k], wr);
        printf("%s build: softmax_fast vs cn_softmax: prob rel %.3g, log-partition rel %.3g; "
               "softmax backward %.3g;\n  layernorm vs ref: forward %.3g, backward %.3g; "
               "gelu vs double: forward %.3g, backward %.3g\n",
               cn_nn_avx2() ? "AVX2" : "baseline", ws[0], ws[1], ws[2], wr[0], wr[1], wr[2], wr[3]);
        TEST_ASSERT(ws[0] < 2e-6 && ws[1] < 1e-6 && ws[2] < 1e-5);
        TEST_ASSERT(wr[0] < 1e-5 && wr[1] < 1e-4);
        TEST_ASSERT(wr[2] < 1e-5 && wr[3] < 1e-5);
    }
    if (builds == 2) { // the two builds: same bits
        TEST_ASSERT(!memcmp(out[0], out[1], sizeof out[0]) && !memcmp(lse[0], lse[1], sizeof lse[0]));
        TEST_ASSERT(!memcmp(dout[0], dout[1], sizeof dout[0]));
        TEST_ASSERT(!memcmp(&bo[0], &bo[1], sizeof bo[0]));
        printf("baseline and AVX2 builds: identical bits\n");
    }
    cn_nn_force_generic(0);
    double tf = time_softmax(cn_softmax_fast), tr = time_softmax(cn_softmax);
    double lf = time_layernorm(cn_layernorm_forward), lr = time_layernorm(cn_layernorm_forward_ref);
    printf("time, fast / reference: softmax of 256 %.2f, layernorm forward 64x192 %.2f\n", tf / tr, lf / lr);
    printf("test_nn_simd: ok\n");
    return 0;
}
