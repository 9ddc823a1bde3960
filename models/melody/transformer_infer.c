// transformer_infer.c: incremental inference of the melody transformer (cn_transformer.h).
// A state holds the tune's conditioning, the window of events the model sees, and (with
// the cache on) the keys and values of every layer for the tokens of that window, so
// observing an event is one token's worth of work. With the cache off, every observe
// recomputes the whole window through cn_tf_forward: the reference path for tests and
// the speed comparison. Both follow cn_tf_window_len, so they agree exactly (up to
// float rounding). Also the cn_event_model adapter.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_nn.h"
#include "models/melody/cn_transformer.h"

int cn_tf_window_len(int ctx, long n) {
    long cap = ctx - 1, half = ctx / 2;
    if (n <= cap) return (int)n;
    return (int)(half + (n - cap - 1) % (cap - half + 1));
}

struct cn_tf_state {
    const cn_tf *m;
    int use_cache;
    cn_melody_cond cond;
    long n_seen;       // events observed since reset
    cn_mevent *win;    // [T] events in the window
    int nwin;
    int pos;           // tokens in the KV cache (start token included)
    float *k;          // [L, H, hs, T] post-RoPE keys, stored transposed per head
    float *v;          // [L, T, C] values
    float *h;          // [C] hidden state predicting the next event
    float *x, *xn, *qkv, *y, *fc, *sc; // one token's scratch: [C] [C] [3C] [C] [4C] [T]
    cn_tf_acts *acts;  // the no-cache path
    float *block;
};

static size_t state_floats(const cn_tf_config *c, int use_cache) {
    size_t T = (size_t)c->ctx, C = (size_t)c->d_model, L = (size_t)c->n_layers;
    return (use_cache ? 2 * L * T * C : 0) + C * 4 + 3 * C + 4 * C + T;
}

static cn_status state_alloc(const cn_tf *m, int use_cache, cn_tf_state **out) {
    *out = NULL;
    const cn_tf_config *c = &m->cfg;
    cn_tf_state *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory for a transformer state");
    s->m = m;
    s->use_cache = use_cache;
    s->win = calloc((size_t)c->ctx, sizeof *s->win);
    s->block = calloc(state_floats(c, use_cache), sizeof(float));
    if (!s->win || !s->block) {
        cn_tf_state_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "out of memory for a transformer state");
    }
    size_t T = (size_t)c->ctx, C = (size_t)c->d_model, L = (size_t)c->n_layers;
    float *p = s->block;
    if (use_cache) {
        s->k = p, p += L * T * C;
        s->v = p, p += L * T * C;
    }
    s->h = p, p += C;
    s->x = p, p += C;
    s->xn = p, p += C;
    s->y = p, p += C;
    s->qkv = p, p += 3 * C;
    s->fc = p, p += 4 * C;
    s->sc = p;
    if (!use_cache) {
        cn_status st = cn_tf_acts_create(c, &s->acts);
        if (st) {
            cn_tf_state_destroy(s);
            return st;
        }
    }
    *out = s;
    return CN_OK;
}

cn_status cn_tf_state_create(const cn_tf *m, int use_cache, cn_tf_state **out) {
    cn_status st = state_alloc(m, use_cache, out);
    if (!st) {
        cn_melody_cond unknown = {-1, -1, -1, -1};
        cn_tf_state_reset(*out, &unknown);
    }
    return st;
}

void cn_tf_state_destroy(cn_tf_state *s) {
    if (!s) return;
    cn_tf_acts_destroy(s->acts);
    free(s->win);
    free(s->block);
    free(s);
}

cn_status cn_tf_state_clone(const cn_tf_state *s, cn_tf_state **out) {
    cn_status st = state_alloc(s->m, s->use_cache, out);
    if (st) return st;
    cn_tf_state *c = *out;
    c->cond = s->cond;
    c->n_seen = s->n_seen;
    c->nwin = s->nwin;
    c->pos = s->pos;
    memcpy(c->win, s->win, (size_t)s->m->cfg.ctx * sizeof *c->win);
    memcpy(c->block, s->block, state_floats(&s->m->cfg, s->use_cache) * sizeof(float));
    return CN_OK;
}

// Both attention loops of one head are y[r] = sum_c x[c] * m[c * ld + r] for r < rows,
// c < cols: the scores (x = q, m = the keys stored transposed, kt[i * T + j] = k_j[i])
// and the mix (x = the probabilities, m = the values, v_j = v + j * C). Written so that it
// vectorises while every sum still adds its terms in the reference's order (starting
// from 0, then term by term), so the results are bit-identical to the plain dot
// products: a block of 16 outputs is kept in registers and each gets its terms one after
// the other.
enum { ATT_BLOCK = 16 };

