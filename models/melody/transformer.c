// transformer.c: parameters, forward and backward of the melody transformer on one
// sequence (cn_transformer.h). Matmuls go through cn_nn.h (OpenBLAS); attention is a
// pair of GEMMs per head and block of query rows over the causal part of the T x T
// score matrix (blocks of rows, so most of the masked triangle is skipped).
// Every backward function accumulates into its gradient arguments.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_nn.h"
#include "models/melody/cn_transformer.h"

void cn_tf_config_default(cn_tf_config *c) {
    c->d_model = 192;
    c->n_layers = 4;
    c->n_heads = 6;
    c->ctx = 256;
    c->dropout = 0.1f;
}

cn_status cn_tf_config_check(const cn_tf_config *c) {
    if (c->d_model < 2 || c->d_model > 4096 || c->n_layers < 1 || c->n_layers > 64 ||
        c->n_heads < 1 || c->d_model % c->n_heads || (c->d_model / c->n_heads) % 2)
        return cn_fail(CN_ERR_ARG,
                       "bad transformer shape: d_model %d, %d layers, %d heads (d_model/heads must be an even integer)",
                       c->d_model, c->n_layers, c->n_heads);
    if (c->ctx < 4 || c->ctx > 8192) return cn_fail(CN_ERR_ARG, "context %d outside 4..8192", c->ctx);
    if (!(c->dropout >= 0 && c->dropout < 1)) return cn_fail(CN_ERR_ARG, "dropout %g outside [0,1)", c->dropout);
    return CN_OK;
}

// ---- parameters ---------------------------------------------------------------------

static int table_len(const char *const *names) {
    int n = 0;
    while (names[n]) n++;
    return n;
}

int cn_tf_cond_rows(int field) {
    switch (field) {
    case 0: return CN_TF_NKEY + 1;
    case 1: return table_len(cn_meter_names) + 1;
    case 2: return table_len(cn_style_names) + 1;
    default: return CN_NLENGTH + 1;
    }
}

static const char *const param_names[CN_TF_NPARAM] = {
    "emb.pitch", "emb.dur", "emb.rest", "cond.key", "cond.meter", "cond.style", "cond.length",
    "blocks.ln1.g", "blocks.ln1.b", "blocks.qkv.w", "blocks.qkv.b", "blocks.attn_out.w",
    "blocks.attn_out.b", "blocks.ln2.g", "blocks.ln2.b", "blocks.fc.w", "blocks.fc.b",
    "blocks.proj.w", "blocks.proj.b", "ln_f.g", "ln_f.b", "head.pitch.w", "head.pitch.b",
    "head.dur.pitch_emb", "head.dur.w", "head.dur.b", "head.rest.pitch_emb",
    "head.rest.dur_emb", "head.rest.w", "head.rest.b", "fim.mark", "fim.gap"};

const char *cn_tf_param_name(int i) { return param_names[i]; }

int cn_tf_param_shape(const cn_tf_config *c, int i, int s[3]) {
    int C = c->d_model, L = c->n_layers;
    int nd = 2, a = 0, b = C, k = 0;
    switch (i) {
    case CN_TF_EMB_PITCH: case CN_TF_HP_W: case CN_TF_HD_PEMB: case CN_TF_HR_PEMB: a = CN_EV_NPITCH; break;
    case CN_TF_EMB_DUR: case CN_TF_HD_W: case CN_TF_HR_DEMB: a = CN_EV_NDUR; break;
    case CN_TF_EMB_REST: case CN_TF_HR_W: a = CN_EV_NREST; break;
    case CN_TF_COND_KEY: a = cn_tf_cond_rows(0); break;
    case CN_TF_COND_METER: a = cn_tf_cond_rows(1); break;
    case CN_TF_COND_STYLE: a = cn_tf_cond_rows(2); break;
    case CN_TF_COND_LEN: a = cn_tf_cond_rows(3); break;
    case CN_TF_LN1_G: case CN_TF_LN1_B: case CN_TF_LN2_G: case CN_TF_LN2_B:
    case CN_TF_ATT_B: case CN_TF_PROJ_B: a = L; break;
    case CN_TF_QKV_W: nd = 3, a = L, b = 3 * C, k = C; break;
    case CN_TF_QKV_B: a = L, b = 3 * C; break;
    case CN_TF_ATT_W: nd = 3, a = L, b = C, k = C; break;
    case CN_TF_FC_W: nd = 3, a = L, b = 4 * C, k = C; break;
    case CN_TF_FC_B: a = L, b = 4 * C; break;
    case CN_TF_PROJ_W: nd = 3, a = L, b = C, k = 4 * C; break;
    case CN_TF_LNF_G: case CN_TF_LNF_B: nd = 1, a = C; break;
    case CN_TF_HP_B: nd = 1, a = CN_EV_NPITCH; break;
    case CN_TF_HD_B: nd = 1, a = CN_EV_NDUR; break;
    case CN_TF_FIM_MARK: a = 2; break;
    case CN_TF_FIM_GAP: a = CN_TF_NGAP; break;
    default: nd = 1, a = CN_EV_NREST; break; // CN_TF_HR_B
    }
    s[0] = a, s[1] = b, s[2] = k;
    return nd;
}

