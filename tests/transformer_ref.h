// transformer_ref.h: a deliberately naive double-precision melody transformer for the
// tests (test_transformer_ref, test_transformer_grad): plain loops, no BLAS, no caching,
// written from the equations in cn_transformer.h rather than from transformer.c.
// Parameters are a double copy of the flat float array, same layout.
#ifndef TRANSFORMER_REF_H
#define TRANSFORMER_REF_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_transformer.h"

static inline void ref_layernorm(double *y, const double *x, const double *g, const double *b, int C) {
    double m = 0, v = 0;
    for (int c = 0; c < C; c++) m += x[c];
    m /= C;
    for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
    v /= C;
    for (int c = 0; c < C; c++) y[c] = (x[c] - m) / sqrt(v + 1e-5) * g[c] + b[c];
}

static inline double ref_gelu(double x) {
    return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

// y[N] = W[N,K] x[K] + b[N]
static inline void ref_linear(double *y, const double *W, const double *b, const double *x, int N, int K) {
    for (int o = 0; o < N; o++) {
        double s = b ? b[o] : 0;
        for (int k = 0; k < K; k++) s += W[(size_t)o * K + k] * x[k];
        y[o] = s;
    }
}

static inline double ref_logsoftmax_at(const double *z, int n, int i) {
    double mx = z[0], s = 0;
    for (int k = 1; k < n; k++) mx = z[k] > mx ? z[k] : mx;
    for (int k = 0; k < n; k++) s += exp(z[k] - mx);
    return z[i] - mx - log(s);
}

// NLL (nats) of targets[0..n_in] given tokens [start(cond), in[0..n_in-1]];
// per_pos[t] (optional) gets the NLL of target t.
static inline double ref_nll(const cn_tf_config *c, const double *P, const cn_melody_cond *cond,
                      const cn_mevent *in, int n_in, const cn_mevent *tg, double *per_pos) {
    const double *W[CN_TF_NPARAM];
    size_t off = 0, sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(c, sizes);
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        W[i] = P + off;
        off += sizes[i];
    }
    int C = c->d_model, L = c->n_layers, H = c->n_heads, hs = C / H, n = n_in + 1;
    double *x = calloc((size_t)n * C, sizeof *x), *xn = calloc((size_t)n * C, sizeof *x);
    double *q = calloc((size_t)n * C, sizeof *x), *k = calloc((size_t)n * C, sizeof *x);
    double *v = calloc((size_t)n * C, sizeof *x), *y = calloc((size_t)n * C, sizeof *x);
    double *tmp = calloc((size_t)4 * C + 256, sizeof *x), *qkv = calloc((size_t)3 * C, sizeof *x);
    double *sc = calloc((size_t)n, sizeof *x);
    const int cv[4] = {cond->key, cond->meter, cond->style, cond->length};
    for (int f = 0; f < 4; f++) {
        int rows = cn_tf_cond_rows(f), r = cv[f] >= 0 && cv[f] < rows - 1 ? cv[f] : rows - 1;
        for (int cc = 0; cc < C; cc++) x[cc] += W[CN_TF_COND_KEY + f][(size_t)r * C + cc];
    }
    for (int t = 1; t < n; t++) {
        const cn_mevent *e = &in[t - 1];
        for (int cc = 0; cc < C; cc++) {
            double *xt = &x[(size_t)t * C + cc];
            if (e->pitch == CN_TF_SUFFIX) { // marker row 0 + the gap's row (in beats)
                int beats = (e->dur + 6) / 12;
                beats = beats > CN_TF_NGAP - 1 ? CN_TF_NGAP - 1 : beats;
                *xt = W[CN_TF_FIM_MARK][cc] + W[CN_TF_FIM_GAP][(size_t)beats * C + cc];
            } else if (e->pitch == CN_TF_MIDDLE) {
                *xt = W[CN_TF_FIM_MARK][C + cc];
            } else {
                *xt = W[CN_TF_EMB_PITCH][(size_t)e->pitch * C + cc] +
                      W[CN_TF_EMB_DUR][(size_t)(e->dur - 1) * C + cc] +
                      W[CN_TF_EMB_REST][(size_t)e->rest * C + cc];
            }
        }
    }
    for (int l = 0; l < L; l++) {
        for (int t = 0; t < n; t++) {
            ref_layernorm(xn + (size_t)t * C, x + (size_t)t * C, W[CN_TF_LN1_G] + l * C, W[CN_TF_LN1_B] + l * C, C);
            ref_linear(qkv, W[CN_TF_QKV_W] + (size_t)l * 3 * C * C, W[CN_TF_QKV_B] + l * 3 * C, xn + (size_t)t * C, 3 * C, C);
            for (int h = 0; h < H; h++) // rotate pairs (i, i + hs/2) of q and k by t * 10000^(-2i/hs)
                for (int i = 0; i < hs / 2; i++) {
                    double ang = t * pow(10000.0, -2.0 * i / hs), cs = cos(ang), sn = sin(ang);
                    for (int part = 0; part < 2; part++) {
                        double a = qkv[part * C + h * hs + i], b = qkv[part * C + h * hs + i + hs / 2];
                        double *dst = part ? k : q;
                        dst[(size_t)t * C + h * hs + i] = a * cs - b * sn;
                        dst[(size_t)t * C + h * hs + i + hs / 2] = a * sn + b * cs;
                    }
                }
            for (int cc = 0; cc < C; cc++) v[(size_t)t * C + cc] = qkv[2 * C + cc];
        }
        for (int t = 0; t < n; t++)
            for (int h = 0; h < H; h++) {
                double mx = -1e300, s = 0;
                for (int j = 0; j <= t; j++) {
                    double d = 0;
                    for (int i = 0; i < hs; i++) d += q[(size_t)t * C + h * hs + i] * k[(size_t)j * C + h * hs + i];
                    sc[j] = d / sqrt((double)hs);
                    mx = sc[j] > mx ? sc[j] : mx;
                }
                for (int j = 0; j <= t; j++) s += (sc[j] = exp(sc[j] - mx));
                for (int i = 0; i < hs; i++) {
                    double acc = 0;
                    for (int j = 0; j <= t; j++) acc += sc[j] / s * v[(size_t)j * C + h * hs + i];
                    y[(size_t)t * C + h * hs + i] = acc;
                }
            }
        for (int t = 0; t < n; t++) {
            double *xt = x + (size_t)t * C;
            ref_linear(tmp, W[CN_TF_ATT_W] + (size_t)l * C * C, W[CN_TF_ATT_B] + l * C, y + (size_t)t * C, C, C);
            for (int cc = 0; cc < C; cc++) xt[cc] += tmp[cc];
            ref_layernorm(xn, xt, W[CN_TF_LN2_G] + l * C, W[CN_TF_LN2_B] + l * C, C);
            ref_linear(tmp, W[CN_TF_FC_W] + (size_t)l * 4 * C * C, W[CN_TF_FC_B] + l * 4 * C, xn, 4 * C, C);
            for (int i = 0; i < 4 * C; i++) tmp[i] = ref_gelu(tmp[i]);
            ref_linear(xn, W[CN_TF_PROJ_W] + (size_t)l * 4 * C * C, W[CN_TF_PROJ_B] + l * C, tmp, C, 4 * C);
            for (int cc = 0; cc < C; cc++) xt[cc] += xn[cc];
        }
    }
    double nll = 0, z[CN_EV_NPITCH];
    for (int t = 0; t < n; t++) {
        double *h = xn, *a = tmp;
        ref_layernorm(h, x + (size_t)t * C, W[CN_TF_LNF_G], W[CN_TF_LNF_B], C);
        const cn_mevent *e = &tg[t];
        if (e->pitch < 0) { // markers are not scored
            if (per_pos) per_pos[t] = 0;
            continue;
        }
        ref_linear(z, W[CN_TF_HP_W], W[CN_TF_HP_B], h, CN_EV_NPITCH, C);
        double lp = ref_logsoftmax_at(z, CN_EV_NPITCH, e->pitch);
        for (int cc = 0; cc < C; cc++) a[cc] = ref_gelu(h[cc] + W[CN_TF_HD_PEMB][(size_t)e->pitch * C + cc]);
        ref_linear(z, W[CN_TF_HD_W], W[CN_TF_HD_B], a, CN_EV_NDUR, C);
        double ld = ref_logsoftmax_at(z, CN_EV_NDUR, e->dur - 1);
        for (int cc = 0; cc < C; cc++)
            a[cc] = ref_gelu(h[cc] + W[CN_TF_HR_PEMB][(size_t)e->pitch * C + cc] +
                             W[CN_TF_HR_DEMB][(size_t)(e->dur - 1) * C + cc]);
        ref_linear(z, W[CN_TF_HR_W], W[CN_TF_HR_B], a, CN_EV_NREST, C);
        double lr = ref_logsoftmax_at(z, CN_EV_NREST, e->rest);
        if (per_pos) per_pos[t] = -(lp + ld + lr);
        nll -= lp + ld + lr;
    }
    free(x), free(xn), free(q), free(k), free(v), free(y), free(tmp), free(qkv), free(sc);
    return nll;
}

