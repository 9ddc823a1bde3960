// test_transformer_grad: every parameter tensor's gradient from cn_tf_backward against
// central finite differences of the double-precision reference (transformer_ref.h) on
// a tiny model, printing the worst relative error per tensor. Entries checked per tensor:
// the largest analytic gradients plus random ones. Also the layer kernels
// (layernorm, GELU) alone, and the dropout path by float differences of cn_tf_forward
// with a fixed dropout seed.
#include <string.h>

#include "models/nn/cn_nn.h"
#include "cn_test.h"
#include "transformer_ref.h"

// Gradient of sum(dout * f(x)) for one kernel, compared with central differences.
static void check_kernels(void) {
    enum { M = 3, C = 6 };
    float x[M * C], g[C], b[C], dout[M * C], y[M * C], mean[M], rstd[M];
    float dx[M * C] = {0}, dg[C] = {0}, db[C] = {0};
    cn_rng r;
    cn_rng_seed(&r, 3, 3);
    cn_rng_fill_normal(&r, x, M * C, 0, 1);
    cn_rng_fill_normal(&r, g, C, 1, 0.3f);
    cn_rng_fill_normal(&r, b, C, 0, 0.3f);
    cn_rng_fill_normal(&r, dout, M * C, 0, 1);
    cn_layernorm_forward(y, mean, rstd, x, g, b, M, C);
    cn_layernorm_backward(dx, dg, db, dout, x, g, mean, rstd, M, C);
    double worst = 0;
    float *vars[3] = {x, g, b}, *grads[3] = {dx, dg, db};
    int lens[3] = {M * C, C, C};
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < lens[v]; i++) {
            float keep = vars[v][i];
            double f[2];
            for (int s = 0; s < 2; s++) {
                vars[v][i] = keep + (s ? -1e-2f : 1e-2f);
                cn_layernorm_forward(y, mean, rstd, x, g, b, M, C);
                f[s] = 0;
                for (int k = 0; k < M * C; k++) f[s] += (double)dout[k] * y[k];
            }
            vars[v][i] = keep;
            double num = (f[0] - f[1]) / 2e-2;
            worst = fmax(worst, fabs(num - grads[v][i]) / fmax(1.0, fabs(num)));
        }
    printf("layernorm: worst error %.3g\n", worst);
    TEST_ASSERT(worst < 5e-3);

    float gx[5] = {-2.5f, -0.7f, 0.1f, 0.9f, 3.0f}, gd[5] = {0}, one[5] = {1, 1, 1, 1, 1}, yy[2];
    cn_gelu_backward(gd, gx, one, 5);
    worst = 0;
    for (int i = 0; i < 5; i++) {
        float p = gx[i] + 1e-3f, q = gx[i] - 1e-3f;
        cn_gelu_forward(&yy[0], &p, 1);
        cn_gelu_forward(&yy[1], &q, 1);
        worst = fmax(worst, fabs((yy[0] - yy[1]) / 2e-3 - gd[i]));
    }
    printf("gelu: worst error %.3g\n", worst);
    TEST_ASSERT(worst < 5e-3);
}

static int cmp_abs_desc(const void *a, const void *b, const float *g) {
    float x = fabsf(g[*(const size_t *)a]), y = fabsf(g[*(const size_t *)b]);
    return (x < y) - (x > y);
}
static const float *sort_g;
static int cmp_idx(const void *a, const void *b) { return cmp_abs_desc(a, b, sort_g); }

