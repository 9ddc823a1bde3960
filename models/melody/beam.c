// beam.c: beam search over continuations (cn_sample.h). Each hypothesis owns a clone
// of the model that has observed its events; a step expands every unfinished
// hypothesis with its `width` best pitches x durations x rests, and the `width` best
// (by total log2-probability, ties by expansion order) survive. Finished hypotheses
// (at the event or tick limit) compete unchanged until every survivor has finished.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_sample.h"

#define BEAM_MAX 16

typedef struct {
    void *self;     // the model clone that observed ev[0..n)
    cn_mevent *ev;  // [n]
    int n, done;
    long long ticks;
    double lp;      // total log2-probability
} hyp;

typedef struct {
    int parent; // index into the current beam
    cn_mevent e; // the event to append (-1 pitch: keep the finished parent as it is)
    double lp;
} cand;

static int by_lp_desc(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->lp != y->lp) return x->lp < y->lp ? 1 : -1;
    if (x->parent != y->parent) return x->parent - y->parent; // ties: a fixed order
    if (x->e.pitch != y->e.pitch) return x->e.pitch - y->e.pitch;
    if (x->e.dur != y->e.dur) return x->e.dur - y->e.dur;
    return x->e.rest - y->e.rest;
}

static void hyp_free(const cn_event_model *m, hyp *h) {
    if (h->self) m->free_clone(h->self);
    free(h->ev);
    memset(h, 0, sizeof *h);
}

static double lg(float p) { return log2(p > 1e-30f ? (double)p : 1e-30); }

// Append every expansion of beam[b] to c; returns the new count.
static int expand(const cn_event_model *m, int width, const hyp *h, int b, cand *c, int nc) {
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    int ip[BEAM_MAX], id[BEAM_MAX], ir[BEAM_MAX];
    if (h->done) {
        c[nc++] = (cand){b, {-1, 0, 0}, h->lp};
        return nc;
    }
    m->pitch_probs(h->self, p);
    int np = cn_top_indices(p, CN_EV_NPITCH, width, ip);
    for (int i = 0; i < np; i++) {
        m->dur_probs(h->self, ip[i], d);
        int nd = cn_top_indices(d, CN_EV_NDUR, width, id);
        for (int j = 0; j < nd; j++) {
            m->rest_probs(h->self, ip[i], id[j] + 1, r);
            int nr = cn_top_indices(r, CN_EV_NREST, width, ir);
            for (int k = 0; k < nr; k++)
                c[nc++] = (cand){b, {ip[i], id[j] + 1, ir[k]},
                                 h->lp + lg(p[ip[i]]) + lg(d[id[j]]) + lg(r[ir[k]])};
        }
    }
    return nc;
}

// The child of parent h with event e appended: a clone of the parent's model state, or,
// with `take` (the parent's last child), the parent's state itself.
static cn_status make_child(const cn_event_model *m, const cn_gen_limit *lim, hyp *h, const cand *c,
                            int take, hyp *out) {
    memset(out, 0, sizeof *out);
    if (take) {
        out->self = h->self;
        h->self = NULL;
    } else {
        out->self = m->clone(h->self);
    }
    out->ev = malloc((size_t)(h->n + 1) * sizeof *out->ev);
    if (!out->self || !out->ev) {
        hyp_free(m, out);
        return cn_fail(CN_ERR_NOMEM, "out of memory in beam search");
    }
    if (h->n) memcpy(out->ev, h->ev, (size_t)h->n * sizeof *out->ev);
    out->n = h->n;
    out->ticks = h->ticks;
    out->lp = c->lp;
    cn_mevent e = c->e;
    out->done = cn_gen_limit_step(lim, &out->ticks, &e);
    out->ev[out->n++] = e;
    out->done |= lim->max_events > 0 && out->n >= lim->max_events;
    cn_status st = out->done ? CN_OK : m->observe(out->self, &e);
    if (st || out->done) { // a finished hypothesis needs no model state
        m->free_clone(out->self);
        out->self = NULL;
    }
    if (st) hyp_free(m, out);
    return st;
}

cn_status cn_beam_continue(cn_event_model *m, int width, const cn_gen_limit *lim,
                           cn_event_seq *out, double *log2p) {
    cn_return_val_if_fail(m && lim && out, CN_ERR_ARG);
    cn_return_val_if_fail(lim->max_events > 0 || lim->max_ticks > 0, CN_ERR_ARG);
    if (width < 1 || width > BEAM_MAX)
        return cn_fail(CN_ERR_RANGE, "beam width %d outside 1..%d", width, BEAM_MAX);
    if (!m->clone || !m->free_clone)
        return cn_fail(CN_ERR_UNSUPPORTED, "model '%s' cannot be cloned, so no beam search",
                       m->name);
    memset(out, 0, sizeof *out);
    hyp beam[BEAM_MAX] = {{0}}, next[BEAM_MAX];
    int nb = 1, all_done = 0;
    cand *c = malloc((size_t)BEAM_MAX * BEAM_MAX * BEAM_MAX * BEAM_MAX * sizeof *c);
    beam[0].self = m->clone(m->self);
    cn_status st = c && beam[0].self ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory in beam search");
    while (!st && !all_done) {
        int nc = 0;
        for (int b = 0; b < nb; b++) nc = expand(m, width, &beam[b], b, c, nc);
        qsort(c, (size_t)nc, sizeof *c, by_lp_desc);
        const int nn = nc < width ? nc : width;
        int children[BEAM_MAX] = {0};
        memset(next, 0, sizeof next);
        for (int i = 0; i < nn; i++) {
            if (c[i].e.pitch < 0) { // a finished hypothesis survives: move it over
                next[i] = beam[c[i].parent];
                memset(&beam[c[i].parent], 0, sizeof beam[0]);
            } else {
                children[c[i].parent]++;
            }
        }
        // Model states are the memory (a transformer's is its key/value cache): free the
        // parents no survivor needs, then give each parent's last child the parent's own
        // state, so at most `width` states live at once, not a beam's and its children's.
        for (int b = 0; b < nb; b++)
            if (!children[b]) hyp_free(m, &beam[b]);
        for (int b = 0; b < nb && !st; b++)
            for (int i = 0; i < nn && !st && children[b]; i++)
                if (c[i].e.pitch >= 0 && c[i].parent == b)
                    st = make_child(m, lim, &beam[b], &c[i], --children[b] == 0, &next[i]);
        for (int b = 0; b < nb; b++) hyp_free(m, &beam[b]);
        memcpy(beam, next, (size_t)nn * sizeof *beam);
        nb = nn;
        all_done = 1;
        for (int b = 0; b < nb; b++) all_done &= beam[b].done;
    }
    free(c);
    if (!st && nb > 0) { // beam[0] is the best: candidates were sorted
        out->ev = beam[0].ev;
        out->n = beam[0].n;
        beam[0].ev = NULL;
        if (log2p) *log2p = beam[0].lp;
    }
    for (int b = 0; b < nb; b++) hyp_free(m, &beam[b]);
    return st;
}
