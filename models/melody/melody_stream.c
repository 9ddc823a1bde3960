// melody_stream.c: an endless melody as timed note events (cn_melody_stream.h).
#include "models/melody/cn_melody_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_rng.h"

struct cn_mstream {
    cn_mstream_config cfg;
    cn_event_model *m;
    cn_rng rng;
    cn_event_seq primer;   // clamped copy; [0, next_primer) already given
    int next_primer;
    int64_t tick;          // onset tick of the next note
    double frames_per_tick;
    int64_t count, restarts;
    cn_mevent *recent;     // ring of the newest cfg.keep events of the tune
    int64_t n_recent;      // events ever pushed into the ring
    int tune_len;          // events the model has observed since its last reset
};

cn_mstream_config cn_mstream_config_default(void) {
    return (cn_mstream_config){.rate = 48000,
                               .bpm = 120,
                               .velocity = 90,
                               .sample = cn_sample_config_default(),
                               .seed = 0,
                               .cond = {-1, -1, -1, -1},
                               .max_tune = 1024,
                               .keep = 255};
}

// An event the model has just observed.
static void remember(cn_mstream *s, const cn_mevent *e) {
    s->recent[s->n_recent++ % s->cfg.keep] = *e;
    s->tune_len++;
}

static cn_status observe(cn_mstream *s, const cn_mevent *e) {
    cn_status st = s->m->observe(s->m->self, e);
    if (!st) remember(s, e);
    return st;
}

// A new tune that remembers the newest `keep` events (oldest first).
static cn_status restart(cn_mstream *s) {
    cn_status st = s->m->reset(s->m->self, &s->cfg.cond);
    int64_t n = s->n_recent < s->cfg.keep ? s->n_recent : s->cfg.keep;
    s->tune_len = 0;
    for (int64_t i = s->n_recent - n; i < s->n_recent && !st; i++) {
        st = s->m->observe(s->m->self, &s->recent[i % s->cfg.keep]);
        s->tune_len++;
    }
    s->restarts++;
    return st;
}

cn_status cn_mstream_create(const cn_mstream_config *cfg, cn_event_model *m,
                            const cn_event_seq *primer, cn_mstream **out) {
    cn_return_val_if_fail(cfg && m && primer && out && (primer->n == 0 || primer->ev), CN_ERR_ARG);
    *out = NULL;
    if (!(cfg->rate >= 1000 && cfg->rate <= 768000) || !(cfg->bpm >= 10 && cfg->bpm <= 1000))
        return cn_fail(CN_ERR_RANGE, "melody stream: rate %g Hz (1000..768000) or tempo %g bpm "
                                     "(10..1000) out of range", cfg->rate, cfg->bpm);
    if (cfg->velocity < 1 || cfg->velocity > 127 || cfg->keep < 1 || cfg->max_tune <= cfg->keep)
        return cn_fail(CN_ERR_RANGE, "melody stream: velocity %d (1..127), keep %d (>= 1) or "
                                     "max_tune %d (> keep) out of range", cfg->velocity,
                       cfg->keep, cfg->max_tune);
    cn_status st = cn_sample_config_check(&cfg->sample);
    if (st) return st;
    cn_mstream *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory for the melody stream");
    s->cfg = *cfg;
    s->m = m;
    cn_rng_seed(&s->rng, cfg->seed, 0);
    s->frames_per_tick = cfg->rate * 60.0 / (cfg->bpm * CN_TICKS_PER_BEAT);
    s->recent = malloc((size_t)cfg->keep * sizeof *s->recent);
    s->primer.ev = malloc((size_t)(primer->n ? primer->n : 1) * sizeof *s->primer.ev);
    if (!s->recent || !s->primer.ev) {
        cn_mstream_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "out of memory for the melody stream");
    }
    if (primer->n) memcpy(s->primer.ev, primer->ev, (size_t)primer->n * sizeof *primer->ev);
    s->primer.n = primer->n;
    s->primer.lead_rest = primer->lead_rest > 0 ? primer->lead_rest : 0;
    cn_events_clamp(&s->primer);
    s->tick = s->primer.lead_rest;
    st = m->reset(m->self, &cfg->cond);
    for (int i = 0; i < s->primer.n && !st; i++) st = observe(s, &s->primer.ev[i]);
    if (st) {
        cn_mstream_destroy(s);
        return st;
    }
    *out = s;
    return CN_OK;
}

void cn_mstream_destroy(cn_mstream *s) {
    if (!s) return;
    free(s->recent);
    cn_events_free(&s->primer);
    free(s);
}

int64_t cn_mstream_tick_frame(const cn_mstream *s, int64_t t) {
    return (int64_t)llround((double)t * s->frames_per_tick);
}

int64_t cn_mstream_next_frame(const cn_mstream *s) { return cn_mstream_tick_frame(s, s->tick); }
int64_t cn_mstream_count(const cn_mstream *s) { return s->count; }
int64_t cn_mstream_restarts(const cn_mstream *s) { return s->restarts; }

// Draw one event exactly as cn_sample_continue does (it also observes it).
static cn_status sample_one(cn_mstream *s, cn_mevent *e) {
    if (s->tune_len >= s->cfg.max_tune) {
        cn_status st = restart(s);
        if (st) return st;
    }
    const cn_gen_limit one = {.max_events = 1};
    cn_event_seq seq;
    cn_status st = cn_sample_continue(s->m, &s->cfg.sample, &s->rng, &one, &seq);
    if (st) return st;
    *e = seq.ev[0];
    cn_events_free(&seq);
    remember(s, e);
    return CN_OK;
}

cn_status cn_mstream_next(cn_mstream *s, cn_mevent *e, cn_note_event *on, cn_note_event *off,
                          int *sampled) {
    cn_return_val_if_fail(s && e && on && off, CN_ERR_ARG);
    int from_primer = s->next_primer < s->primer.n;
    if (from_primer) {
        *e = s->primer.ev[s->next_primer++];
    } else {
        cn_status st = sample_one(s, e);
        if (st) return st;
    }
    *on = (cn_note_event)CN_NOTE(cn_mstream_tick_frame(s, s->tick), CN_EV_NOTE_ON, e->pitch,
                          s->cfg.velocity);
    *off = (cn_note_event)CN_NOTE(cn_mstream_tick_frame(s, s->tick + e->dur), CN_EV_NOTE_OFF,
                           e->pitch, 0);
    s->tick += e->dur + e->rest;
    s->count++;
    if (sampled) *sampled = !from_primer;
    return CN_OK;
}
