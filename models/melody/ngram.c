// ngram.c: the adaptive variable-order Markov model (cn_ngram.h): PPM count tables,
// the viewpoints that turn a tune's history into contexts, and the entropy-weighted
// combination of viewpoints and of the long- and short-term models.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_atomic_file.h"
#include "models/melody/cn_ngram.h"
#include "models/melody/cn_primer.h"

cn_ngram_config cn_ngram_config_default(void) {
    return (cn_ngram_config){.order = 16, .ltm_order = 5, .use_ltm = 1, .use_stm = 1, .vp_bias = 0.25,
                             .ltm_stm_bias = 0.5, .geometric = 0};
}

// ---- count tables
// One hash table holds every context of every viewpoint: key = hash of (viewpoint,
// order, context symbols) -> node with the total count, the number of distinct
// symbols seen (escape method C) and a linked list of (symbol, count) entries.

typedef struct {
    uint64_t key;
    int total, distinct, head; // head: first entry, -1 if none
} ng_node;

typedef struct {
    int sym, count, next;
} ng_entry;

typedef struct {
    uint32_t *slots; // node index + 1, 0 = empty; cap is a power of two
    size_t cap;
    ng_node *nodes;
    size_t n_nodes, cap_nodes;
    ng_entry *ent;
    size_t n_ent, cap_ent;
} ng_table;

static uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t key_extend(uint64_t h, int sym) {
    uint64_t k = fmix64(h ^ fmix64((uint64_t)(uint32_t)sym + 0x9e3779b97f4a7c15ULL));
    return k ? k : 1; // 0 marks nothing
}

static void table_free(ng_table *t) {
    free(t->slots);
    free(t->nodes);
    free(t->ent);
    memset(t, 0, sizeof *t);
}

static void table_clear(ng_table *t) {
    if (t->slots) memset(t->slots, 0, t->cap * sizeof *t->slots);
    t->n_nodes = t->n_ent = 0;
}

static const ng_node *table_find(const ng_table *t, uint64_t key) {
    if (!t->cap) return NULL;
    for (size_t i = key & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        uint32_t s = t->slots[i];
        if (!s) return NULL;
        if (t->nodes[s - 1].key == key) return &t->nodes[s - 1];
    }
}

static cn_status table_rehash(ng_table *t, size_t cap) {
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return cn_fail(CN_ERR_NOMEM, "out of memory growing n-gram table to %zu slots", cap);
    for (size_t n = 0; n < t->n_nodes; n++) {
        size_t i = t->nodes[n].key & (cap - 1);
        while (slots[i]) i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)(n + 1);
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return CN_OK;
}

static cn_status grow(void **p, size_t *cap, size_t elem) {
    size_t c = *cap ? *cap * 2 : 1024;
    void *q = realloc(*p, c * elem);
    if (!q) return cn_fail(CN_ERR_NOMEM, "out of memory growing n-gram counts to %zu", c);
    *p = q;
    *cap = c;
    return CN_OK;
}

static cn_status table_count(ng_table *t, uint64_t key, int sym) {
    cn_status st;
    if ((t->n_nodes + 1) * 2 > t->cap && (st = table_rehash(t, t->cap ? t->cap * 2 : 4096)))
        return st;
    size_t i = key & (t->cap - 1);
    while (t->slots[i] && t->nodes[t->slots[i] - 1].key != key) i = (i + 1) & (t->cap - 1);
    if (!t->slots[i]) {
        if (t->n_nodes == t->cap_nodes &&
            (st = grow((void **)&t->nodes, &t->cap_nodes, sizeof *t->nodes)))
            return st;
        t->nodes[t->n_nodes] = (ng_node){key, 0, 0, -1};
        t->slots[i] = (uint32_t)++t->n_nodes;
    }
    ng_node *nd = &t->nodes[t->slots[i] - 1];
    int e = nd->head;
    while (e >= 0 && t->ent[e].sym != sym) e = t->ent[e].next;
    if (e < 0) {
        if (t->n_ent == t->cap_ent && (st = grow((void **)&t->ent, &t->cap_ent, sizeof *t->ent)))
            return st;
        e = (int)t->n_ent++;
        t->ent[e] = (ng_entry){sym, 0, nd->head};
        nd->head = e;
        nd->distinct++;
    }
    t->ent[e].count++;
    nd->total++;
    return CN_OK;
}

