// wn_model.c: WaveNet config, parameter table, init, and teacher-forced forward/backward
// over one chunk on OpenBLAS (cn_wavenet.h). Generation lives in wn_generate.c.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_nn.h"
#include "models/nn/cn_rng.h"
#include "dsp/cn_mulaw.h"
#include "models/wavenet/cn_wavenet.h"

// ---- config ---------------------------------------------------------------------------------

void cn_wn_config_default(cn_wn_config *c) {
    memset(c, 0, sizeof *c);
    c->n_layers = 10;
    c->cycle = 10;
    c->res = 32;
    c->gate = 32;
    c->skip = 64;
    c->emb = 8;
    c->n_instruments = 1;
    c->sample_rate = 16000;
    strcpy(c->instruments[0], "default");
}

cn_status cn_wn_config_check(const cn_wn_config *c) {
    if (c->out != CN_WN_OUT_MULAW && c->out != CN_WN_OUT_GAUSS)
        return cn_fail(CN_ERR_RANGE, "wavenet: unknown output head %d", c->out);
    if (c->n_layers < 1 || c->n_layers > CN_WN_MAX_LAYERS)
        return cn_fail(CN_ERR_RANGE, "wavenet: %d layers (1..%d)", c->n_layers, CN_WN_MAX_LAYERS);
    if (c->cycle < 1 || c->cycle > 16)
        return cn_fail(CN_ERR_RANGE, "wavenet: dilation cycle %d (1..16)", c->cycle);
    if (c->res < 1 || c->res > 512 || c->gate < 1 || c->gate > 512 || c->skip < 1 ||
        c->skip > 1024 || c->emb < 0 || c->emb > 64)
        return cn_fail(CN_ERR_RANGE, "wavenet: channels res %d gate %d skip %d emb %d out of range",
                       c->res, c->gate, c->skip, c->emb);
    if (c->n_instruments < 1 || c->n_instruments > CN_WN_MAX_INSTRUMENTS)
        return cn_fail(CN_ERR_RANGE, "wavenet: %d instruments (1..%d)", c->n_instruments,
                       CN_WN_MAX_INSTRUMENTS);
    if (c->sample_rate < 4000 || c->sample_rate > 192000)
        return cn_fail(CN_ERR_RANGE, "wavenet: sample rate %d Hz", c->sample_rate);
    for (int i = 0; i < c->n_instruments; i++) {
        if (!c->instruments[i][0] || !memchr(c->instruments[i], 0, CN_WN_NAME_MAX))
            return cn_fail(CN_ERR_FORMAT, "wavenet: instrument %d has no valid name", i);
    }
    return CN_OK;
}

const char *cn_wn_out_name(int out) { return out == CN_WN_OUT_GAUSS ? "gauss" : "mulaw"; }

int cn_wn_out_parse(const char *name) {
    return !strcmp(name, "gauss") ? CN_WN_OUT_GAUSS : !strcmp(name, "mulaw") ? CN_WN_OUT_MULAW : -1;
}

int cn_wn_dilation(const cn_wn_config *c, int layer) { return 1 << (layer % c->cycle); }

int cn_wn_receptive_field(const cn_wn_config *c) {
    int rf = 1;
    for (int l = 0; l < c->n_layers; l++) rf += cn_wn_dilation(c, l);
    return rf;
}

int cn_wn_instrument_index(const cn_wn_config *c, const char *name) {
    for (int i = 0; i < c->n_instruments; i++)
        if (!strcmp(c->instruments[i], name)) return i;
    return -1;
}

int cn_wn_split_names(const char *list, char names[][CN_WN_NAME_MAX], int max) {
    int n = 0;
    for (const char *p = list;; p++) {
        const char *e = strchr(p, ',');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!len || len >= CN_WN_NAME_MAX || n == max) return -1;
        memcpy(names[n], p, len);
        names[n++][len] = 0;
        if (!e) return n;
        p = e;
    }
}

// ---- parameters -------------------------------------------------------------------------------

static const char *const wn_names[CN_WN_NPARAM] = {
    "in.w",   "in.b",   "emb",    "cond.w", "dil.w", "dil.b", "res.w", "res.b",
    "skip.w", "skip.b", "exc.w",  "out1.w", "out1.b", "out2.w", "out2.b", "pred.w", "pred.b"};

const char *cn_wn_param_name(int i) { return wn_names[i]; }