int cn_tf_param_decays(int i) {
    return i == CN_TF_QKV_W || i == CN_TF_ATT_W || i == CN_TF_FC_W || i == CN_TF_PROJ_W ||
           i == CN_TF_HP_W || i == CN_TF_HD_W || i == CN_TF_HR_W;
}

size_t cn_tf_param_sizes(const cn_tf_config *c, size_t sizes[CN_TF_NPARAM]) {
    size_t n = 0;
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        int s[3], nd = cn_tf_param_shape(c, i, s);
        sizes[i] = (size_t)s[0] * (nd > 1 ? (size_t)s[1] : 1) * (nd > 2 ? (size_t)s[2] : 1);
        n += sizes[i];
    }
    return n;
}

void cn_tf_params_point(const cn_tf_config *c, float *mem, cn_tf_weights *w) {
    size_t sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(c, sizes);
    float **t = (float **)w;
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        t[i] = mem;
        mem += sizes[i];
    }
}

cn_status cn_tf_create(const cn_tf_config *cfg, cn_tf **out) {
    *out = NULL;
    cn_status st = cn_tf_config_check(cfg);
    if (st) return st;
    cn_tf *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ERR_NOMEM, "out of memory for the transformer");
    m->cfg = *cfg;
    size_t sizes[CN_TF_NPARAM];
    m->n_params = cn_tf_param_sizes(cfg, sizes);
    int T = cfg->ctx, half = cfg->d_model / cfg->n_heads / 2;
    m->params = calloc(m->n_params, sizeof(float));
    m->rope_cos = malloc((size_t)T * half * sizeof(float));
    m->rope_sin = malloc((size_t)T * half * sizeof(float));
    if (!m->params || !m->rope_cos || !m->rope_sin) {
        size_t n = m->n_params;
        cn_tf_destroy(m);
        return cn_fail(CN_ERR_NOMEM, "out of memory for %zu parameters", n);
    }
    cn_tf_params_point(cfg, m->params, &m->w);
    for (int t = 0; t < T; t++)
        for (int i = 0; i < half; i++) {
            double ang = t * pow(10000.0, -(double)i / half);
            m->rope_cos[t * half + i] = (float)cos(ang);
            m->rope_sin[t * half + i] = (float)sin(ang);
        }
    *out = m;
    return CN_OK;
}

void cn_tf_destroy(cn_tf *m) {
    if (!m) return;
    free(m->params);
    free(m->rope_cos);
    free(m->rope_sin);
    free(m);
}

void cn_tf_init_weights(cn_tf *m, uint64_t seed) {
    cn_rng r;
    cn_rng_seed(&r, seed, 0x7f4a);
    float resid_std = 0.02f / sqrtf(2.0f * m->cfg.n_layers);
    size_t sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(&m->cfg, sizes);
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        int s[3], nd = cn_tf_param_shape(&m->cfg, i, s);
        size_t n = sizes[i];
        float *p = cn_tf_tensor(&m->w, i);
        if (i == CN_TF_LN1_G || i == CN_TF_LN2_G || i == CN_TF_LNF_G) {
            for (size_t k = 0; k < n; k++) p[k] = 1.0f;
        } else if (nd == 1 || i == CN_TF_QKV_B || i == CN_TF_ATT_B || i == CN_TF_FC_B ||
                   i == CN_TF_PROJ_B || i == CN_TF_LN1_B || i == CN_TF_LN2_B) {
            memset(p, 0, n * sizeof *p);
        } else {
            cn_rng_fill_normal(&r, p, n, 0.0f,
                               i == CN_TF_ATT_W || i == CN_TF_PROJ_W ? resid_std : 0.02f);
        }
    }
}

// ---- activations ------------------------------------------------------------------------