static cn_status table_copy(ng_table *dst, const ng_table *src) {
    memset(dst, 0, sizeof *dst);
    dst->slots = malloc((src->cap ? src->cap : 1) * sizeof *dst->slots);
    dst->nodes = malloc((src->n_nodes ? src->n_nodes : 1) * sizeof *dst->nodes);
    dst->ent = malloc((src->n_ent ? src->n_ent : 1) * sizeof *dst->ent);
    if (!dst->slots || !dst->nodes || !dst->ent) {
        table_free(dst);
        return cn_fail(CN_ERR_NOMEM, "out of memory copying n-gram counts");
    }
    if (src->cap) memcpy(dst->slots, src->slots, src->cap * sizeof *dst->slots);
    if (src->n_nodes) memcpy(dst->nodes, src->nodes, src->n_nodes * sizeof *dst->nodes);
    if (src->n_ent) memcpy(dst->ent, src->ent, src->n_ent * sizeof *dst->ent);
    dst->cap = src->cap;
    dst->n_nodes = dst->cap_nodes = src->n_nodes;
    dst->n_ent = dst->cap_ent = src->n_ent;
    if (!dst->cap_nodes) dst->cap_nodes = 1;
    if (!dst->cap_ent) dst->cap_ent = 1;
    return CN_OK;
}

// Interpolated PPM, escape method C: start from uniform (order -1) or from a given
// base distribution, and for each context from order 0 up,
// p <- (count(s) + distinct * p) / (total + distinct).
static void table_blend(const ng_table *t, const uint64_t *keys, int n_keys, int alphabet,
                        const double *base, double *p) {
    for (int s = 0; s < alphabet; s++) p[s] = base ? base[s] : 1.0 / alphabet;
    for (int k = 0; k < n_keys; k++) {
        const ng_node *nd = table_find(t, keys[k]);
        if (!nd || !nd->total) continue;
        double inv = 1.0 / (nd->total + nd->distinct), g = nd->distinct * inv;
        for (int s = 0; s < alphabet; s++) p[s] *= g;
        for (int e = nd->head; e >= 0; e = t->ent[e].next) p[t->ent[e].sym] += t->ent[e].count * inv;
    }
}

// ---- tune history and viewpoints

typedef struct {
    cn_mevent *ev; // [n]
    int *onset;    // [n] ticks from the first note's onset
    int n, cap;
} ng_hist;

static cn_status hist_push(ng_hist *h, const cn_mevent *e) {
    if (h->n == h->cap) {
        int cap = h->cap ? 2 * h->cap : 256;
        cn_mevent *ev = realloc(h->ev, (size_t)cap * sizeof *ev);
        if (ev) h->ev = ev;
        int *on = ev ? realloc(h->onset, (size_t)cap * sizeof *on) : NULL;
        if (!on) return cn_fail(CN_ERR_NOMEM, "out of memory for a tune of %d events", cap);
        h->onset = on;
        h->cap = cap;
    }
    h->onset[h->n] = h->n ? h->onset[h->n - 1] + h->ev[h->n - 1].dur + h->ev[h->n - 1].rest : 0;
    h->ev[h->n++] = *e;
    return CN_OK;
}

static void hist_free(ng_hist *h) {
    free(h->ev);
    free(h->onset);
    memset(h, 0, sizeof *h);
}

static cn_status hist_copy(ng_hist *dst, const ng_hist *src) {
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < src->n; i++) {
        cn_status st = hist_push(dst, &src->ev[i]);
        if (st) {
            hist_free(dst);
            return st;
        }
    }
    return CN_OK;
}

// Viewpoints: each predicts one factor over its own alphabet from contexts made of
// an optional "fixed" symbol (what is known about the current event) followed by
// history tokens, most recent first.
enum {
    VP_PITCH, VP_INT, VP_REL, VP_INT_RHY, VP_INT_PHASE, // pitch
    VP_DUR, VP_DUR_INT, VP_DUR_PHASE,                 // duration
    VP_REST,                                          // rest
    VP_COUNT
};
enum { F_PITCH, F_DUR, F_REST };

