// tf_ensemble.c: the transformer's transposition ensemble (cn_tf_ensemble.h). The members
// are readers of the batch's hidden states, each seen through a transposed view and all
// mixed by one cn_mixture; the ensemble itself feeds the batch, so the readers' and
// views' own reset/observe only clear the mixture's caches.
#include <stdlib.h>

#include "models/melody/cn_mixture.h"
#include "models/melody/cn_tf_ensemble.h"
#include "models/melody/cn_tokenizer.h"
#include "models/melody/cn_transposed.h"

typedef struct ensemble ensemble;
typedef struct member {
    ensemble *e;
    int i;
} member;

struct ensemble {
    cn_event_model iface; // iface.self == this
    cn_tf *tf;
    cn_tf_batch *batch;
    int spread, n;
    member mem[CN_TF_MAX_BATCH];
    cn_event_model *mix; // owns the views
};

static cn_status member_reset(void *self, const cn_melody_cond *cond) {
    (void)self, (void)cond;
    return CN_OK;
}

static cn_status member_observe(void *self, const cn_mevent *e) {
    (void)self, (void)e;
    return CN_OK;
}

static const float *member_h(const member *m) { return cn_tf_batch_hidden(m->e->batch, m->i); }

static void member_pitch(void *self, float *out) {
    member *m = self;
    cn_tf_pitch_probs(m->e->tf, member_h(m), out);
}

static void member_dur(void *self, int pitch, float *out) {
    member *m = self;
    cn_tf_dur_probs(m->e->tf, member_h(m), pitch, out);
}

static void member_rest(void *self, int pitch, int dur, float *out) {
    member *m = self;
    cn_tf_rest_probs(m->e->tf, member_h(m), pitch, dur, out);
}

static void member_destroy(void *self) { (void)self; } // lives inside the ensemble

static cn_status ens_reset(void *self, const cn_melody_cond *cond) {
    ensemble *e = self;
    cn_melody_cond c[CN_TF_MAX_BATCH];
    for (int i = 0; i < e->n; i++) {
        c[i] = *cond;
        c[i].key = cn_key_transpose(cond->key, i - e->spread);
    }
    cn_tf_batch_reset(e->batch, c);
    return e->mix->reset(e->mix->self, cond);
}

static cn_status ens_observe(void *self, const cn_mevent *ev) {
    ensemble *e = self;
    cn_status st = cn_event_check(ev);
    if (st) return st;
    cn_mevent heard[CN_TF_MAX_BATCH];
    for (int i = 0; i < e->n; i++) {
        heard[i] = *ev;
        heard[i].pitch = cn_transposed_pitch(ev->pitch, i - e->spread);
    }
    cn_tf_batch_observe(e->batch, heard);
    return e->mix->observe(e->mix->self, ev);
}

static void ens_pitch(void *self, float *out) {
    ensemble *e = self;
    e->mix->pitch_probs(e->mix->self, out);
}

static void ens_dur(void *self, int pitch, float *out) {
    ensemble *e = self;
    e->mix->dur_probs(e->mix->self, pitch, out);
}

static void ens_rest(void *self, int pitch, int dur, float *out) {
    ensemble *e = self;
    e->mix->rest_probs(e->mix->self, pitch, dur, out);
}

static void ens_destroy(void *self) {
    ensemble *e = self;
    if (!e) return;
    if (e->mix) e->mix->destroy(e->mix->self);
    cn_tf_batch_destroy(e->batch);
    free(e);
}

// An ensemble around `batch` (taken over, also on failure).
static cn_status build(cn_tf *tf, int spread, cn_tf_batch *batch, ensemble **out);

static void *ens_clone(void *self) {
    const ensemble *e = self;
    cn_tf_batch *b;
    ensemble *c;
    if (cn_tf_batch_clone(e->batch, &b) || build(e->tf, e->spread, b, &c)) return NULL;
    return c;
}

static cn_status build(cn_tf *tf, int spread, cn_tf_batch *batch, ensemble **out) {
    ensemble *e = calloc(1, sizeof *e);
    if (!e) {
        cn_tf_batch_destroy(batch);
        return cn_fail(CN_ERR_NOMEM, "out of memory for the transformer ensemble");
    }
    e->tf = tf;
    e->batch = batch;
    e->spread = spread;
    e->n = 2 * spread + 1;
    cn_event_model *views[CN_TF_MAX_BATCH];
    int made = 0;
    cn_status st = CN_OK;
    for (int i = 0; i < e->n && !st; i++) {
        e->mem[i] = (member){e, i};
        const cn_event_model reader = {&e->mem[i], "transformer", member_reset, member_observe,
                                       member_pitch, member_dur, member_rest, NULL, NULL, member_destroy};
        st = cn_transposed_create(&reader, i - spread, 1, &views[i]);
        if (!st) made++;
    }
    if (!st) st = cn_mixture_create(views, NULL, e->n, 0, 1, "transformer", &e->mix);
    else
        for (int i = 0; i < made; i++) views[i]->destroy(views[i]->self);
    if (st) {
        ens_destroy(e);
        return st;
    }
    e->iface = (cn_event_model){e, "transformer", ens_reset, ens_observe, ens_pitch, ens_dur,
                                ens_rest, ens_clone, ens_destroy, ens_destroy};
    *out = e;
    return CN_OK;
}

cn_status cn_tf_ensemble_create(cn_tf *tf, int spread, cn_event_model **out) {
    cn_return_val_if_fail(tf && out, CN_ERR_ARG);
    if (spread < 1 || 2 * spread + 1 > CN_TF_MAX_BATCH)
        return cn_fail(CN_ERR_ARG, "a transposition ensemble spans 1..%d semitones each way, not %d",
                       (CN_TF_MAX_BATCH - 1) / 2, spread);
    cn_tf_batch *b;
    ensemble *e;
    cn_status st = cn_tf_batch_create(tf, 2 * spread + 1, &b);
    if (!st) st = build(tf, spread, b, &e);
    if (!st) *out = &e->iface;
    return st;
}