// Per-layer activations of one sequence, each sized for T tokens.
enum { A_LN1, A_LN1_MEAN, A_LN1_RSTD, A_QKV, A_ATT, A_ATTY, A_ATTP, A_MASK_A, A_RES2, A_LN2,
       A_LN2_MEAN, A_LN2_RSTD, A_FCH, A_FCG, A_FCP, A_MASK_M, A_RES3, A_NLAYER };

struct cn_tf_acts {
    cn_tf_config cfg;
    int n;                   // tokens in the last forward
    int dropout;             // masks valid
    int has_targets;
    cn_mevent *tg;           // [T] targets
    int cond_row[4];         // conditioning rows used by token 0
    cn_mevent *in;           // [T] copy of the input events
    float *enc, *mask_e;     // [T,C] embeddings (after dropout), dropout mask
    float *layer[A_NLAYER];  // [L, ...] each
    float *lnf, *lnf_mean, *lnf_rstd; // [T,C] [T] [T]
    float *logit_p, *pre_d, *act_d, *logit_d, *pre_r, *act_r, *logit_r; // heads (logits -> probs)
    float *d_res, *d_a, *d_b, *d_qkv, *d_fc, *d_att; // backward scratch
    float *block;            // the one allocation
};

static size_t layer_size(const cn_tf_config *c, int k) {
    size_t T = (size_t)c->ctx, C = (size_t)c->d_model;
    switch (k) {
    case A_LN1_MEAN: case A_LN1_RSTD: case A_LN2_MEAN: case A_LN2_RSTD: return T;
    case A_QKV: return T * 3 * C;
    case A_ATT: return (size_t)c->n_heads * T * T;
    case A_FCH: case A_FCG: return T * 4 * C;
    default: return T * C;
    }
}

cn_status cn_tf_acts_create(const cn_tf_config *cfg, cn_tf_acts **out) {
    *out = NULL;
    cn_status st = cn_tf_config_check(cfg);
    if (st) return st;
    cn_tf_acts *a = calloc(1, sizeof *a);
    if (!a) return cn_fail(CN_ERR_NOMEM, "out of memory for activations");
    a->cfg = *cfg;
    size_t T = (size_t)cfg->ctx, C = (size_t)cfg->d_model, L = (size_t)cfg->n_layers;
    size_t sizes[A_NLAYER], total = 0;
    for (int k = 0; k < A_NLAYER; k++) total += (sizes[k] = layer_size(cfg, k) * L);
    float **singles[] = {&a->enc, &a->mask_e, &a->lnf, &a->lnf_mean, &a->lnf_rstd, &a->logit_p,
                         &a->pre_d, &a->act_d, &a->logit_d, &a->pre_r, &a->act_r, &a->logit_r,
                         &a->d_res, &a->d_a, &a->d_b, &a->d_qkv, &a->d_fc, &a->d_att};
    size_t ssz[] = {T * C, T * C, T * C, T, T, T * CN_EV_NPITCH, T * C, T * C, T * CN_EV_NDUR,
                    T * C, T * C, T * CN_EV_NREST, T * C, T * C, T * C, T * 3 * C, T * 4 * C,
                    T * T};
    enum { NS = sizeof ssz / sizeof ssz[0] };
    for (int k = 0; k < NS; k++) total += ssz[k];
    a->block = calloc(total, sizeof(float));
    a->tg = calloc(T, sizeof *a->tg);
    a->in = calloc(T, sizeof *a->in);
    if (!a->block || !a->tg || !a->in) {
        cn_tf_acts_destroy(a);
        return cn_fail(CN_ERR_NOMEM, "out of memory for %zu activation floats", total);
    }
    float *p = a->block;
    for (int k = 0; k < A_NLAYER; k++) a->layer[k] = p, p += sizes[k];
    for (int k = 0; k < NS; k++) *singles[k] = p, p += ssz[k];
    *out = a;
    return CN_OK;
}

void cn_tf_acts_destroy(cn_tf_acts *a) {
    if (!a) return;
    free(a->block);
    free(a->tg);
    free(a->in);
    free(a);
}

const float *cn_tf_hidden(const cn_tf_acts *a, int t) { return a->lnf + (size_t)t * a->cfg.d_model; }

// Pointer to layer l's slice of per-layer activation k.
static float *LA(const cn_tf_acts *a, int k, int l) {
    return a->layer[k] + (size_t)l * layer_size(&a->cfg, k);
}

// ---- kernels specific to this model -------------------------------------------------------