static const struct {
    int factor, alphabet;
} vp_def[VP_COUNT] = {
    [VP_PITCH] = {F_PITCH, CN_EV_NPITCH},   // pitch | previous pitches
    [VP_INT] = {F_PITCH, 255},              // interval | previous intervals
    [VP_REL] = {F_PITCH, CN_EV_NPITCH},     // pitch - first pitch | previous ones
    [VP_INT_RHY] = {F_PITCH, 255},          // interval | previous (interval, dur, rest)
    [VP_INT_PHASE] = {F_PITCH, 255},        // interval | onset phase, previous intervals
    [VP_DUR] = {F_DUR, CN_EV_NDUR},         // dur | previous (dur, rest)
    [VP_DUR_INT] = {F_DUR, CN_EV_NDUR},     // dur | interval now, previous (dur, rest)
    [VP_DUR_PHASE] = {F_DUR, CN_EV_NDUR},   // dur | onset phase, previous (dur, rest)
    [VP_REST] = {F_REST, CN_EV_NREST},      // rest | dur now, previous (dur, rest)
};

#define NG_MAX_KEYS (CN_NGRAM_MAX_ORDER + 2)
#define REL_CENTER 64
// Onset phase = ticks since the first note mod 2 bars of 4/4 (the meter is unknown;
// tuned on nottingham/valid against 12, 24, 48 and 144).
#define NG_PHASE 96
#define NG_MAX_ALPHA 255 // largest viewpoint alphabet (intervals)

static int interval_at(const ng_hist *h, int i, int pitch) {
    return i == 0 ? 255 : pitch - h->ev[i - 1].pitch + 127; // 255: no previous note
}

// History token of event i (< h->n) for viewpoint vp, or -1 where undefined.
static int vp_token(const ng_hist *h, int vp, int i) {
    switch (vp) {
    case VP_PITCH: return h->ev[i].pitch;
    case VP_INT:
    case VP_INT_PHASE: return i ? h->ev[i].pitch - h->ev[i - 1].pitch + 127 : -1;
    case VP_REL: return h->ev[i].pitch - h->ev[0].pitch + 512;
    case VP_INT_RHY: return interval_at(h, i, h->ev[i].pitch) * 16384 + h->ev[i].dur * 128 + h->ev[i].rest;
    default: return h->ev[i].dur * 128 + h->ev[i].rest;
    }
}

// Context keys (order 0 first) to predict event t = h->n, whose pitch/dur are known
// as far as the factor needs. Returns 0 when the viewpoint cannot predict here.
static int vp_keys(const ng_hist *h, int vp, int order, int pitch, int dur, uint64_t *keys) {
    int t = h->n, n = 0;
    if ((vp == VP_INT || vp == VP_REL || vp == VP_INT_RHY || vp == VP_INT_PHASE) && t == 0) return 0;
    uint64_t k = key_extend(0x5eed, vp);
    keys[n++] = k;
    if (vp == VP_DUR_INT) keys[n++] = k = key_extend(k, 1000 + interval_at(h, t, pitch));
    if (vp == VP_REST) keys[n++] = k = key_extend(k, 1000 + dur);
    if (vp == VP_DUR_PHASE || vp == VP_INT_PHASE) {
        int on = t ? h->onset[t - 1] + h->ev[t - 1].dur + h->ev[t - 1].rest : 0;
        keys[n++] = k = key_extend(k, 1000 + on % NG_PHASE);
    }
    for (int j = 1; j <= order && t - j >= 0; j++) {
        int tok = vp_token(h, vp, t - j);
        if (tok < 0) break;
        keys[n++] = k = key_extend(k, tok);
    }
    return n;
}

// The symbol event e (at position h->n) gives viewpoint vp, or -1.
static int vp_symbol(const ng_hist *h, int vp, const cn_mevent *e) {
    switch (vp) {
    case VP_PITCH: return e->pitch;
    case VP_INT:
    case VP_INT_PHASE:
    case VP_INT_RHY: return h->n ? e->pitch - h->ev[h->n - 1].pitch + 127 : -1;
    case VP_REL: {
        if (!h->n) return -1;
        int s = e->pitch - h->ev[0].pitch + REL_CENTER;
        return s >= 0 && s < CN_EV_NPITCH ? s : -1;
    }
    case VP_DUR:
    case VP_DUR_INT:
    case VP_DUR_PHASE: return e->dur - 1;
    default: return e->rest;
    }
}

