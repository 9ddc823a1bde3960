// mixture.c: exact factor-wise mixture of event models (cn_mixture.h). The parts'
// pitch distributions (with this step's weights) and their duration distributions for
// the last pitch asked are cached until the next observe/reset, so scoring an event
// (pitch, dur, rest) asks each part for each factor once.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_mixture.h"

typedef struct mix {
    cn_event_model iface; // iface.self == this
    cn_event_model parts[CN_MIXTURE_MAX]; // copies of the parts' vtables + self
    double base_w[CN_MIXTURE_MAX], w[CN_MIXTURE_MAX];
    int n, own, geometric;
    double bias;
    float pp[CN_MIXTURE_MAX][CN_EV_NPITCH]; // parts' pitch probs, valid if have_p
    float dp[CN_MIXTURE_MAX][CN_EV_NDUR];   // parts' dur probs for dur_pitch, valid if have_d
    int have_p, have_d, dur_pitch;
    char name[128];
} mix;

static void invalidate(mix *m) { m->have_p = m->have_d = 0; }

static void ensure_pitch(mix *m) {
    if (m->have_p) return;
    for (int i = 0; i < m->n; i++) {
        m->parts[i].pitch_probs(m->parts[i].self, m->pp[i]);
        double w = m->base_w[i];
        if (m->bias > 0) {
            double h = 0;
            for (int s = 0; s < CN_EV_NPITCH; s++)
                if (m->pp[i][s] > 0) h -= m->pp[i][s] * log2(m->pp[i][s]);
            double rel = h / log2((double)CN_EV_NPITCH);
            w *= pow(rel > 1e-6 ? rel : 1e-6, -m->bias);
        }
        m->w[i] = w;
    }
    m->have_p = 1;
}

static void ensure_dur(mix *m, int pitch) {
    ensure_pitch(m);
    if (m->have_d && m->dur_pitch == pitch) return;
    for (int i = 0; i < m->n; i++) m->parts[i].dur_probs(m->parts[i].self, pitch, m->dp[i]);
    m->have_d = 1;
    m->dur_pitch = pitch;
}

// out = sum_i a_i rows_i / sum_i a_i; the plain weights if every a_i underflowed.
static void mix_rows(const mix *m, const double *a, const float *const *rows, int len,
                     float *out) {
    double asum = 0, acc[CN_EV_NPITCH] = {0}, z = 0;
    for (int i = 0; i < m->n; i++) asum += a[i];
    for (int i = 0; i < m->n; i++) {
        double ai = asum > 0 ? a[i] : m->w[i];
        for (int s = 0; s < len; s++) acc[s] += ai * rows[i][s];
    }
    for (int s = 0; s < len; s++) z += acc[s];
    for (int s = 0; s < len; s++) out[s] = (float)(acc[s] / z);
}

// out = prod_i rows_i^w_i, normalised (in logs, so tiny probabilities stay apart; a
// zero counts as 1e-30 so one part's zero cannot leave nothing).
static void geo_rows(const mix *m, const float *const *rows, int len, float *out) {
    double l[CN_EV_NPITCH], top = -INFINITY, z = 0;
    for (int s = 0; s < len; s++) {
        l[s] = 0;
        for (int i = 0; i < m->n; i++) l[s] += m->w[i] * log(rows[i][s] > 1e-30f ? rows[i][s] : 1e-30);
        if (l[s] > top) top = l[s];
    }
    for (int s = 0; s < len; s++) z += l[s] = exp(l[s] - top);
    for (int s = 0; s < len; s++) out[s] = (float)(l[s] / z);
}

static void mix_pitch_probs(void *self, float out[CN_EV_NPITCH]) {
    mix *m = self;
    ensure_pitch(m);
    const float *rows[CN_MIXTURE_MAX];
    for (int i = 0; i < m->n; i++) rows[i] = m->pp[i];
    if (m->geometric)
        geo_rows(m, rows, CN_EV_NPITCH, out);
    else
        mix_rows(m, m->w, rows, CN_EV_NPITCH, out);
}

static void mix_dur_probs(void *self, int pitch, float out[CN_EV_NDUR]) {
    mix *m = self;
    ensure_dur(m, pitch);
    double a[CN_MIXTURE_MAX];
    const float *rows[CN_MIXTURE_MAX];
    for (int i = 0; i < m->n; i++) {
        a[i] = m->w[i] * m->pp[i][pitch];
        rows[i] = m->dp[i];
    }
    if (m->geometric)
        geo_rows(m, rows, CN_EV_NDUR, out);
    else
        mix_rows(m, a, rows, CN_EV_NDUR, out);
}

static void mix_rest_probs(void *self, int pitch, int dur, float out[CN_EV_NREST]) {
    mix *m = self;
    ensure_dur(m, pitch);
    double a[CN_MIXTURE_MAX];
    float r[CN_MIXTURE_MAX][CN_EV_NREST];
    const float *rows[CN_MIXTURE_MAX];
    for (int i = 0; i < m->n; i++) {
        a[i] = m->w[i] * m->pp[i][pitch] * m->dp[i][dur - 1];
        m->parts[i].rest_probs(m->parts[i].self, pitch, dur, r[i]);
        rows[i] = r[i];
    }
    if (m->geometric)
        geo_rows(m, rows, CN_EV_NREST, out);
    else
        mix_rows(m, a, rows, CN_EV_NREST, out);
}