// Rotate (q, k) pairs of every head of tokens 0..n-1 by their position; sign -1 undoes it
// (the backward of a rotation is the inverse rotation of the gradient).
static void rope(const cn_tf *m, float *qkv, int n, int pos0, float sign) {
    int C = m->cfg.d_model, hs = C / m->cfg.n_heads, half = hs / 2;
    for (int t = 0; t < n; t++) {
        const float *cs = m->rope_cos + (size_t)(pos0 + t) * half;
        const float *sn = m->rope_sin + (size_t)(pos0 + t) * half;
        for (int part = 0; part < 2; part++) { // q then k
            float *base = qkv + (size_t)t * 3 * C + part * C;
            for (int h = 0; h < m->cfg.n_heads; h++) {
                float *v = base + h * hs;
                for (int i = 0; i < half; i++) {
                    float x = v[i], y = v[i + half], c = cs[i], s = sign * sn[i];
                    v[i] = x * c - y * s;
                    v[i + half] = x * s + y * c;
                }
            }
        }
    }
}

// Causal attention runs in CN_TF_ATT_BLOCKS blocks of query rows: the block of rows [r0, r1)
// only sees keys [0, r1), so the GEMMs skip most of the masked upper triangle (5/8 of
// the full score matrix's work with 4 blocks). Entries of att and dP right of r1 are
// never written nor read.
static int att_block(int n) { return (n + CN_TF_ATT_BLOCKS - 1) / CN_TF_ATT_BLOCKS; }

// y[n,C] = causal softmax(Q K^T / sqrt(hs)) V per head; att[H,n,n] keeps the probabilities.
static void attention_forward(float *y, float *att, const float *qkv, int n, int C, int H) {
    int hs = C / H, bs = att_block(n);
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < H; h++) {
        float *P = att + (size_t)h * n * n;
        const float *Q = qkv + h * hs, *K = qkv + C + h * hs, *V = qkv + 2 * C + h * hs;
        for (int r0 = 0; r0 < n; r0 += bs) {
            int r1 = r0 + bs < n ? r0 + bs : n;
            float *Pb = P + (size_t)r0 * n;
            cn_sgemm(0, 1, r1 - r0, r1, hs, scale, Q + (size_t)r0 * 3 * C, 3 * C, K, 3 * C, 0.0f, Pb, n);
            for (int i = r0; i < r1; i++) {
                float *row = P + (size_t)i * n;
                cn_softmax_fast(row, i + 1);
                memset(row + i + 1, 0, (size_t)(r1 - i - 1) * sizeof *row);
            }
            cn_sgemm(0, 0, r1 - r0, hs, r1, 1.0f, Pb, n, V, 3 * C, 0.0f, y + (size_t)r0 * C + h * hs, C);
        }
    }
}

// dqkv[n,3C] is overwritten. Row blocks go last to first: the last one reaches every key,
// so its GEMMs set dK and dV and the others add to them.
static void attention_backward(float *dqkv, float *dP, const float *dy, const float *att,
                               const float *qkv, int n, int C, int H) {
    int hs = C / H, bs = att_block(n);
    float scale = 1.0f / sqrtf((float)hs);
    for (int h = 0; h < H; h++) {
        const float *P = att + (size_t)h * n * n;
        const float *Q = qkv + h * hs, *K = qkv + C + h * hs, *V = qkv + 2 * C + h * hs;
        float *dQ = dqkv + h * hs, *dK = dQ + C, *dV = dQ + 2 * C;
        for (int r0 = (n - 1) / bs * bs; r0 >= 0; r0 -= bs) {
            int r1 = r0 + bs < n ? r0 + bs : n, rows = r1 - r0;
            float beta = r1 == n ? 0.0f : 1.0f;
            const float *Pb = P + (size_t)r0 * n, *dyb = dy + (size_t)r0 * C + h * hs;
            float *dPb = dP + (size_t)r0 * n;
            cn_sgemm(0, 1, rows, r1, hs, 1.0f, dyb, C, V, 3 * C, 0.0f, dPb, n);
            cn_sgemm(1, 0, r1, hs, rows, 1.0f, Pb, n, dyb, C, beta, dV, 3 * C);
            for (int i = r0; i < r1; i++) { // softmax backward, in place: dP -> dS
                float *d = dP + (size_t)i * n;
                cn_softmax_backward(d, P + (size_t)i * n, i + 1);
                memset(d + i + 1, 0, (size_t)(r1 - i - 1) * sizeof *d);
            }
            cn_sgemm(0, 0, rows, hs, r1, scale, dPb, n, K, 3 * C, 0.0f, dQ + (size_t)r0 * 3 * C, 3 * C);
            cn_sgemm(1, 0, r1, hs, rows, scale, dPb, n, Q + (size_t)r0 * 3 * C, 3 * C, beta, dK, 3 * C);
        }
    }
}

