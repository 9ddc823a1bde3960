// transposed.c: a model heard a few semitones away (cn_transposed.h).
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_tokenizer.h"
#include "models/melody/cn_transposed.h"

typedef struct view {
    cn_event_model iface; // iface.self == this
    cn_event_model inner;
    int semis, own;
} view;

int cn_transposed_pitch(int pitch, int semis) {
    int p = pitch + semis;
    while (p < 0) p += 12;
    while (p >= CN_EV_NPITCH) p -= 12;
    return p;
}

static int heard(const view *v, int pitch) { return cn_transposed_pitch(pitch, v->semis); }

static cn_status view_reset(void *self, const cn_melody_cond *cond) {
    view *v = self;
    cn_melody_cond c = *cond;
    c.key = cn_key_transpose(c.key, v->semis);
    return v->inner.reset(v->inner.self, &c);
}

static cn_status view_observe(void *self, const cn_mevent *e) {
    view *v = self;
    cn_mevent t = *e;
    t.pitch = heard(v, e->pitch);
    return v->inner.observe(v->inner.self, &t);
}

static void view_pitch(void *self, float out[CN_EV_NPITCH]) {
    view *v = self;
    float in[CN_EV_NPITCH];
    v->inner.pitch_probs(v->inner.self, in);
    double kept = 0, lost = 0;
    for (int p = 0; p < CN_EV_NPITCH; p++) {
        int q = p + v->semis;
        out[p] = q >= 0 && q < CN_EV_NPITCH ? in[q] : 0.0f;
        kept += out[p];
    }
    for (int q = 0; q < CN_EV_NPITCH; q++)
        if (q - v->semis < 0 || q - v->semis >= CN_EV_NPITCH) lost += in[q];
    if (lost == 0) return; // nothing fell off the ends: the inner answer as it is
    for (int p = 0; p < CN_EV_NPITCH; p++) out[p] = kept > 0 ? (float)(out[p] / kept) : 1.0f / CN_EV_NPITCH;
}

static void view_dur(void *self, int pitch, float out[CN_EV_NDUR]) {
    view *v = self;
    v->inner.dur_probs(v->inner.self, heard(v, pitch), out);
}

static void view_rest(void *self, int pitch, int dur, float out[CN_EV_NREST]) {
    view *v = self;
    v->inner.rest_probs(v->inner.self, heard(v, pitch), dur, out);
}

static void view_destroy(void *self) {
    view *v = self;
    if (!v) return;
    if (v->own) v->inner.destroy(v->inner.self);
    free(v);
}

// A clone owns a clone of the inner model and frees it with free_clone.
static void view_free_clone(void *self) {
    view *v = self;
    if (!v) return;
    v->inner.free_clone(v->inner.self);
    free(v);
}

static void *view_clone(void *self) {
    const view *v = self;
    view *c = malloc(sizeof *c);
    void *inner = c ? v->inner.clone(v->inner.self) : NULL;
    if (!inner) {
        free(c);
        return NULL;
    }
    *c = *v;
    c->iface.self = c;
    c->iface.destroy = view_free_clone;
    c->inner.self = inner;
    return c;
}

cn_status cn_transposed_create(const cn_event_model *inner, int semis, int own,
                               cn_event_model **out) {
    cn_status st = CN_OK;
    if (!inner || !out || semis <= -CN_EV_NPITCH || semis >= CN_EV_NPITCH)
        st = cn_fail(CN_ERR_ARG, "a transposed view needs a model and |semitones| < %d", CN_EV_NPITCH);
    view *v = st ? NULL : calloc(1, sizeof *v);
    if (!st && !v) st = cn_fail(CN_ERR_NOMEM, "out of memory for a transposed view");
    if (st) {
        if (own && inner) inner->destroy(inner->self);
        return st;
    }
    v->inner = *inner;
    v->semis = semis;
    v->own = own;
    int can_clone = inner->clone && inner->free_clone;
    v->iface = (cn_event_model){v, inner->name, view_reset, view_observe, view_pitch, view_dur,
                                view_rest, can_clone ? view_clone : NULL,
                                can_clone ? view_free_clone : NULL, view_destroy};
    *out = &v->iface;
    return CN_OK;
}