// Count event e (the next one after h) in every viewpoint of table t.
static cn_status count_event(ng_table *t, const ng_hist *h, int order, const cn_mevent *e) {
    uint64_t keys[NG_MAX_KEYS];
    for (int vp = 0; vp < VP_COUNT; vp++) {
        int sym = vp_symbol(h, vp, e);
        int n = sym < 0 ? 0 : vp_keys(h, vp, order, e->pitch, e->dur, keys);
        for (int k = 0; k < n; k++) {
            cn_status st = table_count(t, keys[k], sym);
            if (st) return st;
        }
    }
    return CN_OK;
}

// ---- long-term model

struct cn_ngram_ltm {
    int order, tunes;
    ng_table tab;
};

cn_status cn_ngram_ltm_create(int order, cn_ngram_ltm **out) {
    cn_return_val_if_fail(out && order >= 1 && order <= CN_NGRAM_MAX_ORDER, CN_ERR_ARG);
    *out = calloc(1, sizeof **out);
    if (!*out) return cn_fail(CN_ERR_NOMEM, "out of memory for an n-gram model");
    (*out)->order = order;
    return CN_OK;
}

cn_status cn_ngram_ltm_add(cn_ngram_ltm *ltm, const cn_event_seq *tune) {
    cn_return_val_if_fail(ltm && tune, CN_ERR_ARG);
    ng_hist h = {0};
    cn_status st = CN_OK;
    for (int i = 0; i < tune->n && !st; i++) {
        st = count_event(&ltm->tab, &h, ltm->order, &tune->ev[i]);
        if (!st) st = hist_push(&h, &tune->ev[i]);
    }
    hist_free(&h);
    ltm->tunes += !st;
    return st;
}

int cn_ngram_ltm_order(const cn_ngram_ltm *ltm) { return ltm->order; }
int cn_ngram_ltm_tunes(const cn_ngram_ltm *ltm) { return ltm->tunes; }

void cn_ngram_ltm_destroy(cn_ngram_ltm *ltm) {
    if (!ltm) return;
    table_free(&ltm->tab);
    free(ltm);
}

// ---- the LTM file: "CNLTM" magic, version, order, tune count, table sizes, then each
// node (key, total, distinct, head) and entry (symbol, count, next), little-endian. Node
// and entry order are kept, so a loaded model predicts bit for bit as the trained one.

#define LTM_MAGIC "CNLTM\0\0\0"
#define LTM_VERSION 1u

static int put_u64(FILE *f, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    return fwrite(b, 1, 8, f) == 8;
}
static int put_i32(FILE *f, int32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)((uint32_t)v >> (8 * i));
    return fwrite(b, 1, 4, f) == 4;
}
static int get_u64(FILE *f, uint64_t *v) {
    uint8_t b[8];
    if (fread(b, 1, 8, f) != 8) return 0;
    *v = 0;
    for (int i = 0; i < 8; i++) *v |= (uint64_t)b[i] << (8 * i);
    return 1;
}
static int get_i32(FILE *f, int32_t *v) {
    uint8_t b[4];
    if (fread(b, 1, 4, f) != 4) return 0;
    *v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
    return 1;
}

cn_status cn_ngram_ltm_save(const cn_ngram_ltm *ltm, const char *path) {
    cn_return_val_if_fail(ltm && path, CN_ERR_ARG);
    cn_atomic_file af;
    cn_status st = cn_atomic_file_open(&af, path);
    if (st) return st;
    const ng_table *t = &ltm->tab;
    int ok = fwrite(LTM_MAGIC, 1, 8, af.f) == 8 && put_i32(af.f, LTM_VERSION) && put_i32(af.f, ltm->order) &&
             put_i32(af.f, ltm->tunes) && put_u64(af.f, t->cap) && put_u64(af.f, t->n_nodes) &&
             put_u64(af.f, t->n_ent);
    for (size_t i = 0; ok && i < t->n_nodes; i++)
        ok = put_u64(af.f, t->nodes[i].key) && put_i32(af.f, t->nodes[i].total) &&
             put_i32(af.f, t->nodes[i].distinct) && put_i32(af.f, t->nodes[i].head);
    for (size_t i = 0; ok && i < t->n_ent; i++)
        ok = put_i32(af.f, t->ent[i].sym) && put_i32(af.f, t->ent[i].count) && put_i32(af.f, t->ent[i].next);
    return ok ? cn_atomic_file_commit(&af) : cn_atomic_file_fail(&af);
}