// Inverted dropout: mask entries are 0 or 1/(1-p). The uniforms are drawn first (the rng
// is sequential), so the mask and product loops vectorise without branches.
static void dropout_forward(float *x, float *mask, size_t n, float p, cn_rng *rng) {
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) mask[i] = cn_rng_uniform(rng);
    for (size_t i = 0; i < n; i++) mask[i] = mask[i] < p ? 0.0f : keep;
    for (size_t i = 0; i < n; i++) x[i] *= mask[i];
}

static int cond_row(int v, int field) {
    int rows = cn_tf_cond_rows(field);
    return v >= 0 && v < rows - 1 ? v : rows - 1;
}

static void add_row(float *dst, const float *table, int row, int C) {
    const float *src = table + (size_t)row * C;
    for (int c = 0; c < C; c++) dst[c] += src[c];
}

int cn_tf_gap_row(int gap_ticks) {
    int beats = (gap_ticks + 6) / 12;
    return beats < 0 ? 0 : beats >= CN_TF_NGAP ? CN_TF_NGAP - 1 : beats;
}

// The rows of the tables that make up e's embedding (an event: pitch, dur, rest; the
// suffix marker: its row and the gap's; the middle marker: its row) and their count.
static int embed_rows(const cn_tf_weights *w, const cn_mevent *e, int C, float *rows[3]) {
    if (e->pitch >= 0) {
        rows[0] = w->emb_pitch + (size_t)e->pitch * C;
        rows[1] = w->emb_dur + (size_t)(e->dur - 1) * C;
        rows[2] = w->emb_rest + (size_t)e->rest * C;
        return 3;
    }
    if (e->pitch == CN_TF_MIDDLE) {
        rows[0] = w->fim_mark + (size_t)C;
        return 1;
    }
    rows[0] = w->fim_mark;
    rows[1] = w->fim_gap + (size_t)cn_tf_gap_row(e->dur) * C;
    return 2;
}

void cn_tf_embed(const cn_tf *m, const cn_mevent *e, float *x) {
    int C = m->cfg.d_model;
    float *rows[3];
    int n = embed_rows(&m->w, e, C, rows);
    memset(x, 0, (size_t)C * sizeof *x);
    for (int r = 0; r < n; r++) add_row(x, rows[r], 0, C);
}

// What the heads are teacher-forced with at a target: a marker (not scored) gets
// a harmless event so the conditional heads index valid rows.
static cn_mevent head_target(const cn_mevent *e) {
    return e->pitch >= 0 ? *e : (cn_mevent){0, 1, 0};
}

// ---- forward -------------------------------------------------------------------------------