int cn_wn_param_decays(int i) {
    return i == CN_WN_P_IN_W || i == CN_WN_P_COND_W || i == CN_WN_P_DIL_W ||
           i == CN_WN_P_RES_W || i == CN_WN_P_SKIP_W || i == CN_WN_P_EXC_W ||
           i == CN_WN_P_O1_W || i == CN_WN_P_O2_W;
}

int cn_wn_param_shape(const cn_wn_config *c, int i, int s[3]) {
    int L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c);
    switch (i) {
    case CN_WN_P_IN_W: s[0] = R; s[1] = CN_WN_NAUDIO + C; return 2;
    case CN_WN_P_IN_B: s[0] = R; return 1;
    case CN_WN_P_EMB: s[0] = c->n_instruments; s[1] = c->emb; return 2;
    case CN_WN_P_COND_W: s[0] = L; s[1] = 2 * G; s[2] = C; return 3;
    case CN_WN_P_DIL_W: s[0] = L; s[1] = 2 * G; s[2] = 2 * R; return 3;
    case CN_WN_P_DIL_B: s[0] = L; s[1] = 2 * G; return 2;
    case CN_WN_P_RES_W: s[0] = L; s[1] = R; s[2] = G; return 3;
    case CN_WN_P_RES_B: s[0] = L; s[1] = R; return 2;
    case CN_WN_P_SKIP_W: s[0] = L; s[1] = S; s[2] = G; return 3;
    case CN_WN_P_SKIP_B: s[0] = L; s[1] = S; return 2;
    case CN_WN_P_EXC_W: s[0] = S; s[1] = C; return 2;
    case CN_WN_P_O1_W: s[0] = S; s[1] = S; return 2;
    case CN_WN_P_O1_B: s[0] = S; return 1;
    case CN_WN_P_O2_W: s[0] = cn_wn_out_dim(c); s[1] = S; return 2;
    case CN_WN_P_O2_B: s[0] = cn_wn_out_dim(c); return 1;
    case CN_WN_P_PRED_W: s[0] = CN_WN_NAUDIO + C; return 1;
    default: s[0] = 2; return 1; // CN_WN_P_PRED_B
    }
}

size_t cn_wn_param_sizes(const cn_wn_config *c, size_t sizes[CN_WN_NPARAM]) {
    size_t total = 0;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        int s[3], nd = cn_wn_param_shape(c, i, s);
        size_t n = 1;
        for (int k = 0; k < nd; k++) n *= (size_t)s[k];
        sizes[i] = n;
        total += n;
    }
    return total;
}

void cn_wn_params_point(const cn_wn_config *c, float *mem, cn_wn_params *p) {
    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(c, sizes);
    float **t = (float **)p;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        t[i] = mem;
        mem += sizes[i];
    }
}

cn_status cn_wn_create(const cn_wn_config *cfg, cn_wn_model **out) {
    *out = NULL;
    cn_status st = cn_wn_config_check(cfg);
    if (st) return st;
    cn_wn_model *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    m->cfg = *cfg;
    m->eq_per_octave = 1;
    size_t sizes[CN_WN_NPARAM];
    m->n_params = cn_wn_param_sizes(cfg, sizes);
    m->mem = calloc(m->n_params, sizeof *m->mem);
    if (!m->mem) {
        size_t n = m->n_params;
        free(m);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for %zu parameters", n);
    }
    cn_wn_params_point(cfg, m->mem, &m->p);
    *out = m;
    return CN_OK;
}

void cn_wn_destroy(cn_wn_model *m) {
    if (!m) return;
    free(m->mem);
    free(m);
}

void cn_wn_init_weights(cn_wn_model *m, uint64_t seed) {
    const cn_wn_config *c = &m->cfg;
    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(c, sizes);
    cn_rng rng;
    cn_rng_seed(&rng, seed, 1);
    float *ptr = m->mem;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        int s[3], nd = cn_wn_param_shape(c, i, s);
        if (cn_wn_param_decays(i)) {
            // Fan-in scaling; conditioning gets a larger share so the excitation is heard
            // from the first step. The residual/skip outputs start small (stable sums).
            float std = 1.0f / sqrtf((float)s[nd - 1]);
            if (i == CN_WN_P_RES_W || i == CN_WN_P_SKIP_W) std *= 0.5f;
            cn_rng_fill_normal(&rng, ptr, sizes[i], 0.0f, std);
        } else if (i == CN_WN_P_EMB) {
            cn_rng_fill_normal(&rng, ptr, sizes[i], 0.0f, 0.5f);
        } else {
            memset(ptr, 0, sizes[i] * sizeof *ptr);
        }
        ptr += sizes[i];
    }
    // The bump starts wide (sharpness e^2: ~47 classes) so the first steps are gentle; the
    // Gaussian starts at scale e^-3 (0.05, a quiet instrument's spread).
    m->p.pred_b[1] = 2.0f / CN_WN_SHARP_SCALE;
    if (c->out == CN_WN_OUT_GAUSS) m->p.o2_b[1] = -3.0f;
}