static cn_status mix_reset(void *self, const cn_melody_cond *cond) {
    mix *m = self;
    invalidate(m);
    for (int i = 0; i < m->n; i++) {
        cn_status st = m->parts[i].reset(m->parts[i].self, cond);
        if (st) return st;
    }
    return CN_OK;
}

static cn_status mix_observe(void *self, const cn_mevent *e) {
    mix *m = self;
    invalidate(m);
    for (int i = 0; i < m->n; i++) {
        cn_status st = m->parts[i].observe(m->parts[i].self, e);
        if (st) return st;
    }
    return CN_OK;
}

static void free_parts(cn_event_model *parts, int n, int clones) {
    for (int i = 0; i < n; i++) {
        if (clones)
            parts[i].free_clone(parts[i].self);
        else
            parts[i].destroy(parts[i].self);
    }
}

static void mix_destroy(void *self) {
    mix *m = self;
    if (!m) return;
    if (m->own) free_parts(m->parts, m->n, 0);
    free(m);
}

// A clone owns clones of the parts and frees them with free_clone.
static void mix_free_clone(void *self) {
    mix *m = self;
    if (!m) return;
    free_parts(m->parts, m->n, 1);
    free(m);
}

static void *mix_clone(void *self) {
    const mix *m = self;
    mix *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *m;
    c->iface.self = c;
    c->iface.name = c->name;
    c->iface.destroy = mix_free_clone;
    invalidate(c);
    for (int i = 0; i < m->n; i++) {
        void *pc = m->parts[i].clone ? m->parts[i].clone(m->parts[i].self) : NULL;
        if (!pc) {
            free_parts(c->parts, i, 1);
            free(c);
            return NULL;
        }
        c->parts[i].self = pc;
    }
    return c;
}

static int all_clone(cn_event_model *const *parts, int n) {
    for (int i = 0; i < n; i++)
        if (!parts[i]->clone || !parts[i]->free_clone) return 0;
    return 1;
}

static cn_status create(cn_event_model *const *parts, const double *weights, int n,
                       double entropy_bias, int geometric, int own, const char *name,
                       cn_event_model **out) {
    cn_status st = CN_OK;
    if (!parts || !out || n < 2 || n > CN_MIXTURE_MAX)
        st = cn_fail(CN_ERR_ARG, "a mixture needs 2..%d models, got %d", CN_MIXTURE_MAX, n);
    for (int i = 0; i < n && !st && weights; i++)
        if (!(weights[i] > 0) || !isfinite(weights[i]))
            st = cn_fail(CN_ERR_RANGE, "mixture weight %g of '%s' must be > 0", weights[i],
                         parts[i]->name);
    if (!st && (!(entropy_bias >= 0) || !isfinite(entropy_bias)))
        st = cn_fail(CN_ERR_RANGE, "mixture entropy bias %g must be >= 0", entropy_bias);
    mix *m = st ? NULL : calloc(1, sizeof *m);
    if (!st && !m) st = cn_fail(CN_ERR_NOMEM, "out of memory for a mixture");
    if (st) {
        for (int i = 0; own && parts && i < n; i++) parts[i]->destroy(parts[i]->self);
        return st;
    }
    m->n = n;
    m->own = own;
    m->bias = entropy_bias;
    m->geometric = geometric;
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        m->parts[i] = *parts[i];
        m->base_w[i] = weights ? weights[i] : 1.0;
        if (name) continue;
        len += (size_t)snprintf(m->name + len, len < sizeof m->name ? sizeof m->name - len : 0,
                                "%s%s", i ? "+" : "", parts[i]->name);
        if (len >= sizeof m->name) len = sizeof m->name - 1;
    }
    if (name) snprintf(m->name, sizeof m->name, "%s", name);
    int can_clone = all_clone(parts, n);
    m->iface = (cn_event_model){.self = m, .name = m->name, .reset = mix_reset,
                                .observe = mix_observe, .pitch_probs = mix_pitch_probs,
                                .dur_probs = mix_dur_probs, .rest_probs = mix_rest_probs,
                                .clone = can_clone ? mix_clone : NULL,
                                .free_clone = can_clone ? mix_free_clone : NULL,
                                .destroy = mix_destroy};
    *out = &m->iface;
    return CN_OK;
}

cn_status cn_mixture_create(cn_event_model *const *parts, const double *weights, int n,
                            double entropy_bias, int own, const char *name,
                            cn_event_model **out) {
    return create(parts, weights, n, entropy_bias, 0, own, name, out);
}

cn_status cn_mixture_create_geometric(cn_event_model *const *parts, const double *a, int n,
                                      int own, const char *name, cn_event_model **out) {
    if (!a) {
        if (own && parts)
            for (int i = 0; i < n; i++) parts[i]->destroy(parts[i]->self);
        return cn_fail(CN_ERR_ARG, "a geometric mixture needs its exponents");
    }
    return create(parts, a, n, 0, 1, own, name, out);
}