static cn_status ltm_read(FILE *f, const char *path, cn_ngram_ltm *ltm) {
    char magic[8];
    int32_t version = 0, order = 0, tunes = 0;
    uint64_t cap, n_nodes, n_ent;
    if (fread(magic, 1, 8, f) != 8 || memcmp(magic, LTM_MAGIC, 8))
        return cn_fail(CN_ERR_FORMAT, "%s is not a continuo n-gram file", path);
    if (!get_i32(f, &version) || (uint32_t)version != LTM_VERSION)
        return cn_fail(CN_ERR_VERSION, "%s: n-gram file version %d, this build reads %u (rebuild it with "
                                       "'continuo train ngram')", path, version, LTM_VERSION);
    if (!get_i32(f, &order) || !get_i32(f, &tunes) || !get_u64(f, &cap) || !get_u64(f, &n_nodes) ||
        !get_u64(f, &n_ent))
        return cn_fail(CN_ERR_FORMAT, "%s: truncated header", path);
    if (order < 1 || order > CN_NGRAM_MAX_ORDER || tunes < 0 || cap < 2 * n_nodes || (cap & (cap - 1)) ||
        cap > (1ull << 31) || n_ent > (1ull << 31))
        return cn_fail(CN_ERR_FORMAT, "%s: bad header (order %d, %llu slots, %llu contexts)", path, order,
                       (unsigned long long)cap, (unsigned long long)n_nodes);
    ng_table *t = &ltm->tab;
    ltm->order = order;
    ltm->tunes = tunes;
    t->nodes = malloc((n_nodes ? n_nodes : 1) * sizeof *t->nodes);
    t->ent = malloc((n_ent ? n_ent : 1) * sizeof *t->ent);
    if (!t->nodes || !t->ent) return cn_fail(CN_ERR_NOMEM, "out of memory reading %s", path);
    t->cap_nodes = t->n_nodes = n_nodes;
    t->cap_ent = t->n_ent = n_ent;
    for (size_t i = 0; i < n_nodes; i++) {
        ng_node *nd = &t->nodes[i];
        int32_t total, distinct, head;
        if (!get_u64(f, &nd->key) || !get_i32(f, &total) || !get_i32(f, &distinct) || !get_i32(f, &head))
            return cn_fail(CN_ERR_FORMAT, "%s: truncated at context %zu", path, i);
        if (!nd->key || total < 0 || distinct < 0 || head < -1 || (head >= 0 && (uint64_t)head >= n_ent))
            return cn_fail(CN_ERR_FORMAT, "%s: bad context %zu", path, i);
        *nd = (ng_node){nd->key, total, distinct, head};
    }
    for (size_t i = 0; i < n_ent; i++) {
        int32_t sym, count, next;
        if (!get_i32(f, &sym) || !get_i32(f, &count) || !get_i32(f, &next))
            return cn_fail(CN_ERR_FORMAT, "%s: truncated at entry %zu", path, i);
        if (count < 0 || next < -1 || (next >= 0 && (size_t)next >= i)) // lists only point back: no cycles
            return cn_fail(CN_ERR_FORMAT, "%s: bad entry %zu", path, i);
        t->ent[i] = (ng_entry){sym, count, next};
    }
    if (fgetc(f) != EOF) return cn_fail(CN_ERR_FORMAT, "%s: data after the last entry", path);
    return table_rehash(t, cap);
}

cn_status cn_ngram_ltm_load(const char *path, cn_ngram_ltm **out) {
    cn_return_val_if_fail(path && out, CN_ERR_ARG);
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cn_fail(CN_ERR_IO, "cannot open %s", path);
    cn_ngram_ltm *ltm = calloc(1, sizeof *ltm);
    cn_status st = ltm ? ltm_read(f, path, ltm) : cn_fail(CN_ERR_NOMEM, "out of memory reading %s", path);
    fclose(f);
    if (st) {
        cn_ngram_ltm_destroy(ltm);
        return st;
    }
    *out = ltm;
    return CN_OK;
}