float cn_tf_forward(const cn_tf *m, cn_tf_acts *a, const cn_melody_cond *cond,
                    const cn_mevent *in, int n_in, const cn_mevent *targets, cn_rng *rng) {
    const cn_tf_config *c = &m->cfg;
    const cn_tf_weights *w = &m->w;
    int C = c->d_model, L = c->n_layers, H = c->n_heads, n = n_in + 1;
    size_t nC = (size_t)n * C;
    a->n = n;
    a->dropout = rng && c->dropout > 0;
    a->has_targets = targets != NULL;
    if (n_in > 0) memcpy(a->in, in, (size_t)n_in * sizeof *in);
    if (targets) memcpy(a->tg, targets, (size_t)n * sizeof *targets);
    const int cv[4] = {cond->key, cond->meter, cond->style, cond->length};

    // Embeddings: token 0 = sum of the conditioning rows, token t = pitch + dur + rest.
    memset(a->enc, 0, nC * sizeof(float));
    for (int f = 0; f < 4; f++) {
        a->cond_row[f] = cond_row(cv[f], f);
        add_row(a->enc, cn_tf_tensor(w, CN_TF_COND_KEY + f), a->cond_row[f], C);
    }
    for (int t = 1; t < n; t++) cn_tf_embed(m, &a->in[t - 1], a->enc + (size_t)t * C);
    if (a->dropout) dropout_forward(a->enc, a->mask_e, nC, c->dropout, rng);

    const float *x = a->enc;
    for (int l = 0; l < L; l++) {
        float *ln1 = LA(a, A_LN1, l), *qkv = LA(a, A_QKV, l), *atty = LA(a, A_ATTY, l);
        float *attp = LA(a, A_ATTP, l), *res2 = LA(a, A_RES2, l), *ln2 = LA(a, A_LN2, l);
        float *fch = LA(a, A_FCH, l), *fcg = LA(a, A_FCG, l), *fcp = LA(a, A_FCP, l);
        float *res3 = LA(a, A_RES3, l);
        cn_layernorm_forward(ln1, LA(a, A_LN1_MEAN, l), LA(a, A_LN1_RSTD, l), x,
                             w->ln1_g + l * C, w->ln1_b + l * C, n, C);
        cn_matmul_forward(qkv, ln1, w->qkv_w + (size_t)l * 3 * C * C,
                          w->qkv_b + l * 3 * C, n, C, 3 * C);
        rope(m, qkv, n, 0, 1.0f);
        attention_forward(atty, LA(a, A_ATT, l), qkv, n, C, H);
        cn_matmul_forward(attp, atty, w->att_w + (size_t)l * C * C,
                          w->att_b + l * C, n, C, C);
        if (a->dropout) dropout_forward(attp, LA(a, A_MASK_A, l), nC, c->dropout, rng);
        for (size_t i = 0; i < nC; i++) res2[i] = x[i] + attp[i];
        cn_layernorm_forward(ln2, LA(a, A_LN2_MEAN, l), LA(a, A_LN2_RSTD, l), res2,
                             w->ln2_g + l * C, w->ln2_b + l * C, n, C);
        cn_matmul_forward(fch, ln2, w->fc_w + (size_t)l * 4 * C * C,
                          w->fc_b + l * 4 * C, n, C, 4 * C);
        cn_gelu_forward(fcg, fch, nC * 4);
        cn_matmul_forward(fcp, fcg, w->proj_w + (size_t)l * 4 * C * C,
                          w->proj_b + l * C, n, 4 * C, C);
        if (a->dropout) dropout_forward(fcp, LA(a, A_MASK_M, l), nC, c->dropout, rng);
        for (size_t i = 0; i < nC; i++) res3[i] = res2[i] + fcp[i];
        x = res3;
    }
    cn_layernorm_forward(a->lnf, a->lnf_mean, a->lnf_rstd, x, w->lnf_g,
                         w->lnf_b, n, C);
    if (!targets) return 0.0f;

    // Heads, teacher-forced: the duration head sees the target pitch, the rest head
    // the target pitch and duration.
    for (int t = 0; t < n; t++) {
        const cn_mevent e = head_target(&a->tg[t]);
        float *pd = a->pre_d + (size_t)t * C, *pr = a->pre_r + (size_t)t * C;
        memcpy(pd, a->lnf + (size_t)t * C, C * sizeof(float));
        memcpy(pr, pd, C * sizeof(float));
        add_row(pd, w->hd_pemb, e.pitch, C);
        add_row(pr, w->hr_pemb, e.pitch, C);
        add_row(pr, w->hr_demb, e.dur - 1, C);
    }
    cn_gelu_forward(a->act_d, a->pre_d, nC);
    cn_gelu_forward(a->act_r, a->pre_r, nC);
    cn_matmul_forward(a->logit_p, a->lnf, w->hp_w, w->hp_b, n, C, CN_EV_NPITCH);
    cn_matmul_forward(a->logit_d, a->act_d, w->hd_w, w->hd_b, n, C, CN_EV_NDUR);
    cn_matmul_forward(a->logit_r, a->act_r, w->hr_w, w->hr_b, n, C, CN_EV_NREST);
    double nll = 0;
    for (int t = 0; t < n; t++) {
        const cn_mevent *e = &a->tg[t];
        float *lp = a->logit_p + (size_t)t * CN_EV_NPITCH, *ld = a->logit_d + (size_t)t * CN_EV_NDUR;
        float *lr = a->logit_r + (size_t)t * CN_EV_NREST;
        if (e->pitch < 0) { // a marker: not scored, but backward reads probabilities
            cn_softmax_fast(lp, CN_EV_NPITCH);
            cn_softmax_fast(ld, CN_EV_NDUR);
            cn_softmax_fast(lr, CN_EV_NREST);
            continue;
        }
        float xp = lp[e->pitch], xd = ld[e->dur - 1], xr = lr[e->rest];
        nll -= (xp - cn_softmax_fast(lp, CN_EV_NPITCH)) + (xd - cn_softmax_fast(ld, CN_EV_NDUR)) +
               (xr - cn_softmax_fast(lr, CN_EV_NREST));
    }
    return (float)nll;
}

