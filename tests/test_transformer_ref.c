// test_transformer_ref: the fast forward (OpenBLAS, fused loops) against the naive
// double-precision reference of transformer_ref.h on a small random model: per-position
// NLL and the total, with the max difference printed. Also each matmul kernel against
// its scalar twin, and the single-state head functions against the batched head.
#include <string.h>

#include "models/nn/cn_nn.h"
#include "cn_test.h"
#include "transformer_ref.h"

int main(void) {
    // ---- matmul against its scalar twin
    enum { M = 7, K = 13, N = 5 };
    float x[M * K], w[N * K], b[N], y1[M * N], y2[M * N], dy[M * N];
    float dx1[M * K] = {0}, dx2[M * K] = {0}, dw1[N * K] = {0}, dw2[N * K] = {0}, db1[N] = {0}, db2[N] = {0};
    cn_rng r;
    cn_rng_seed(&r, 11, 1);
    cn_rng_fill_normal(&r, x, M * K, 0, 1);
    cn_rng_fill_normal(&r, w, N * K, 0, 1);
    cn_rng_fill_normal(&r, b, N, 0, 1);
    cn_rng_fill_normal(&r, dy, M * N, 0, 1);
    cn_matmul_forward(y1, x, w, b, M, K, N);
    cn_matmul_forward_ref(y2, x, w, b, M, K, N);
    cn_matmul_backward(dx1, dw1, db1, dy, x, w, M, K, N);
    cn_matmul_backward_ref(dx2, dw2, db2, dy, x, w, M, K, N);
    double md = 0;
    for (int i = 0; i < M * N; i++) md = fmax(md, fabs(y1[i] - y2[i]));
    for (int i = 0; i < M * K; i++) md = fmax(md, fabs(dx1[i] - dx2[i]));
    for (int i = 0; i < N * K; i++) md = fmax(md, fabs(dw1[i] - dw2[i]));
    for (int i = 0; i < N; i++) md = fmax(md, fabs(db1[i] - db2[i]));
    printf("matmul vs scalar twin: max diff %.3g\n", md);
    TEST_ASSERT(md < 1e-4);

    // ---- the whole model
    cn_tf_config c = {16, 2, 2, 24, 0.0f};
    cn_tf *m;
    TEST_OK(cn_tf_create(&c, &m));
    ref_random_weights(m, 5, 0.3f);
    cn_tf_acts *a;
    TEST_OK(cn_tf_acts_create(&c, &a));
    double *P = malloc(m->n_params * sizeof *P);
    for (size_t i = 0; i < m->n_params; i++) P[i] = m->params[i];
    cn_mevent ev[24];
    double per[24];
    const cn_melody_cond conds[2] = {{14, 3, 1, 2}, {-1, -1, -1, -1}};
    for (int trial = 0; trial < 4; trial++) {
        int n_in = trial == 0 ? 0 : trial == 3 ? c.ctx - 1 : 5 + 6 * trial;
        ref_random_events(ev, n_in + 1, 100 + trial);
        if (trial == 2) ref_fim_markers(ev, 3, 9, 100); // an infilling arrangement
        const cn_melody_cond *cond = &conds[trial % 2];
        float fast = cn_tf_forward(m, a, cond, ev, n_in, ev, NULL);
        double ref = ref_nll(&c, P, cond, ev, n_in, ev, per);
        printf("tokens %2d: fast %.6f ref %.6f (rel diff %.2g)\n", n_in + 1, fast, ref,
               fabs(fast - ref) / fabs(ref));
        TEST_ASSERT(fabs(fast - ref) <= 1e-4 * fabs(ref));
        // The head on single hidden states gives the same per-position NLL.
        double mx = 0;
        for (int t = 0; t <= n_in; t++) {
            if (ev[t].pitch < 0) continue; // a marker: not scored
            float pp[CN_EV_NPITCH], pd[CN_EV_NDUR], pr[CN_EV_NREST];
            const float *h = cn_tf_hidden(a, t);
            cn_tf_pitch_probs(m, h, pp);
            cn_tf_dur_probs(m, h, ev[t].pitch, pd);
            cn_tf_rest_probs(m, h, ev[t].pitch, ev[t].dur, pr);
            double nll = -log((double)pp[ev[t].pitch] * pd[ev[t].dur - 1] * pr[ev[t].rest]);
            mx = fmax(mx, fabs(nll - per[t]));
        }
        printf("           per-position max diff (single-state head vs ref) %.3g\n", mx);
        TEST_ASSERT(mx < 2e-3);
    }
    // Dropout changes the result; the same dropout seed reproduces it exactly.
    cn_rng r1, r2;
    c.dropout = 0.2f;
    m->cfg.dropout = 0.2f;
    cn_rng_seed(&r1, 9, 9);
    cn_rng_seed(&r2, 9, 9);
    float d1 = cn_tf_forward(m, a, &conds[0], ev, 10, ev, &r1);
    float d2 = cn_tf_forward(m, a, &conds[0], ev, 10, ev, &r2);
    float d0 = cn_tf_forward(m, a, &conds[0], ev, 10, ev, NULL);
    TEST_ASSERT(d1 == d2 && d1 != d0);
    free(P);
    cn_tf_acts_destroy(a);
    cn_tf_destroy(m);
    printf("test_transformer_ref: ok\n");
    return 0;
}