// A random tune of n events in the vocabularies, deterministic in seed.
static inline void ref_random_events(cn_mevent *ev, int n, uint64_t seed) {
    cn_rng r;
    cn_rng_seed(&r, seed, 3);
    for (int i = 0; i < n; i++) {
        ev[i].pitch = 55 + cn_rng_int(&r, 24);
        ev[i].dur = 1 + cn_rng_int(&r, CN_EV_MAX_DUR);
        ev[i].rest = cn_rng_int(&r, 3) ? 0 : cn_rng_int(&r, CN_EV_NREST);
    }
}

// Turn a random tune into a fill-in-the-middle arrangement: the suffix marker (gap in
// ticks) at index i, the middle marker at index j > i + 1.
static inline void ref_fim_markers(cn_mevent *ev, int i, int j, int gap_ticks) {
    ev[i] = cn_tf_suffix_marker(gap_ticks);
    ev[j] = cn_tf_middle_marker();
}

// Random weights large enough that every layer matters (not the 0.02 of training init).
static inline void ref_random_weights(cn_tf *m, uint64_t seed, float std) {
    cn_rng r;
    cn_rng_seed(&r, seed, 5);
    cn_rng_fill_normal(&r, m->params, m->n_params, 0.0f, std);
    size_t sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(&m->cfg, sizes);
    for (int i = CN_TF_LN1_G; i <= CN_TF_LNF_G; i++) // norm gains around 1
        if (i == CN_TF_LN1_G || i == CN_TF_LN2_G || i == CN_TF_LNF_G)
            for (size_t k = 0; k < sizes[i]; k++) cn_tf_tensor(&m->w, i)[k] += 1.0f;
}

#endif