// ---- backward ------------------------------------------------------------------------------

static void mul_into(float *dst, const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = a[i] * b[i];
}

void cn_tf_backward(const cn_tf *m, cn_tf_acts *a, float *grads, float scale) {
    const cn_tf_config *c = &m->cfg;
    const cn_tf_weights *w = &m->w;
    cn_tf_weights g;
    cn_tf_params_point(c, grads, &g);
    int C = c->d_model, L = c->n_layers, H = c->n_heads, n = a->n;
    size_t nC = (size_t)n * C;

    // d(NLL)/d(logits) = probs - onehot, scaled; the prob buffers are overwritten.
    for (int t = 0; t < n; t++) {
        const cn_mevent *e = &a->tg[t];
        float *p = a->logit_p + (size_t)t * CN_EV_NPITCH, *d = a->logit_d + (size_t)t * CN_EV_NDUR;
        float *r = a->logit_r + (size_t)t * CN_EV_NREST;
        if (e->pitch < 0) { // a marker: no loss, no gradient
            memset(p, 0, CN_EV_NPITCH * sizeof *p);
            memset(d, 0, CN_EV_NDUR * sizeof *d);
            memset(r, 0, CN_EV_NREST * sizeof *r);
            continue;
        }
        p[e->pitch] -= 1.0f;
        d[e->dur - 1] -= 1.0f;
        r[e->rest] -= 1.0f;
        for (int k = 0; k < CN_EV_NPITCH; k++) p[k] *= scale;
        for (int k = 0; k < CN_EV_NDUR; k++) d[k] *= scale;
        for (int k = 0; k < CN_EV_NREST; k++) r[k] *= scale;
    }
    float *dh = a->d_a, *dpre = a->d_b; // dpre: d(head activation), then d(its input)
    cn_matmul_backward_set(dh, g.hp_w, g.hp_b, a->logit_p, a->lnf,
                           w->hp_w, n, C, CN_EV_NPITCH);
    for (int head = 0; head < 2; head++) {
        float *logit = head ? a->logit_r : a->logit_d, *act = head ? a->act_r : a->act_d;
        float *pre = head ? a->pre_r : a->pre_d;
        int wi = head ? CN_TF_HR_W : CN_TF_HD_W, V = head ? CN_EV_NREST : CN_EV_NDUR;
        cn_matmul_backward_set(dpre, cn_tf_tensor(&g, wi), cn_tf_tensor(&g, wi + 1), logit, act, cn_tf_tensor(w, wi), n, C, V);
        cn_gelu_backward_inplace(dpre, pre, nC);
        for (int t = 0; t < n; t++) {
            const float *dp = dpre + (size_t)t * C;
            const cn_mevent e = head_target(&a->tg[t]);
            float *ep = (head ? g.hr_pemb : g.hd_pemb) + (size_t)e.pitch * C;
            float *ed = head ? g.hr_demb + (size_t)(e.dur - 1) * C : NULL;
            float *dht = dh + (size_t)t * C;
            for (int k = 0; k < C; k++) {
                dht[k] += dp[k];
                ep[k] += dp[k];
                if (ed) ed[k] += dp[k];
            }
        }
    }
    // Final norm: d_res = d(output of the last block).
    float *dres = a->d_res;
    memset(dres, 0, nC * sizeof(float));
    const float *xL = L > 0 ? LA(a, A_RES3, L - 1) : a->enc;
    cn_layernorm_backward(dres, g.lnf_g, g.lnf_b, dh, xL, w->lnf_g,
                          a->lnf_mean, a->lnf_rstd, n, C);

    float *dt = a->d_a, *dt2 = a->d_b;
    for (int l = L - 1; l >= 0; l--) {
        const float *x = l ? LA(a, A_RES3, l - 1) : a->enc;
        // res3 = res2 + dropout(fcp): the branch gradient goes through the MLP.
        if (a->dropout) mul_into(dt, dres, LA(a, A_MASK_M, l), nC);
        else memcpy(dt, dres, nC * sizeof(float));
        cn_matmul_backward_set(a->d_fc, g.proj_w + (size_t)l * 4 * C * C,
                               g.proj_b + l * C, dt, LA(a, A_FCG, l),
                               w->proj_w + (size_t)l * 4 * C * C, n, 4 * C, C);
        cn_gelu_backward_inplace(a->d_fc, LA(a, A_FCH, l), nC * 4);
        cn_matmul_backward_set(dt2, g.fc_w + (size_t)l * 4 * C * C, g.fc_b + l * 4 * C,
                               a->d_fc, LA(a, A_LN2, l), w->fc_w + (size_t)l * 4 * C * C,
                               n, C, 4 * C);
        cn_layernorm_backward(dres, g.ln2_g + l * C, g.ln2_b + l * C, dt2,
                              LA(a, A_RES2, l), w->ln2_g + l * C, LA(a, A_LN2_MEAN, l),
                              LA(a, A_LN2_RSTD, l), n, C);
        // res2 = x + dropout(attp): the branch gradient goes through attention.
        if (a->dropout) mul_into(dt, dres, LA(a, A_MASK_A, l), nC);
        else memcpy(dt, dres, nC * sizeof(float));
        cn_matmul_backward_set(dt2, g.att_w + (size_t)l * C * C, g.att_b + l * C, dt,
                               LA(a, A_ATTY, l), w->att_w + (size_t)l * C * C, n, C, C);
        attention_backward(a->d_qkv, a->d_att, dt2, LA(a, A_ATT, l), LA(a, A_QKV, l), n, C, H);
        rope(m, a->d_qkv, n, 0, -1.0f);
        cn_matmul_backward_set(dt, g.qkv_w + (size_t)l * 3 * C * C, g.qkv_b + l * 3 * C,
                               a->d_qkv, LA(a, A_LN1, l), w->qkv_w + (size_t)l * 3 * C * C,
                               n, C, 3 * C);
        cn_layernorm_backward(dres, g.ln1_g + l * C, g.ln1_b + l * C, dt, x,
                              w->ln1_g + l * C, LA(a, A_LN1_MEAN, l), LA(a, A_LN1_RSTD, l),
                              n, C);
    }
    // Embeddings: scatter the (dropout-masked) gradient into the rows that were used.
    if (a->dropout) mul_into(dres, dres, a->mask_e, nC);
    for (int f = 0; f < 4; f++) {
        float *row = cn_tf_tensor(&g, CN_TF_COND_KEY + f) + (size_t)a->cond_row[f] * C;
        for (int k = 0; k < C; k++) row[k] += dres[k];
    }
    for (int t = 1; t < n; t++) {
        const float *d = dres + (size_t)t * C;
        float *rows[3];
        int nr = embed_rows(&g, &a->in[t - 1], C, rows);
        for (int r = 0; r < nr; r++)
            for (int k = 0; k < C; k++) rows[r][k] += d[k];
    }
}

