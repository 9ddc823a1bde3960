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
    int n, own;
    double bias;
    double rate;                  // adaptation rate (0 = fixed weights)
    double lw[3][CN_MIXTURE_MAX]; // log of each part's learnt weight factor in this tune,
                                  // per factor: pitch, dur, rest
    float pp[CN_MIXTURE_MAX][CN_EV_NPITCH]; // parts' pitch probs, valid if have_p
    float dp[CN_MIXTURE_MAX][CN_EV_NDUR];   // parts' dur probs for dur_pitch, valid if have_d
    float rp[CN_MIXTURE_MAX][CN_EV_NREST];  // parts' rest probs for rest_pitch/dur, if have_r
    int have_p, have_d, dur_pitch, have_r, rest_pitch, rest_dur;
    char name[128];
} mix;

static void invalidate(mix *m) { m->have_p = m->have_d = m->have_r = 0; }

static void ensure_pitch(mix *m) {
    if (m->have_p) return;
    for (int i = 0; i < m->n; i++) {
        m->parts[i].pitch_probs(m->parts[i].self, m->pp[i]);
        double w = m->base_w[i] * exp(m->lw[0][i]);
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

static void ensure_rest(mix *m, int pitch, int dur) {
    ensure_dur(m, pitch);
    if (m->have_r && m->rest_pitch == pitch && m->rest_dur == dur) return;
    for (int i = 0; i < m->n; i++) m->parts[i].rest_probs(m->parts[i].self, pitch, dur, m->rp[i]);
    m->have_r = 1;
    m->rest_pitch = pitch;
    m->rest_dur = dur;
}

// The weights of the duration and the rest factors: each part's weight times its
// probability of the pitch (and of the duration), as in the joint mixture, times what was
// learnt for that factor (a factor of 1 until then).
static void dur_shares(const mix *m, int pitch, double *a) {
    for (int i = 0; i < m->n; i++) a[i] = m->w[i] * m->pp[i][pitch] * exp(m->lw[1][i]);
}

static void rest_shares(const mix *m, int pitch, int dur, double *a) {
    dur_shares(m, pitch, a);
    for (int i = 0; i < m->n; i++) a[i] *= m->dp[i][dur - 1] * exp(m->lw[2][i]);
}

// One step of gradient ascent on log P_mix(x) of one factor in each part's log weight
// factor l_i: d log P_mix / d l_i = s_i (P_i(x) / P_mix(x) - 1), s_i the part's share of
// the factor's weights a. The step is bounded by the rate whatever the probabilities.
static void learn(double rate, int n, const double *a, const double *p, double *l) {
    double asum = 0, pmix = 0;
    for (int i = 0; i < n; i++) asum += a[i];
    if (!(asum > 0)) return;
    for (int i = 0; i < n; i++) pmix += a[i] / asum * p[i];
    if (!(pmix > 1e-300)) return;
    for (int i = 0; i < n; i++) {
        l[i] += rate * a[i] / asum * (p[i] / pmix - 1);
        if (l[i] > CN_MIXTURE_ADAPT_MAX) l[i] = CN_MIXTURE_ADAPT_MAX;
        if (l[i] < -CN_MIXTURE_ADAPT_MAX) l[i] = -CN_MIXTURE_ADAPT_MAX;
    }
}

// Weights learnt within the tune, factor by factor, from the event just heard: the
// weights follow which part has been predicting this tune's pitches (durations, rests)
// better, so on a style the transformer does not know the n-gram's short-term model
// gains weight within a few dozen notes.
static void adapt(mix *m, const cn_mevent *e) {
    ensure_rest(m, e->pitch, e->dur);
    // Every factor's shares as they predicted this event, before any of them moves.
    double ad[CN_MIXTURE_MAX] = {0}, ar[CN_MIXTURE_MAX] = {0}, p[CN_MIXTURE_MAX] = {0};
    dur_shares(m, e->pitch, ad);
    rest_shares(m, e->pitch, e->dur, ar);
    for (int i = 0; i < m->n; i++) p[i] = m->pp[i][e->pitch];
    learn(m->rate, m->n, m->w, p, m->lw[0]);
    for (int i = 0; i < m->n; i++) p[i] = m->dp[i][e->dur - 1];
    learn(m->rate, m->n, ad, p, m->lw[1]);
    for (int i = 0; i < m->n; i++) p[i] = m->rp[i][e->rest];
    learn(m->rate, m->n, ar, p, m->lw[2]);
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

static void mix_pitch_probs(void *self, float out[CN_EV_NPITCH]) {
    mix *m = self;
    ensure_pitch(m);
    const float *rows[CN_MIXTURE_MAX];
    for (int i = 0; i < m->n; i++) rows[i] = m->pp[i];
    mix_rows(m, m->w, rows, CN_EV_NPITCH, out);
}

static void mix_dur_probs(void *self, int pitch, float out[CN_EV_NDUR]) {
    mix *m = self;
    ensure_dur(m, pitch);
    double a[CN_MIXTURE_MAX];
    const float *rows[CN_MIXTURE_MAX];
    dur_shares(m, pitch, a);
    for (int i = 0; i < m->n; i++) rows[i] = m->dp[i];
    mix_rows(m, a, rows, CN_EV_NDUR, out);
}

static void mix_rest_probs(void *self, int pitch, int dur, float out[CN_EV_NREST]) {
    mix *m = self;
    ensure_rest(m, pitch, dur);
    double a[CN_MIXTURE_MAX];
    const float *rows[CN_MIXTURE_MAX];
    rest_shares(m, pitch, dur, a);
    for (int i = 0; i < m->n; i++) rows[i] = m->rp[i];
    mix_rows(m, a, rows, CN_EV_NREST, out);
}

static cn_status mix_reset(void *self, const cn_melody_cond *cond) {
    mix *m = self;
    invalidate(m);
    memset(m->lw, 0, sizeof m->lw);
    for (int i = 0; i < m->n; i++) {
        cn_status st = m->parts[i].reset(m->parts[i].self, cond);
        if (st) return st;
    }
    return CN_OK;
}

static cn_status mix_observe(void *self, const cn_mevent *e) {
    mix *m = self;
    if (m->rate > 0 && cn_event_check(e) == CN_OK) adapt(m, e);
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

cn_status cn_mixture_create(cn_event_model *const *parts, const double *weights, int n,
                            double entropy_bias, int own, const char *name,
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

cn_status cn_mixture_set_adapt(cn_event_model *mixture, double rate) {
    if (!mixture || mixture->reset != mix_reset)
        return cn_fail(CN_ERR_ARG, "adaptation needs a mixture");
    mix *m = mixture->self;
    if (!(rate >= 0) || !isfinite(rate))
        return cn_fail(CN_ERR_RANGE, "mixture adaptation rate %g must be >= 0", rate);
    m->rate = rate;
    return CN_OK;
}