static void attention_matvec(float *restrict y, const float *restrict x, const float *restrict m,
                             int rows, int cols, int ld) {
    int r0 = 0;
    for (; r0 + ATT_BLOCK <= rows; r0 += ATT_BLOCK) {
        float acc[ATT_BLOCK] = {0};
        for (int c = 0; c < cols; c++) {
            const float xc = x[c], *restrict mc = m + (size_t)c * ld + r0;
            for (int b = 0; b < ATT_BLOCK; b++) acc[b] += xc * mc[b];
        }
        memcpy(y + r0, acc, sizeof acc);
    }
    for (; r0 < rows; r0++) {
        float a = 0;
        for (int c = 0; c < cols; c++) a += x[c] * m[(size_t)c * ld + r0];
        y[r0] = a;
    }
}

// One token through every layer at position s->pos, appending its keys and values to
// the cache; leaves the final hidden state in s->h. x holds the token's embedding.
static void step_token(cn_tf_state *s) {
    const cn_tf *m = s->m;
    const cn_tf_weights *w = &m->w;
    int C = m->cfg.d_model, H = m->cfg.n_heads, hs = C / H, half = hs / 2, T = m->cfg.ctx;
    int t = s->pos;
    float mean, rstd, scale = 1.0f / sqrtf((float)hs);
    for (int l = 0; l < m->cfg.n_layers; l++) {
        float *K = s->k + (size_t)l * T * C, *V = s->v + (size_t)l * T * C;
        cn_layernorm_forward(s->xn, &mean, &rstd, s->x, w->ln1_g + l * C,
                             w->ln1_b + l * C, 1, C);
        cn_matmul_forward(s->qkv, s->xn, w->qkv_w + (size_t)l * 3 * C * C,
                          w->qkv_b + l * 3 * C, 1, C, 3 * C);
        const float *cs = m->rope_cos + (size_t)t * half, *sn = m->rope_sin + (size_t)t * half;
        for (int part = 0; part < 2; part++)
            for (int h = 0; h < H; h++) {
                float *vv = s->qkv + part * C + h * hs;
                for (int i = 0; i < half; i++) {
                    float a = vv[i], b = vv[i + half];
                    vv[i] = a * cs[i] - b * sn[i];
                    vv[i + half] = a * sn[i] + b * cs[i];
                }
            }
        for (int c = 0; c < C; c++) K[(size_t)c * T + t] = s->qkv[C + c]; // row c = (head, i)
        memcpy(V + (size_t)t * C, s->qkv + 2 * C, C * sizeof(float));
        for (int h = 0; h < H; h++) {
            attention_matvec(s->sc, s->qkv + h * hs, K + (size_t)h * hs * T, t + 1, hs, T); // scores
            for (int j = 0; j <= t; j++) s->sc[j] *= scale;
            cn_softmax(s->sc, t + 1);
            attention_matvec(s->y + h * hs, s->sc, V + h * hs, hs, t + 1, C); // mix
        }
        cn_matmul_forward(s->xn, s->y, w->att_w + (size_t)l * C * C,
                          w->att_b + l * C, 1, C, C);
        for (int i = 0; i < C; i++) s->x[i] += s->xn[i];
        cn_layernorm_forward(s->xn, &mean, &rstd, s->x, w->ln2_g + l * C,
                             w->ln2_b + l * C, 1, C);
        cn_matmul_forward(s->fc, s->xn, w->fc_w + (size_t)l * 4 * C * C,
                          w->fc_b + l * 4 * C, 1, C, 4 * C);
        cn_gelu_forward(s->fc, s->fc, (size_t)4 * C);
        cn_matmul_forward(s->xn, s->fc, w->proj_w + (size_t)l * 4 * C * C,
                          w->proj_b + l * C, 1, 4 * C, C);
        for (int i = 0; i < C; i++) s->x[i] += s->xn[i];
    }
    cn_layernorm_forward(s->h, &mean, &rstd, s->x, w->lnf_g, w->lnf_b, 1, C);
    s->pos++;
}

static void embed_start(cn_tf_state *s) {
    const cn_tf *m = s->m;
    int C = m->cfg.d_model;
    const int cv[4] = {s->cond.key, s->cond.meter, s->cond.style, s->cond.length};
    memset(s->x, 0, C * sizeof(float));
    for (int f = 0; f < 4; f++) {
        int rows = cn_tf_cond_rows(f), r = cv[f] >= 0 && cv[f] < rows - 1 ? cv[f] : rows - 1;
        const float *row = cn_tf_tensor(&m->w, CN_TF_COND_KEY + f) + (size_t)r * C;
        for (int k = 0; k < C; k++) s->x[k] += row[k];
    }
}