// ---- direct prediction ------------------------------------------------------------------------------

static const double wn_mu_norm = 5.545177444479562; // ln(256)

// mu-law curve of u clamped to [-1, 1], and its derivative (0 where clamped)
static float wn_mu(float u, float *deriv) {
    float a = fabsf(u);
    if (a >= 1.0f) {
        if (deriv) *deriv = 0.0f;
        return u > 0 ? 1.0f : -1.0f;
    }
    if (deriv) *deriv = (float)(255.0 / (wn_mu_norm * (1.0 + 255.0 * a)));
    float y = (float)(log1p(255.0 * a) / wn_mu_norm);
    return u < 0 ? -y : y;
}

static float wn_pred_u(const cn_wn_model *m, const float *xin) {
    const int D = cn_wn_in_dim(&m->cfg);
    float u = m->p.pred_b[0];
    for (int j = 0; j < D; j++) u += m->p.pred_w[j] * xin[j];
    return u;
}

void cn_wn_direct_logits(const cn_wn_model *m, const float *xin, float *logits) {
    if (m->cfg.out == CN_WN_OUT_GAUSS) {
        logits[0] += wn_pred_u(m, xin);
        return;
    }
    float mu = wn_mu(wn_pred_u(m, xin), NULL), b = expf(CN_WN_SHARP_SCALE * m->p.pred_b[1]);
    for (int k = 0; k < CN_WN_CLASSES; k++) {
        float v = (k + 0.5f) / 128.0f - 1.0f - mu;
        logits[k] -= b * v * v;
    }
}

// Value of the past at a fractional lag (linear interpolation between the two nearest
// samples; silence beyond what is available).
static float wn_lagged(const float *past, int64_t avail, double lag) {
    int64_t k = (int64_t)lag;
    float f = (float)(lag - (double)k);
    float a = k <= avail ? past[-k] : 0.0f, b = k + 1 <= avail ? past[-(k + 1)] : 0.0f;
    return a + f * (b - a);
}

// Adds da x d(wn_lagged)/d(past) into dpast (the same indices wn_lagged reads).
static void wn_lagged_adjoint(float *dpast, int64_t avail, double lag, float da) {
    int64_t k = (int64_t)lag;
    float f = (float)(lag - (double)k);
    if (k <= avail) dpast[-k] += da * (1.0f - f);
    if (k + 1 <= avail) dpast[-(k + 1)] += da * f;
}

// The note's period from its pitch feature ((pitch - 60) / 24, to the cent: a bent note's
// lag follows the bend), clamped to the history.
static double wn_period(int sample_rate, const float *feat) {
    double pitch = 60.0 + (double)lroundf(2400.0f * feat[CN_WN_F_PITCH]) / 100.0;
    double period = (double)sample_rate / (440.0 * pow(2.0, (pitch - 69.0) / 12.0));
    const double max_period = (CN_WN_HISTORY - 2) / 2.0;
    if (period < 2.0) period = 2.0;
    if (period > max_period) period = max_period;
    return period;
}

void cn_wn_audio_inputs(int sample_rate, const float *feat, const float *past, int64_t avail,
                        float *a) {
    double period = wn_period(sample_rate, feat);
    a[0] = avail >= 1 ? past[-1] : 0.0f;
    a[1] = wn_lagged(past, avail, period);
    a[2] = wn_lagged(past, avail, 2.0 * period);
}

void cn_wn_audio_inputs_chunk(int sample_rate, const float *feat, const float *past, int T, float *audio) {
    for (int i = 0; i < T; i++)
        cn_wn_audio_inputs(sample_rate, feat + (size_t)i * CN_WN_NFEAT, past + CN_WN_HISTORY + i,
                           CN_WN_HISTORY, audio + (size_t)i * CN_WN_NAUDIO);
}

