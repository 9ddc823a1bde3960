// sample.c: scoring tunes and sampling continuations from a cn_event_model
// (cn_sample.h). Sampling works factor by factor: the pitch is drawn, then the
// duration given that pitch, then the rest given both, each after temperature,
// top-k and top-p.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_sample.h"

cn_status cn_event_model_score(cn_event_model *m, const cn_melody_cond *cond,
                               const cn_event_seq *tune, double *bits) {
    cn_return_val_if_fail(m && tune && bits, CN_ERR_ARG);
    static const cn_melody_cond unknown = {-1, -1, -1, -1};
    cn_status st = m->reset(m->self, cond ? cond : &unknown);
    double sum = 0;
    for (int i = 0; i < tune->n && !st; i++) {
        sum -= cn_event_model_log2p(m, &tune->ev[i]);
        st = m->observe(m->self, &tune->ev[i]);
    }
    *bits = sum;
    return st;
}

cn_sample_config cn_sample_config_default(void) {
    return (cn_sample_config){.temperature = 1.0, .top_k = 0, .top_p = 1.0};
}

cn_status cn_sample_config_check(const cn_sample_config *c) {
    if (!(c->temperature > 0) || !isfinite(c->temperature))
        return cn_fail(CN_ERR_RANGE, "temperature %g must be > 0", c->temperature);
    if (c->top_k < 0) return cn_fail(CN_ERR_RANGE, "top-k %d must be >= 0", c->top_k);
    if (!(c->top_p > 0 && c->top_p <= 1))
        return cn_fail(CN_ERR_RANGE, "top-p %g must be in (0, 1]", c->top_p);
    return CN_OK;
}

typedef struct {
    double p;
    int i;
} ranked;

// Most likely first; ties by index so the order (and thus every draw) is deterministic.
static int by_prob_desc(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->p != y->p) return x->p < y->p ? 1 : -1;
    return x->i - y->i;
}

int cn_top_indices(const float *probs, int n, int k, int *idx) {
    ranked r[CN_EV_NPITCH > CN_EV_NREST ? CN_EV_NPITCH : CN_EV_NREST];
    for (int i = 0; i < n; i++) r[i] = (ranked){probs[i], i};
    qsort(r, (size_t)n, sizeof *r, by_prob_desc);
    if (k > n) k = n;
    for (int i = 0; i < k; i++) idx[i] = r[i].i;
    return k;
}

int cn_sample_index(const float *probs, int n, const cn_sample_config *cfg, cn_rng *rng) {
    ranked r[CN_EV_NPITCH > CN_EV_NREST ? CN_EV_NPITCH : CN_EV_NREST];
    double inv_t = 1.0 / cfg->temperature, z = 0;
    for (int i = 0; i < n; i++) {
        double p = probs[i] > 0 ? pow(probs[i], inv_t) : 0.0;
        r[i] = (ranked){p, i};
        z += p;
    }
    qsort(r, (size_t)n, sizeof *r, by_prob_desc);
    if (!(z > 0)) return r[0].i; // all mass underflowed: the first index
    int keep = cfg->top_k > 0 && cfg->top_k < n ? cfg->top_k : n;
    double mass = 0, cut = cfg->top_p * z;
    for (int i = 0; i < keep; i++) {
        mass += r[i].p;
        if (mass >= cut) {
            keep = i + 1;
            break;
        }
    }
    double kept = 0;
    for (int i = 0; i < keep; i++) kept += r[i].p;
    double u = cn_rng_uniform_d(rng) * kept, acc = 0;
    for (int i = 0; i < keep; i++) {
        acc += r[i].p;
        if (u < acc) return r[i].i;
    }
    return r[keep - 1].i;
}

static cn_status seq_push(cn_event_seq *s, int *cap, cn_mevent e) {
    if (s->n == *cap) {
        int c = *cap ? 2 * *cap : 64;
        cn_mevent *v = realloc(s->ev, (size_t)c * sizeof *v);
        if (!v) return cn_fail(CN_ERR_NOMEM, "out of memory for %d generated events", c);
        s->ev = v;
        *cap = c;
    }
    s->ev[s->n++] = e;
    return CN_OK;
}

int cn_gen_limit_step(const cn_gen_limit *lim, long long *ticks, cn_mevent *e) {
    *ticks += e->dur + e->rest;
    if (lim->max_ticks <= 0 || *ticks < lim->max_ticks) return 0;
    long long over = *ticks - lim->max_ticks;
    int r = e->rest < over ? e->rest : (int)over;
    e->rest -= r;
    e->dur -= (int)(over - r); // ticks before e were < max_ticks, so dur stays >= 1
    return 1;
}

cn_status cn_sample_continue(cn_event_model *m, const cn_sample_config *cfg, cn_rng *rng,
                             const cn_gen_limit *lim, cn_event_seq *out) {
    cn_return_val_if_fail(m && cfg && rng && lim && out, CN_ERR_ARG);
    cn_return_val_if_fail(lim->max_events > 0 || lim->max_ticks > 0, CN_ERR_ARG);
    memset(out, 0, sizeof *out);
    cn_status st = cn_sample_config_check(cfg);
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    long long ticks = 0;
    int cap = 0, done = 0;
    cn_progress_tracker tr;
    cn_progress_start(&tr, &lim->progress, lim->max_events > 0 ? "notes" : "ticks",
                      lim->max_events > 0 ? lim->max_events : lim->max_ticks);
    while (!st && !done && (lim->max_events <= 0 || out->n < lim->max_events)) {
        cn_mevent e;
        m->pitch_probs(m->self, p);
        e.pitch = cn_sample_index(p, CN_EV_NPITCH, cfg, rng);
        m->dur_probs(m->self, e.pitch, d);
        e.dur = cn_sample_index(d, CN_EV_NDUR, cfg, rng) + 1;
        m->rest_probs(m->self, e.pitch, e.dur, r);
        e.rest = cn_sample_index(r, CN_EV_NREST, cfg, rng);
        done = cn_gen_limit_step(lim, &ticks, &e);
        st = m->observe(m->self, &e);
        if (!st) st = seq_push(out, &cap, e);
        cn_progress_update(&tr, lim->max_events > 0 ? out->n : ticks);
    }
    if (!st) cn_progress_finish(&tr, lim->max_events > 0 ? out->n : ticks);
    if (st) cn_events_free(out);
    return st;
}
