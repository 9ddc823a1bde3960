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

#include "core/cn_mem.h"
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
    s->block = cn_calloc_resident(state_floats(c, use_cache), sizeof(float)); // the KV cache: no page faults while playing
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

// Scratch rows of n tokens stepped together: [n][C] x (the tokens' embeddings in), xn, y;
// [n][3C] qkv; [n][4C] fc. A state's own scratch is a batch of one.
typedef struct rows {
    float *x, *xn, *qkv, *y, *fc;
} rows;

static rows own_rows(cn_tf_state *s) { return (rows){s->x, s->xn, s->qkv, s->y, s->fc}; }

// One token per state through every layer at position pos (the same for all), each
// appending its keys and values to its own cache; leaves the final hidden states in
// ss[i]->h. The matrix products take all n tokens at once (one pass over the weights).
static void step_rows(cn_tf_state *const *ss, int n, const rows *r) {
    const cn_tf *m = ss[0]->m;
    const cn_tf_weights *w = &m->w;
    int C = m->cfg.d_model, H = m->cfg.n_heads, hs = C / H, half = hs / 2, T = m->cfg.ctx;
    int t = ss[0]->pos;
    float mean[CN_TF_MAX_BATCH], rstd[CN_TF_MAX_BATCH], scale = 1.0f / sqrtf((float)hs);
    const float *cs = m->rope_cos + (size_t)t * half, *sn = m->rope_sin + (size_t)t * half;
    for (int l = 0; l < m->cfg.n_layers; l++) {
        cn_layernorm_forward(r->xn, mean, rstd, r->x, w->ln1_g + l * C, w->ln1_b + l * C, n, C);
        cn_matmul_forward(r->qkv, r->xn, w->qkv_w + (size_t)l * 3 * C * C, w->qkv_b + l * 3 * C, n, C, 3 * C);
        for (int b = 0; b < n; b++) {
            cn_tf_state *s = ss[b];
            float *qkv = r->qkv + (size_t)b * 3 * C, *K = s->k + (size_t)l * T * C, *V = s->v + (size_t)l * T * C;
            for (int part = 0; part < 2; part++)
                for (int h = 0; h < H; h++) {
                    float *vv = qkv + part * C + h * hs;
                    for (int i = 0; i < half; i++) {
                        float a = vv[i], c = vv[i + half];
                        vv[i] = a * cs[i] - c * sn[i];
                        vv[i + half] = a * sn[i] + c * cs[i];
                    }
                }
            for (int c = 0; c < C; c++) K[(size_t)c * T + t] = qkv[C + c]; // row c = (head, i)
            memcpy(V + (size_t)t * C, qkv + 2 * C, C * sizeof(float));
            for (int h = 0; h < H; h++) {
                attention_matvec(s->sc, qkv + h * hs, K + (size_t)h * hs * T, t + 1, hs, T); // scores
                for (int j = 0; j <= t; j++) s->sc[j] *= scale;
                cn_softmax(s->sc, t + 1);
                attention_matvec(r->y + (size_t)b * C + h * hs, s->sc, V + h * hs, hs, t + 1, C); // mix
            }
        }
        cn_matmul_forward(r->xn, r->y, w->att_w + (size_t)l * C * C, w->att_b + l * C, n, C, C);
        for (size_t i = 0; i < (size_t)n * C; i++) r->x[i] += r->xn[i];
        cn_layernorm_forward(r->xn, mean, rstd, r->x, w->ln2_g + l * C, w->ln2_b + l * C, n, C);
        cn_matmul_forward(r->fc, r->xn, w->fc_w + (size_t)l * 4 * C * C, w->fc_b + l * 4 * C, n, C, 4 * C);
        cn_gelu_forward(r->fc, r->fc, (size_t)n * 4 * C);
        cn_matmul_forward(r->xn, r->fc, w->proj_w + (size_t)l * 4 * C * C, w->proj_b + l * C, n, 4 * C, C);
        for (size_t i = 0; i < (size_t)n * C; i++) r->x[i] += r->xn[i];
    }
    for (int b = 0; b < n; b++) {
        cn_layernorm_forward(ss[b]->h, mean, rstd, r->x + (size_t)b * C, w->lnf_g, w->lnf_b, 1, C);
        ss[b]->pos++;
    }
}

// The start token's embedding (the conditioning) into x.
static void embed_start(const cn_tf_state *s, float *x) {
    const cn_tf *m = s->m;
    int C = m->cfg.d_model;
    const int cv[4] = {s->cond.key, s->cond.meter, s->cond.style, s->cond.length};
    memset(x, 0, C * sizeof(float));
    for (int f = 0; f < 4; f++) {
        int rows = cn_tf_cond_rows(f), r = cv[f] >= 0 && cv[f] < rows - 1 ? cv[f] : rows - 1;
        const float *row = cn_tf_tensor(&m->w, CN_TF_COND_KEY + f) + (size_t)r * C;
        for (int k = 0; k < C; k++) x[k] += row[k];
    }
}

// Recompute the whole window (no cache), keeping the last hidden state.
static void recompute(cn_tf_state *s) {
    cn_tf_forward(s->m, s->acts, &s->cond, s->win, s->nwin, NULL, NULL);
    memcpy(s->h, cn_tf_hidden(s->acts, s->nwin), (size_t)s->m->cfg.d_model * sizeof(float));
}