void cn_wn_audio_inputs_adjoint(int sample_rate, const float *feat, const float *da, int64_t avail,
                                float *dpast) {
    double period = wn_period(sample_rate, feat);
    if (avail >= 1) dpast[-1] += da[0];
    wn_lagged_adjoint(dpast, avail, period, da[1]);
    wn_lagged_adjoint(dpast, avail, 2.0 * period, da[2]);
}

void cn_wn_cond_fill(const cn_wn_model *m, int instrument, const float *feat, float *cond) {
    memcpy(cond, feat, CN_WN_NFEAT * sizeof *cond);
    if (m->cfg.emb)
        memcpy(cond + CN_WN_NFEAT, m->p.emb + (size_t)instrument * m->cfg.emb,
               (size_t)m->cfg.emb * sizeof *cond);
}

// ---- activations ----------------------------------------------------------------------------------

struct cn_wn_acts {
    int max_t, T, from, instrument;
    float *mem;
    float *cond;   // [T][C]
    float *xin;    // [T][A+C]: audio inputs, then cond
    float *h;      // [L+1][T][R]: h[0] input, h[l+1] output of layer l
    float *zc;     // [T][L*2G] conditioning projection of every layer
    float *act;    // [L][T][2G]: tanh(z_f) then sigmoid(z_g)
    float *g;      // [L][T][G]
    float *a1;     // [T][S]  relu(skip sum)
    float *a2;     // [T][S]  relu(out1)
    float *probs;  // [T][K]  outputs after forward; the classes' softmax in place for backward
    float *logits; // [T][K]  copy of the outputs (tests)
    float *target; // [T] sample values
    const float *dmean; // [T] a further loss's derivative by the means (NULL: none)
    int likelihood;     // 1: backward takes the likelihood's derivative (each forward's default)
    // backward scratch
    float *dz, *dzc, *dg, *dh, *ds, *da, *dcond, *dxin, *dlog;
};

static size_t wn_acts_floats(const cn_wn_config *c, int T, size_t *offs, int n_offs) {
    size_t L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c),
           K = cn_wn_out_dim(c), t = T;
    size_t D = cn_wn_in_dim(c);
    size_t n[] = {t * C,     t * D,       (L + 1) * t * R, t * L * 2 * G, L * t * 2 * G,
                  L * t * G, t * S,       t * S,           t * K,         t * K,
                  t * 2 * G, t * L * 2 * G, t * G,         t * R,         t * S,
                  t * S,     t * C,       t * D,           t * K};
    size_t total = 0;
    for (int i = 0; i < (int)(sizeof n / sizeof n[0]) && i < n_offs; i++) {
        offs[i] = total;
        total += n[i];
    }
    return total;
}

cn_status cn_wn_acts_create(const cn_wn_config *cfg, int max_t, cn_wn_acts **out) {
    *out = NULL;
    if (max_t < 1) return cn_fail(CN_ERR_ARG, "wavenet: chunk length %d", max_t);
    cn_wn_acts *a = calloc(1, sizeof *a);
    size_t offs[19];
    size_t total = wn_acts_floats(cfg, max_t, offs, 19);
    if (a) a->mem = malloc(total * sizeof(float));
    if (a) a->target = malloc((size_t)max_t * sizeof *a->target);
    if (!a || !a->mem || !a->target) {
        cn_wn_acts_destroy(a);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory for activations (%d samples)", max_t);
    }
    float **ptrs[19] = {&a->cond, &a->xin, &a->h,  &a->zc, &a->act, &a->g,     &a->a1,
                        &a->a2,   &a->probs, &a->logits, &a->dz, &a->dzc, &a->dg, &a->dh,
                        &a->ds,   &a->da,  &a->dcond, &a->dxin, &a->dlog};
    for (int i = 0; i < 19; i++) *ptrs[i] = a->mem + offs[i];
    a->max_t = max_t;
    *out = a;
    return CN_OK;
}

void cn_wn_acts_destroy(cn_wn_acts *a) {
    if (!a) return;
    free(a->mem);
    free(a->target);
    free(a);
}

const float *cn_wn_acts_logits(const cn_wn_acts *a) { return a->logits; }

void cn_wn_acts_set_dmean(cn_wn_acts *a, const float *dmean) { a->dmean = dmean; }