// ---- the head on one hidden state --------------------------------------------------------

void cn_tf_pitch_probs(const cn_tf *m, const float *h, float out[CN_EV_NPITCH]) {
    cn_matmul_forward(out, h, m->w.hp_w, m->w.hp_b, 1, m->cfg.d_model, CN_EV_NPITCH);
    cn_softmax(out, CN_EV_NPITCH);
}

// out[V] = softmax(W gelu(h + rows...) + b) for the duration and rest heads.
static void conditional_head(const cn_tf *m, const float *h, const float *row1, const float *row2,
                             int wi, int V, float *out) {
    int C = m->cfg.d_model;
    float pre[4096], act[4096]; // C <= 4096 (cn_tf_config_check)
    for (int k = 0; k < C; k++) pre[k] = h[k] + row1[k] + (row2 ? row2[k] : 0.0f);
    cn_gelu_forward(act, pre, (size_t)C);
    cn_matmul_forward(out, act, cn_tf_tensor(&m->w, wi), cn_tf_tensor(&m->w, wi + 1), 1, C, V);
    cn_softmax(out, V);
}

void cn_tf_dur_probs(const cn_tf *m, const float *h, int pitch, float out[CN_EV_NDUR]) {
    int C = m->cfg.d_model;
    conditional_head(m, h, m->w.hd_pemb + (size_t)pitch * C, NULL, CN_TF_HD_W, CN_EV_NDUR, out);
}

void cn_tf_rest_probs(const cn_tf *m, const float *h, int pitch, int dur, float out[CN_EV_NREST]) {
    int C = m->cfg.d_model;
    conditional_head(m, h, m->w.hr_pemb + (size_t)pitch * C,
                     m->w.hr_demb + (size_t)(dur - 1) * C, CN_TF_HR_W, CN_EV_NREST, out);
}