cn_status cn_ngram_ltm_train(int order, const char *const *paths, int n_paths,
                             cn_ngram_ltm **out) {
    char **files = NULL;
    int n_files = 0;
    cn_status st = cn_midi_paths(paths, n_paths, &files, &n_files);
    if (st) return st;
    if (n_files == 0) st = cn_fail(CN_ERR_ARG, "no MIDI files to train the n-gram model on");
    if (!st) st = cn_ngram_ltm_create(order, out);
    for (int i = 0; i < n_files && !st; i++) {
        cn_event_seq s;
        st = cn_events_load_midi(files[i], &s, NULL);
        if (st) break;
        st = cn_ngram_ltm_add(*out, &s);
        cn_events_free(&s);
    }
    cn_midi_paths_free(files, n_files);
    if (st && n_files) {
        cn_ngram_ltm_destroy(*out);
        *out = NULL;
    }
    return st;
}

// ---- the predictor

typedef struct ng_model {
    cn_event_model iface; // iface.self == this
    cn_ngram_config cfg;
    const cn_ngram_ltm *ltm;
    ng_table stm;
    ng_hist h;
    char name[64];
} ng_model;

static double entropy_weight(const double *p, int n, double bias) {
    double h = 0;
    for (int s = 0; s < n; s++)
        if (p[s] > 0) h -= p[s] * log2(p[s]);
    double rel = h / log2((double)n);
    return pow(rel > 1e-6 ? rel : 1e-6, -bias);
}

// Combine m distributions over n symbols into out with entropy weights.
static void combine(double *const *p, int m, int n, double bias, int geometric, double *out) {
    double w[VP_COUNT + 2], wsum = 0;
    for (int i = 0; i < m; i++) wsum += w[i] = entropy_weight(p[i], n, bias);
    double z = 0;
    for (int s = 0; s < n; s++) {
        double v = 0;
        if (geometric) {
            for (int i = 0; i < m; i++) v += w[i] * log(p[i][s] > 1e-300 ? p[i][s] : 1e-300);
            v = exp(v / wsum);
        } else {
            for (int i = 0; i < m; i++) v += w[i] * p[i][s];
        }
        z += out[s] = v;
    }
    for (int s = 0; s < n; s++) out[s] /= z;
}

// Prediction of one factor by one table: its viewpoints mapped onto the factor's
// alphabet and combined (every factor has a viewpoint that always applies). vbuf holds
// each viewpoint's distribution on return; with over != 0 it also holds, on entry, the
// base each viewpoint blends its counts into (instead of uniform).
static void predict_table(const ng_model *m, const ng_table *t, int order, int factor, int pitch,
                          int dur, int alphabet, double (*buf)[NG_MAX_ALPHA], int over, double *out) {
    double mapped[VP_COUNT][NG_MAX_ALPHA], *parts[VP_COUNT];
    uint64_t keys[NG_MAX_KEYS];
    int np = 0;
    const ng_hist *h = &m->h;
    for (int vp = 0; vp < VP_COUNT; vp++) {
        if (vp_def[vp].factor != factor) continue;
        int n = vp_keys(h, vp, order, pitch, dur, keys);
        if (!n) continue;
        table_blend(t, keys, n, vp_def[vp].alphabet, over ? buf[vp] : NULL, buf[vp]);
        double *q = mapped[vp];
        if (vp == VP_INT || vp == VP_INT_RHY || vp == VP_INT_PHASE || vp == VP_REL) { // onto absolute pitch
            int off = vp != VP_REL ? 127 - h->ev[h->n - 1].pitch : REL_CENTER - h->ev[0].pitch;
            double z = 0;
            for (int s = 0; s < alphabet; s++) {
                int i = s + off;
                z += q[s] = i >= 0 && i < vp_def[vp].alphabet ? buf[vp][i] : 0.0;
            }
            if (z <= 0) continue;
            for (int s = 0; s < alphabet; s++) q[s] = (q[s] + 1e-12) / (z + alphabet * 1e-12);
        } else {
            memcpy(q, buf[vp], (size_t)alphabet * sizeof *q);
        }
        parts[np++] = q;
    }
    combine(parts, np, alphabet, m->cfg.vp_bias, m->cfg.geometric, out);
}