void cn_wn_acts_set_likelihood(cn_wn_acts *a, int on) { a->likelihood = on; }

void cn_wn_acts_daudio(const cn_wn_acts *a, int D, float *daudio) {
    for (int t = 0; t < a->T; t++)
        memcpy(daudio + (size_t)t * CN_WN_NAUDIO, a->dxin + (size_t)t * D, CN_WN_NAUDIO * sizeof(float));
}

// Negative log density of y under the Gaussian head's out = [mean, log scale] (the log
// scale clamped below at CN_WN_LOGS_MIN), and (d != NULL) its derivatives by the two
// outputs (0 for a clamped log scale).
static double wn_gauss_nll(const float *out, float y, float d[2]) {
    const double ls = cn_wn_log_scale(out), inv = exp(-ls);
    const double z = ((double)y - out[0]) * inv;
    if (d) {
        d[0] = (float)(-z * inv);
        d[1] = out[1] > CN_WN_LOGS_MIN ? (float)(1.0 - z * z) : 0.0f;
    }
    return 0.5 * z * z + ls + 0.91893853320467274; // + ln sqrt(2 pi)
}

// ---- forward -------------------------------------------------------------------------------------

float cn_wn_forward(const cn_wn_model *m, cn_wn_acts *a, const float *audio, const float *feat,
                    int instrument, const float *target, int T, int from) {
    const cn_wn_config *c = &m->cfg;
    const cn_wn_params *p = &m->p;
    const int L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c),
              K = cn_wn_out_dim(c), G2 = 2 * G, A = CN_WN_NAUDIO, D = A + C;
    a->T = T;
    a->from = from;
    a->instrument = instrument;
    a->dmean = NULL;
    a->likelihood = 1;
    if (target) memcpy(a->target, target, (size_t)T * sizeof *target);
    else a->from = from = T; // prediction only: no loss, nothing for backward
    for (int t = 0; t < T; t++) {
        float *cd = a->cond + (size_t)t * C;
        cn_wn_cond_fill(m, instrument, feat + (size_t)t * CN_WN_NFEAT, cd);
        memcpy(a->xin + (size_t)t * D, audio + (size_t)t * A, (size_t)A * sizeof(float));
        memcpy(a->xin + (size_t)t * D + A, cd, (size_t)C * sizeof(float));
    }
    cn_matmul_forward(a->h, a->xin, p->in_w, p->in_b, T, D, R);
    cn_matmul_forward(a->zc, a->cond, p->cond_w, NULL, T, C, L * G2);
    cn_matmul_forward(a->a1, a->cond, p->exc_w, NULL, T, C, S); // skip sum starts here
    for (int l = 0; l < L; l++) {
        const int d = cn_wn_dilation(c, l);
        const float *h = a->h + (size_t)l * T * R;
        float *hn = a->h + (size_t)(l + 1) * T * R;
        float *act = a->act + (size_t)l * T * G2, *g = a->g + (size_t)l * T * G;
        const float *wd = p->dil_w + (size_t)l * G2 * 2 * R;
        for (int t = 0; t < T; t++) {
            const float *zc = a->zc + (size_t)t * L * G2 + (size_t)l * G2;
            for (int j = 0; j < G2; j++) act[(size_t)t * G2 + j] = zc[j] + p->dil_b[l * G2 + j];
        }
        cn_sgemm(0, 1, T, G2, R, 1.0f, h, R, wd + R, 2 * R, 1.0f, act, G2);
        if (T > d) cn_sgemm(0, 1, T - d, G2, R, 1.0f, h, R, wd, 2 * R, 1.0f, act + (size_t)d * G2, G2);
        for (int t = 0; t < T; t++) cn_wn_gate(act + (size_t)t * G2, g + (size_t)t * G, G);
        memcpy(hn, h, (size_t)T * R * sizeof *hn);
        for (int t = 0; t < T; t++)
            for (int j = 0; j < R; j++) hn[(size_t)t * R + j] += p->res_b[l * R + j];
        cn_sgemm(0, 1, T, R, G, 1.0f, g, G, p->res_w + (size_t)l * R * G, G, 1.0f, hn, R);
        for (int t = 0; t < T; t++)
            for (int j = 0; j < S; j++) a->a1[(size_t)t * S + j] += p->skip_b[l * S + j];
        cn_sgemm(0, 1, T, S, G, 1.0f, g, G, p->skip_w + (size_t)l * S * G, G, 1.0f, a->a1, S);
    }
    for (size_t i = 0; i < (size_t)T * S; i++) a->a1[i] = a->a1[i] > 0.0f ? a->a1[i] : 0.0f;
    cn_matmul_forward(a->a2, a->a1, p->o1_w, p->o1_b, T, S, S);
    for (size_t i = 0; i < (size_t)T * S; i++) a->a2[i] = a->a2[i] > 0.0f ? a->a2[i] : 0.0f;
    cn_matmul_forward(a->probs, a->a2, p->o2_w, p->o2_b, T, S, K);
    for (int t = 0; t < T; t++) cn_wn_direct_logits(m, a->xin + (size_t)t * D, a->probs + (size_t)t * K);
    memcpy(a->logits, a->probs, (size_t)T * K * sizeof(float));
    double loss = 0.0;
    for (int t = 0; t < T; t++) {
        float *pr = a->probs + (size_t)t * K;
        if (c->out == CN_WN_OUT_GAUSS) {
            if (t >= from) loss += wn_gauss_nll(pr, target[t], NULL);
            continue;
        }
        float lz = cn_softmax(pr, K);
        if (t >= from) loss += lz - a->logits[(size_t)t * K + cn_mulaw_encode(target[t])];
    }
    return T > from ? (float)(loss / (T - from)) : 0.0f;
}