// Recompute the whole window (no cache), keeping the last hidden state.
static void recompute(cn_tf_state *s) {
    cn_tf_forward(s->m, s->acts, &s->cond, s->win, s->nwin, NULL, NULL);
    memcpy(s->h, cn_tf_hidden(s->acts, s->nwin), (size_t)s->m->cfg.d_model * sizeof(float));
}

void cn_tf_state_reset(cn_tf_state *s, const cn_melody_cond *cond) {
    s->cond = *cond;
    s->n_seen = 0;
    s->nwin = 0;
    s->pos = 0;
    if (!s->use_cache) {
        recompute(s);
        return;
    }
    embed_start(s);
    step_token(s);
}

void cn_tf_state_observe(cn_tf_state *s, const cn_mevent *e) {
    int T = s->m->cfg.ctx;
    s->n_seen++;
    int keep = cn_tf_window_len(T, s->n_seen);
    if (keep == s->nwin + 1) {
        s->win[s->nwin++] = *e;
        if (!s->use_cache) {
            recompute(s);
            return;
        }
        cn_tf_embed(s->m, e, s->x);
        step_token(s);
        return;
    }
    // The window is full: keep its newest keep-1 events plus e, rebuild the cache.
    memmove(s->win, s->win + (s->nwin - (keep - 1)), (size_t)(keep - 1) * sizeof *s->win);
    s->win[keep - 1] = *e;
    s->nwin = keep;
    if (!s->use_cache) {
        recompute(s);
        return;
    }
    s->pos = 0;
    embed_start(s);
    step_token(s);
    for (int i = 0; i < s->nwin; i++) {
        cn_tf_embed(s->m, &s->win[i], s->x);
        step_token(s);
    }
}

const float *cn_tf_state_hidden(const cn_tf_state *s) { return s->h; }

// ---- cn_event_model adapter ---------------------------------------------------------------

typedef struct tf_em {
    cn_tf *m;
    cn_tf_state *s;
    int own_model;
} tf_em;

static cn_status em_reset(void *self, const cn_melody_cond *cond) {
    cn_tf_state_reset(((tf_em *)self)->s, cond);
    return CN_OK;
}

static cn_status em_observe(void *self, const cn_mevent *e) {
    if (e->pitch < 0 || e->pitch >= CN_EV_NPITCH || e->dur < 1 || e->dur > CN_EV_MAX_DUR ||
        e->rest < 0 || e->rest > CN_EV_MAX_REST)
        return cn_fail(CN_ERR_RANGE, "event (pitch %d, dur %d, rest %d) outside the vocabulary",
                       e->pitch, e->dur, e->rest);
    cn_tf_state_observe(((tf_em *)self)->s, e);
    return CN_OK;
}

static void em_pitch(void *self, float *out) {
    tf_em *t = self;
    cn_tf_pitch_probs(t->m, cn_tf_state_hidden(t->s), out);
}

static void em_dur(void *self, int pitch, float *out) {
    tf_em *t = self;
    cn_tf_dur_probs(t->m, cn_tf_state_hidden(t->s), pitch, out);
}

static void em_rest(void *self, int pitch, int dur, float *out) {
    tf_em *t = self;
    cn_tf_rest_probs(t->m, cn_tf_state_hidden(t->s), pitch, dur, out);
}

static void *em_clone(void *self) {
    tf_em *t = self, *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->m = t->m;
    if (cn_tf_state_clone(t->s, &c->s)) {
        free(c);
        return NULL;
    }
    return c;
}

static void em_free_clone(void *clone) {
    tf_em *c = clone;
    if (!c) return;
    cn_tf_state_destroy(c->s);
    free(c);
}

static void em_destroy(void *self) {
    tf_em *t = self;
    if (!t) return;
    cn_tf_state_destroy(t->s);
    if (t->own_model) cn_tf_destroy(t->m);
    free(t);
}

cn_status cn_tf_event_model(cn_tf *m, int use_cache, int own_model, cn_event_model *out) {
    cn_return_val_if_fail(m && out, CN_ERR_ARG);
    tf_em *t = calloc(1, sizeof *t);
    if (!t) return cn_fail(CN_ERR_NOMEM, "out of memory for the transformer model");
    t->m = m;
    t->own_model = own_model;
    cn_status st = cn_tf_state_create(m, use_cache, &t->s);
    if (st) {
        free(t);
        return st;
    }
    *out = (cn_event_model){t, "transformer", em_reset, em_observe, em_pitch, em_dur, em_rest,
                            em_clone, em_free_clone, em_destroy};
    return CN_OK;
}