// Cached states: start each (with its own conditioning, already set) from its start token.
static void start_rows(cn_tf_state *const *ss, int n, const rows *r) {
    int C = ss[0]->m->cfg.d_model;
    for (int b = 0; b < n; b++) {
        ss[b]->pos = 0;
        embed_start(ss[b], r->x + (size_t)b * C);
    }
    step_rows(ss, n, r);
}

// Add e to the window: 1 when it was appended, 0 when the window was full and now holds
// its newest events plus e (the cache must be rebuilt).
static int window_push(cn_tf_state *s, const cn_mevent *e) {
    s->n_seen++;
    int keep = cn_tf_window_len(s->m->cfg.ctx, s->n_seen);
    if (keep == s->nwin + 1) {
        s->win[s->nwin++] = *e;
        return 1;
    }
    memmove(s->win, s->win + (s->nwin - (keep - 1)), (size_t)(keep - 1) * sizeof *s->win);
    s->win[keep - 1] = *e;
    s->nwin = keep;
    return 0;
}

// Cached states that have seen equally many events observe one event each.
static void observe_rows(cn_tf_state *const *ss, int n, const cn_mevent *ev, const rows *r) {
    const cn_tf *m = ss[0]->m;
    int C = m->cfg.d_model, appended = 1;
    for (int b = 0; b < n; b++) appended = window_push(ss[b], &ev[b]);
    if (appended) {
        for (int b = 0; b < n; b++) cn_tf_embed(m, &ev[b], r->x + (size_t)b * C);
        step_rows(ss, n, r);
        return;
    }
    start_rows(ss, n, r); // the window slid: rebuild every cache from its window
    for (int i = 0; i < ss[0]->nwin; i++) {
        for (int b = 0; b < n; b++) cn_tf_embed(m, &ss[b]->win[i], r->x + (size_t)b * C);
        step_rows(ss, n, r);
    }
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
    rows r = own_rows(s);
    start_rows(&s, 1, &r);
}

void cn_tf_state_observe(cn_tf_state *s, const cn_mevent *e) {
    if (!s->use_cache) {
        window_push(s, e);
        recompute(s);
        return;
    }
    rows r = own_rows(s);
    observe_rows(&s, 1, e, &r);
}

const float *cn_tf_state_hidden(const cn_tf_state *s) { return s->h; }

// ---- batches ------------------------------------------------------------------------------

struct cn_tf_batch {
    cn_tf_state *s[CN_TF_MAX_BATCH];
    int n;
    float *block; // the rows' scratch
    rows r;
};

static cn_status batch_alloc(const cn_tf *m, int n, cn_tf_batch **out) {
    *out = NULL;
    if (n < 1 || n > CN_TF_MAX_BATCH)
        return cn_fail(CN_ERR_ARG, "a transformer batch holds 1..%d states, not %d", CN_TF_MAX_BATCH, n);
    cn_tf_batch *b = calloc(1, sizeof *b);
    size_t C = (size_t)m->cfg.d_model, per = 10 * C; // x, xn, y: C each; qkv 3C; fc 4C
    if (b) b->block = malloc((size_t)n * per * sizeof(float));
    if (!b || !b->block) {
        free(b);
        return cn_fail(CN_ERR_NOMEM, "out of memory for a transformer batch");
    }
    b->n = n;
    float *p = b->block;
    b->r = (rows){p, p + n * C, p + 3 * n * C, p + 2 * n * C, p + 6 * n * C};
    *out = b;
    return CN_OK;
}

cn_status cn_tf_batch_create(const cn_tf *m, int n, cn_tf_batch **out) {
    cn_status st = batch_alloc(m, n, out);
    for (int i = 0; i < n && !st; i++) st = state_alloc(m, 1, &(*out)->s[i]);
    if (!st) {
        cn_melody_cond unknown[CN_TF_MAX_BATCH];
        for (int i = 0; i < n; i++) unknown[i] = (cn_melody_cond){-1, -1, -1, -1};
        cn_tf_batch_reset(*out, unknown);
    } else {
        cn_tf_batch_destroy(*out);
        *out = NULL;
    }
    return st;
}

cn_status cn_tf_batch_clone(const cn_tf_batch *b, cn_tf_batch **out) {
    cn_status st = batch_alloc(b->s[0]->m, b->n, out);
    for (int i = 0; i < b->n && !st; i++) st = cn_tf_state_clone(b->s[i], &(*out)->s[i]);
    if (st) {
        cn_tf_batch_destroy(*out);
        *out = NULL;
    }
    return st;
}

void cn_tf_batch_destroy(cn_tf_batch *b) {
    if (!b) return;
    for (int i = 0; i < b->n; i++) cn_tf_state_destroy(b->s[i]);
    free(b->block);
    free(b);
}

void cn_tf_batch_reset(cn_tf_batch *b, const cn_melody_cond cond[]) {
    for (int i = 0; i < b->n; i++) {
        cn_tf_state *s = b->s[i];
        s->cond = cond[i];
        s->n_seen = 0;
        s->nwin = 0;
    }
    start_rows(b->s, b->n, &b->r);
}

void cn_tf_batch_observe(cn_tf_batch *b, const cn_mevent ev[]) { observe_rows(b->s, b->n, ev, &b->r); }

const float *cn_tf_batch_hidden(const cn_tf_batch *b, int i) { return b->s[i]->h; }

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
    cn_status st = cn_event_check(e);
    if (st) return st;
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