// ---- backward --------------------------------------------------------------------------------------

void cn_wn_backward(const cn_wn_model *m, cn_wn_acts *a, float *grad, float scale) {
    const cn_wn_config *c = &m->cfg;
    const cn_wn_params *p = &m->p;
    const int L = c->n_layers, R = c->res, G = c->gate, S = c->skip, C = cn_wn_cond_dim(c),
              K = cn_wn_out_dim(c), G2 = 2 * G, T = a->T, A = CN_WN_NAUDIO, D = A + C;
    cn_wn_params d;
    cn_wn_params_point(c, grad, &d);
    if (T <= a->from) return;
    float w = a->likelihood ? scale / (float)(T - a->from) : 0.0f;
    for (int t = 0; t < T; t++) {
        float *dl = a->dlog + (size_t)t * K;
        const float *pr = a->probs + (size_t)t * K;
        if (t < a->from) {
            memset(dl, 0, (size_t)K * sizeof *dl);
        } else if (c->out == CN_WN_OUT_GAUSS) {
            wn_gauss_nll(pr, a->target[t], dl);
            dl[0] = w * dl[0] + (a->dmean ? scale * a->dmean[t] : 0.0f);
            dl[1] *= w;
        } else {
            for (int k = 0; k < K; k++) dl[k] = w * pr[k];
            dl[cn_mulaw_encode(a->target[t])] -= w;
        }
    }
    memset(a->dcond, 0, (size_t)T * C * sizeof(float));
    memset(a->dxin, 0, (size_t)T * D * sizeof(float));
    if (c->out == CN_WN_OUT_GAUSS) { // direct prediction: u added to the mean
        for (int t = a->from; t < T; t++) {
            const float *xin = a->xin + (size_t)t * D;
            const float du = a->dlog[(size_t)t * K];
            d.pred_b[0] += du;
            for (int j = 0; j < D; j++) d.pred_w[j] += du * xin[j];
            for (int j = 0; j < A; j++) a->dxin[(size_t)t * D + j] += du * p->pred_w[j];
            for (int j = 0; j < C; j++) a->dcond[(size_t)t * C + j] += du * p->pred_w[A + j];
        }
    } else { // direct prediction: bump -b (v_k - mu(u))^2 added to the logits
        const float b = expf(CN_WN_SHARP_SCALE * p->pred_b[1]);
        for (int t = a->from; t < T; t++) {
            const float *xin = a->xin + (size_t)t * D, *dl = a->dlog + (size_t)t * K;
            float du_dmu, mu = wn_mu(wn_pred_u(m, xin), &du_dmu), dmu = 0.0f, db = 0.0f;
            for (int k = 0; k < K; k++) {
                float v = (k + 0.5f) / 128.0f - 1.0f - mu;
                dmu += dl[k] * 2.0f * b * v;
                db -= dl[k] * v * v;
            }
            float du = dmu * du_dmu;
            d.pred_b[0] += du;
            d.pred_b[1] += db * b * CN_WN_SHARP_SCALE;
            for (int j = 0; j < D; j++) d.pred_w[j] += du * xin[j];
            for (int j = 0; j < A; j++) a->dxin[(size_t)t * D + j] += du * p->pred_w[j];
            for (int j = 0; j < C; j++) a->dcond[(size_t)t * C + j] += du * p->pred_w[A + j];
        }
    }
    // output head: a2 = relu(o1), a1 = relu(s)
    memset(a->da, 0, (size_t)T * S * sizeof(float));
    cn_matmul_backward(a->da, d.o2_w, d.o2_b, a->dlog, a->a2, p->o2_w, T, S, K);
    for (size_t i = 0; i < (size_t)T * S; i++)
        if (a->a2[i] <= 0.0f) a->da[i] = 0.0f;
    memset(a->ds, 0, (size_t)T * S * sizeof(float));
    cn_matmul_backward(a->ds, d.o1_w, d.o1_b, a->da, a->a1, p->o1_w, T, S, S);
    for (size_t i = 0; i < (size_t)T * S; i++)
        if (a->a1[i] <= 0.0f) a->ds[i] = 0.0f;
    cn_matmul_backward(a->dcond, d.exc_w, NULL, a->ds, a->cond, p->exc_w, T, C, S);
    // layers, last to first; dh carries d(loss)/d(h_{l+1}) and becomes d/d(h_l) in place
    memset(a->dh, 0, (size_t)T * R * sizeof(float));
    for (int l = L - 1; l >= 0; l--) {
        const int d_l = cn_wn_dilation(c, l);
        const float *h = a->h + (size_t)l * T * R;
        const float *act = a->act + (size_t)l * T * G2, *g = a->g + (size_t)l * T * G;
        const float *wd = p->dil_w + (size_t)l * G2 * 2 * R;
        float *dwd = d.dil_w + (size_t)l * G2 * 2 * R;
        memset(a->dg, 0, (size_t)T * G * sizeof(float));
        cn_matmul_backward(a->dg, d.res_w + (size_t)l * R * G, d.res_b + l * R, a->dh, g,
                           p->res_w + (size_t)l * R * G, T, G, R);
        cn_matmul_backward(a->dg, d.skip_w + (size_t)l * S * G, d.skip_b + l * S, a->ds, g,
                           p->skip_w + (size_t)l * S * G, T, G, S);
        for (int t = 0; t < T; t++) {
            const float *th = act + (size_t)t * G2, *sg = th + G;
            const float *dg = a->dg + (size_t)t * G;
            float *dz = a->dz + (size_t)t * G2;
            float *dzc = a->dzc + (size_t)t * L * G2 + (size_t)l * G2;
            for (int j = 0; j < G; j++) {
                dz[j] = dg[j] * sg[j] * (1.0f - th[j] * th[j]);
                dz[G + j] = dg[j] * th[j] * sg[j] * (1.0f - sg[j]);
            }
            for (int j = 0; j < G2; j++) {
                dzc[j] = dz[j];
                d.dil_b[l * G2 + j] += dz[j];
            }
        }
        cn_sgemm(1, 0, G2, R, T, 1.0f, a->dz, G2, h, R, 1.0f, dwd + R, 2 * R);
        cn_sgemm(0, 0, T, R, G2, 1.0f, a->dz, G2, wd + R, 2 * R, 1.0f, a->dh, R);
        if (T > d_l) {
            cn_sgemm(1, 0, G2, R, T - d_l, 1.0f, a->dz + (size_t)d_l * G2, G2, h, R, 1.0f, dwd, 2 * R);
            cn_sgemm(0, 0, T - d_l, R, G2, 1.0f, a->dz + (size_t)d_l * G2, G2, wd, 2 * R, 1.0f, a->dh, R);
        }
    }
    cn_matmul_backward(a->dxin, d.in_w, d.in_b, a->dh, a->xin, p->in_w, T, D, R);
    cn_matmul_backward(a->dcond, d.cond_w, NULL, a->dzc, a->cond, p->cond_w, T, C, L * G2);
    if (c->emb) {
        float *de = d.emb + (size_t)a->instrument * c->emb;
        for (int t = 0; t < T; t++)
            for (int j = 0; j < c->emb; j++)
                de[j] += a->dcond[(size_t)t * C + CN_WN_NFEAT + j] +
                         a->dxin[(size_t)t * D + A + CN_WN_NFEAT + j];
    }
}