int main(void) {
    check_kernels();

    cn_tf_config c = {8, 2, 2, 12, 0.0f};
    cn_tf *m;
    TEST_OK(cn_tf_create(&c, &m));
    ref_random_weights(m, 21, 0.25f);
    cn_tf_acts *a;
    TEST_OK(cn_tf_acts_create(&c, &a));
    cn_mevent ev[12];
    int n_in = 10;
    ref_random_events(ev, n_in + 1, 77);
    ev[3].pitch = ev[7].pitch; // a repeated row: gradients from two tokens add up
    ref_fim_markers(ev, 4, 8, 30); // infilling markers: their rows get gradients, their targets none
    const cn_melody_cond cond = {5, 1, -1, 2};
    float *grads = calloc(m->n_params, sizeof(float));
    cn_tf_forward(m, a, &cond, ev, n_in, ev, NULL);
    cn_tf_backward(m, a, grads, 1.0f);

    double *P = malloc(m->n_params * sizeof *P);
    for (size_t i = 0; i < m->n_params; i++) P[i] = m->params[i];
    size_t *idx = malloc(m->n_params * sizeof *idx);
    cn_rng r;
    cn_rng_seed(&r, 1, 1);
    double worst_all = 0;
    size_t sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(&c, sizes);
    for (int t = 0; t < CN_TF_NPARAM; t++) {
        size_t n = sizes[t], off = (size_t)(cn_tf_tensor(&m->w, t) - m->params);
        for (size_t i = 0; i < n; i++) idx[i] = off + i;
        sort_g = grads;
        qsort(idx, n, sizeof *idx, cmp_idx);
        double worst = 0, gmax = fabs(grads[idx[0]]);
        int checks = n < 24 ? (int)n : 24;
        for (int k = 0; k < checks; k++) {
            size_t i = k < 12 ? idx[k] : idx[cn_rng_int(&r, (int)n)];
            double keep = P[i], h = 1e-5;
            P[i] = keep + h;
            double fp = ref_nll(&c, P, &cond, ev, n_in, ev, NULL);
            P[i] = keep - h;
            double fm = ref_nll(&c, P, &cond, ev, n_in, ev, NULL);
            P[i] = keep;
            double num = (fp - fm) / (2 * h);
            // relative to the tensor's largest gradient: float rounding is absolute
            double err = fabs(num - grads[i]) / fmax(gmax, 1e-3);
            worst = fmax(worst, err);
        }
        printf("%-22s max|g| %-10.3g worst rel error %.3g\n", cn_tf_param_name(t), gmax, worst);
        TEST_ASSERT_MSG(gmax > 0, "%s gets no gradient", cn_tf_param_name(t));
        TEST_ASSERT_MSG(worst < 2e-3, "%s", cn_tf_param_name(t));
        worst_all = fmax(worst_all, worst);
    }
    printf("all tensors: worst rel error %.3g\n", worst_all);

    // Dropout path: float differences of the fast forward with the same dropout masks.
    m->cfg.dropout = 0.3f;
    memset(grads, 0, m->n_params * sizeof(float));
    cn_rng dr;
    cn_rng_seed(&dr, 5, 5);
    cn_tf_forward(m, a, &cond, ev, n_in, ev, &dr);
    cn_tf_backward(m, a, grads, 1.0f);
    double worst = 0;
    const int probe[] = {CN_TF_EMB_PITCH, CN_TF_QKV_W, CN_TF_FC_W, CN_TF_PROJ_W, CN_TF_ATT_W};
    for (int p = 0; p < 5; p++) {
        size_t n = sizes[probe[p]], off = (size_t)(cn_tf_tensor(&m->w, probe[p]) - m->params);
        for (size_t i = 0; i < n; i++) idx[i] = off + i;
        sort_g = grads;
        qsort(idx, n, sizeof *idx, cmp_idx);
        for (int k = 0; k < 4; k++) {
            size_t i = idx[k];
            float keep = m->params[i];
            double f[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                m->params[i] = keep + (sgn ? -1e-2f : 1e-2f);
                cn_rng_seed(&dr, 5, 5);
                f[sgn] = cn_tf_forward(m, a, &cond, ev, n_in, ev, &dr);
            }
            m->params[i] = keep;
            double num = (f[0] - f[1]) / 2e-2;
            worst = fmax(worst, fabs(num - grads[i]) / fmax(fabs(grads[idx[0]]), 1e-3));
        }
    }
    printf("dropout path: worst rel error %.3g\n", worst);
    TEST_ASSERT(worst < 2e-2);
    free(idx);
    free(P);
    free(grads);
    cn_tf_acts_destroy(a);
    cn_tf_destroy(m);
    printf("test_transformer_grad: ok\n");
    return 0;
}
