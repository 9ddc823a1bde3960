// infill.c: regenerating a stretch of a tune from both sides (cn_infill.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_infill.h"

static cn_status seq_take(cn_event_seq *dst, const cn_mevent *src, int n, int lead_rest) {
    dst->lead_rest = lead_rest;
    dst->n = n;
    dst->ev = malloc((size_t)(n > 0 ? n : 1) * sizeof *dst->ev);
    if (!dst->ev) return cn_fail(CN_ERR_NOMEM, "out of memory for %d events", n);
    if (n > 0) memcpy(dst->ev, src, (size_t)n * sizeof *src);
    return CN_OK;
}

cn_status cn_infill_split(const cn_event_seq *t, long from, long to, cn_infill_parts *out) {
    memset(out, 0, sizeof *out);
    if (from < 0 || to <= from) return cn_fail(CN_ERR_ARG, "empty stretch: ticks %ld to %ld", from, to);
    long onset = t->lead_rest, end = t->lead_rest;
    for (int i = 0; i < t->n; i++) end += t->ev[i].dur + t->ev[i].rest;
    int a = 0, b;
    long on_a, on_b;
    for (; a < t->n && onset < from; a++) onset += t->ev[a].dur + t->ev[a].rest;
    on_a = onset;
    for (b = a; b < t->n && onset < to; b++) onset += t->ev[b].dur + t->ev[b].rest;
    on_b = b < t->n ? onset : end;
    if (a == t->n) return cn_fail(CN_ERR_RANGE, "no note starts at or after the stretch's beginning (the tune ends first)");
    if (a == 0 && b == t->n) return cn_fail(CN_ERR_RANGE, "the stretch covers the whole tune: nothing is left on either side");
    cn_status st;
    if ((st = seq_take(&out->prefix, t->ev, a, t->lead_rest)) || (st = seq_take(&out->middle, t->ev + a, b - a, 0)) ||
        (st = seq_take(&out->suffix, t->ev + b, t->n - b, 0))) {
        cn_infill_parts_free(out);
        return st;
    }
    out->start = b > a ? on_a : from;
    if (a == 0) {
        out->prefix.lead_rest = (int)out->start;
    } else if (b == a) { // nothing starts in the stretch: cut the note (or rest) that covers it
        cn_mevent *e = &out->prefix.ev[a - 1];
        long o = on_a - e->dur - e->rest;
        if (o + e->dur > from) e->dur = (int)(from - o), e->rest = 0;
        else e->rest = (int)(from - o - e->dur);
    }
    out->gap = (int)(on_b - out->start);
    return CN_OK;
}

void cn_infill_parts_free(cn_infill_parts *p) {
    cn_events_free(&p->prefix);
    cn_events_free(&p->middle);
    cn_events_free(&p->suffix);
}

cn_status cn_infill_fit(const cn_tf *m, const cn_infill_parts *p, int middle_events, int *n_prefix,
                        int *n_suffix) {
    int avail = m->cfg.ctx - 3 - middle_events; // the start token and the two markers
    if (avail < 0)
        return cn_fail(CN_ERR_RANGE, "a middle of %d notes does not fit the model's context of %d tokens",
                       middle_events, m->cfg.ctx);
    int ns = p->suffix.n < avail / 2 ? p->suffix.n : avail / 2;
    int np = p->prefix.n < avail - ns ? p->prefix.n : avail - ns;
    *n_suffix = p->suffix.n < avail - np ? p->suffix.n : avail - np;
    *n_prefix = np;
    return CN_OK;
}

static void observe_all(cn_tf_state *s, const cn_mevent *ev, int n) {
    for (int i = 0; i < n; i++) {
        cn_mevent e = cn_event_clamped(ev[i]);
        cn_tf_state_observe(s, &e);
    }
}