static void predict(ng_model *m, int factor, int pitch, int dur, float *out) {
    static const int alphabet[] = {CN_EV_NPITCH, CN_EV_NDUR, CN_EV_NREST};
    int n = alphabet[factor];
    double part[2][CN_EV_NPITCH], res[CN_EV_NPITCH], *parts[2];
    double vbuf[VP_COUNT][NG_MAX_ALPHA]; // per viewpoint: the LTM's, then the STM's
    int np = 0;
    if (m->cfg.use_ltm) {
        parts[np] = part[np];
        predict_table(m, &m->ltm->tab, m->cfg.ltm_order, factor, pitch, dur, n, vbuf, 0, parts[np++]);
    }
    if (m->cfg.use_stm) { // backs off into the LTM's viewpoints when there is one
        parts[np] = part[np];
        predict_table(m, &m->stm, m->cfg.order, factor, pitch, dur, n, vbuf, m->cfg.use_ltm, parts[np++]);
    }
    combine(parts, np, n, m->cfg.ltm_stm_bias, m->cfg.geometric, res);
    for (int s = 0; s < n; s++) out[s] = (float)res[s];
}

static cn_status ng_reset(void *self, const cn_melody_cond *cond) {
    (void)cond; // the tune teaches the STM its key and meter
    ng_model *m = self;
    table_clear(&m->stm);
    m->h.n = 0;
    return CN_OK;
}

static cn_status ng_observe(void *self, const cn_mevent *e) {
    ng_model *m = self;
    if (e->pitch < 0 || e->pitch >= CN_EV_NPITCH || e->dur < 1 || e->dur > CN_EV_MAX_DUR ||
        e->rest < 0 || e->rest > CN_EV_MAX_REST)
        return cn_fail(CN_ERR_RANGE, "event (pitch %d, dur %d, rest %d) outside the vocabularies",
                       e->pitch, e->dur, e->rest);
    cn_status st = m->cfg.use_stm ? count_event(&m->stm, &m->h, m->cfg.order, e) : CN_OK;
    return st ? st : hist_push(&m->h, e);
}

static void ng_pitch_probs(void *self, float out[CN_EV_NPITCH]) { predict(self, F_PITCH, 0, 0, out); }

static void ng_dur_probs(void *self, int pitch, float out[CN_EV_NDUR]) {
    predict(self, F_DUR, pitch, 0, out);
}

static void ng_rest_probs(void *self, int pitch, int dur, float out[CN_EV_NREST]) {
    predict(self, F_REST, pitch, dur, out);
}

static void ng_destroy(void *self) {
    ng_model *m = self;
    if (!m) return;
    table_free(&m->stm);
    hist_free(&m->h);
    free(m);
}

static void *ng_clone(void *self) {
    const ng_model *m = self;
    ng_model *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *m;
    c->iface.self = c;
    c->iface.name = c->name;
    if (table_copy(&c->stm, &m->stm)) {
        free(c);
        return NULL;
    }
    if (hist_copy(&c->h, &m->h)) {
        table_free(&c->stm);
        free(c);
        return NULL;
    }
    return c;
}

cn_status cn_ngram_create(const cn_ngram_config *cfg, const cn_ngram_ltm *ltm, const char *name,
                          cn_event_model **out) {
    cn_return_val_if_fail(cfg && out, CN_ERR_ARG);
    if (cfg->order < 1 || cfg->order > CN_NGRAM_MAX_ORDER)
        return cn_fail(CN_ERR_RANGE, "n-gram order %d outside 1..%d", cfg->order, CN_NGRAM_MAX_ORDER);
    if (!cfg->use_ltm && !cfg->use_stm)
        return cn_fail(CN_ERR_ARG, "n-gram model needs the long-term or the short-term model");
    if (cfg->use_ltm && !ltm)
        return cn_fail(CN_ERR_ARG, "n-gram model asked for a long-term model but none was given");
    if (cfg->use_ltm && (cfg->ltm_order < 1 || cfg->ltm_order > ltm->order))
        return cn_fail(CN_ERR_RANGE, "n-gram long-term order %d outside 1..%d (the order it was "
                       "trained with)", cfg->ltm_order, ltm->order);
    ng_model *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ERR_NOMEM, "out of memory for an n-gram model");
    m->cfg = *cfg;
    m->ltm = ltm;
    snprintf(m->name, sizeof m->name, "%s", name ? name : "ngram");
    m->iface = (cn_event_model){.self = m, .name = m->name, .reset = ng_reset, .observe = ng_observe,
                                .pitch_probs = ng_pitch_probs, .dur_probs = ng_dur_probs,
                                .rest_probs = ng_rest_probs, .clone = ng_clone,
                                .free_clone = ng_destroy, .destroy = ng_destroy};
    *out = &m->iface;
    return CN_OK;
}