// Reset, then read the prefix's newest np events; with both sides also SUFFIX(gap), the
// suffix's oldest ns events and MIDDLE.
static void read_context(cn_tf_state *s, const cn_melody_cond *cond, const cn_infill_parts *p, int np,
                         int ns, int both) {
    const cn_melody_cond unknown = {-1, -1, -1, -1};
    cn_tf_state_reset(s, cond ? cond : &unknown);
    observe_all(s, p->prefix.ev + p->prefix.n - np, np);
    if (!both) return;
    cn_mevent mark = cn_tf_suffix_marker(p->gap);
    cn_tf_state_observe(s, &mark);
    observe_all(s, p->suffix.ev, ns);
    mark = cn_tf_middle_marker();
    cn_tf_state_observe(s, &mark);
}

static double score_events(const cn_tf *m, cn_tf_state *s, const cn_mevent *ev, int n) {
    double bits = 0;
    float pp[CN_EV_NPITCH], pd[CN_EV_NDUR], pr[CN_EV_NREST];
    for (int i = 0; i < n; i++) {
        cn_mevent e = cn_event_clamped(ev[i]);
        const float *h = cn_tf_state_hidden(s);
        cn_tf_pitch_probs(m, h, pp);
        cn_tf_dur_probs(m, h, e.pitch, pd);
        cn_tf_rest_probs(m, h, e.pitch, e.dur, pr);
        bits -= log2((double)pp[e.pitch]) + log2((double)pd[e.dur - 1]) + log2((double)pr[e.rest]);
        cn_tf_state_observe(s, &e);
    }
    return bits;
}

cn_status cn_infill_bits(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                         double *bits_both, double *bits_left) {
    int np, ns;
    cn_status st = cn_infill_fit(m, p, p->middle.n, &np, &ns);
    cn_tf_state *s = NULL;
    if (st || (st = cn_tf_state_create(m, 1, &s))) return st;
    read_context(s, cond, p, np, ns, 1);
    *bits_both = score_events(m, s, p->middle.ev, p->middle.n);
    read_context(s, cond, p, np, ns, 0);
    *bits_left = score_events(m, s, p->middle.ev, p->middle.n);
    cn_tf_state_destroy(s);
    return CN_OK;
}

static cn_status sample_middle(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                               const cn_sample_config *cfg, cn_rng *rng, int both, cn_event_seq *out) {
    memset(out, 0, sizeof *out);
    if (p->gap < 1) return cn_fail(CN_ERR_RANGE, "no time to fill");
    // Room for the middle: one event per 3 ticks (a sixteenth triplet is 4), at most
    // half the context; the last one allowed takes whatever time is left.
    int room = p->gap / 3 + 1, half = (m->cfg.ctx - 3) / 2;
    room = room < half ? room : half;
    int np, ns;
    cn_tf_state *s = NULL;
    cn_status st = cn_infill_fit(m, p, room, &np, &ns);
    if (st || (st = cn_tf_state_create(m, 1, &s))) return st;
    if (!(out->ev = malloc((size_t)room * sizeof *out->ev))) {
        cn_tf_state_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "out of memory for the middle");
    }
    read_context(s, cond, p, np, ns, both);
    float pp[CN_EV_NPITCH], pd[CN_EV_NDUR], pr[CN_EV_NREST];
    long left = p->gap;
    while (left > 0) {
        const float *h = cn_tf_state_hidden(s);
        cn_mevent e;
        cn_tf_pitch_probs(m, h, pp);
        e.pitch = cn_sample_index(pp, CN_EV_NPITCH, cfg, rng);
        cn_tf_dur_probs(m, h, e.pitch, pd);
        e.dur = 1 + cn_sample_index(pd, left < CN_EV_NDUR ? (int)left : CN_EV_NDUR, cfg, rng);
        cn_tf_rest_probs(m, h, e.pitch, e.dur, pr);
        long rest_max = left - e.dur < CN_EV_MAX_REST ? left - e.dur : CN_EV_MAX_REST;
        e.rest = cn_sample_index(pr, (int)rest_max + 1, cfg, rng);
        if (out->n == room - 1) e.rest = (int)(left - e.dur); // the last the room allows
        out->ev[out->n++] = e;
        left -= e.dur + e.rest;
        if (left > 0) cn_tf_state_observe(s, &e);
    }
    cn_tf_state_destroy(s);
    return CN_OK;
}

// Bits of the suffix's first CN_INFILL_JOIN_EVENTS events after prefix + middle, read
// left to right: how naturally the tune carries on after this middle.
static cn_status join_bits(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                           const cn_event_seq *mid, double *bits) {
    int head = p->suffix.n < CN_INFILL_JOIN_EVENTS ? p->suffix.n : CN_INFILL_JOIN_EVENTS;
    int np = p->prefix.n, room = m->cfg.ctx - 1 - mid->n - head;
    np = np < room ? np : room;
    *bits = 0;
    if (head == 0 || np < 0) return CN_OK; // nothing to judge by (or no room): all equal
    cn_tf_state *s;
    cn_status st = cn_tf_state_create(m, 1, &s);
    if (st) return st;
    read_context(s, cond, p, np, 0, 0);
    observe_all(s, mid->ev, mid->n);
    *bits = score_events(m, s, p->suffix.ev, head);
    cn_tf_state_destroy(s);
    return CN_OK;
}

cn_status cn_infill_sample(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                           const cn_sample_config *cfg, int candidates, cn_rng *rng, cn_event_seq *out) {
    memset(out, 0, sizeof *out);
    if (!m->fim)
        return cn_fail(CN_ERR_ARG, "this model was not trained for infilling (hint: train or fine-tune it with --fim)");
    if (candidates < 1 || candidates > CN_INFILL_MAX_CANDIDATES)
        return cn_fail(CN_ERR_ARG, "candidates %d outside 1..%d", candidates, CN_INFILL_MAX_CANDIDATES);
    cn_event_seq cand[CN_INFILL_MAX_CANDIDATES] = {{0}};
    double bits[CN_INFILL_MAX_CANDIDATES], best = INFINITY;
    cn_status st = CN_OK;
    int made = 0;
    for (; made < candidates && !st; made++) {
        st = sample_middle(m, cond, p, cfg, rng, 1, &cand[made]);
        if (!st && candidates > 1) st = join_bits(m, cond, p, &cand[made], &bits[made]);
        if (!st && candidates > 1) best = bits[made] < best ? bits[made] : best;
    }
    int pick = 0;
    if (!st && candidates > 1) { // draw one in proportion to P(suffix's start | its middle)
        double w[CN_INFILL_MAX_CANDIDATES], z = 0, u;
        for (int c = 0; c < made; c++) z += w[c] = exp2(best - bits[c]);
        u = cn_rng_uniform_d(rng) * z;
        for (pick = 0; pick < made - 1 && (u -= w[pick]) > 0; pick++) {}
    }
    for (int c = 0; c < made; c++) {
        if (c == pick && !st) *out = cand[c];
        else cn_events_free(&cand[c]);
    }
    return st;
}

cn_status cn_infill_sample_left(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                                const cn_sample_config *cfg, cn_rng *rng, cn_event_seq *out) {
    return sample_middle(m, cond, p, cfg, rng, 0, out);
}

cn_status cn_infill_join(const cn_infill_parts *p, const cn_event_seq *middle, cn_event_seq *out) {
    int n = p->prefix.n + middle->n + p->suffix.n;
    cn_status st = seq_take(out, p->prefix.ev, p->prefix.n, p->prefix.lead_rest);
    if (st) return st;
    cn_mevent *ev = realloc(out->ev, (size_t)(n > 0 ? n : 1) * sizeof *ev);
    if (!ev) {
        cn_events_free(out);
        return cn_fail(CN_ERR_NOMEM, "out of memory for %d events", n);
    }
    memcpy(ev + p->prefix.n, middle->ev, (size_t)middle->n * sizeof *ev);
    memcpy(ev + p->prefix.n + middle->n, p->suffix.ev, (size_t)p->suffix.n * sizeof *ev);
    out->ev = ev;
    out->n = n;
    return CN_OK;
}
