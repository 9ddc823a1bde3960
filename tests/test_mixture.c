// LABELS: unit
// test_mixture: the factor-wise mixture (cn_mixture.h) is exactly the mixture of the
// parts' joint event distributions, each factor sums to 1, mixing a model with a copy
// of itself changes nothing, clones work, and bad arguments are refused. Weights
// learnt within a tune follow the gradient of log P_mix (checked by finite differences).
#include <string.h>

#include "models/melody/cn_mixture.h"
#include "models/melody/cn_ngram.h"
#include "cn_test.h"

static const cn_melody_cond unknown = {-1, -1, -1, -1};
static const cn_mevent tune[12] = {{62, 12, 0}, {66, 12, 0}, {69, 12, 0}, {74, 24, 0},
                                   {73, 12, 0}, {71, 12, 6}, {69, 6, 0},  {66, 12, 0},
                                   {62, 12, 0}, {66, 12, 0}, {69, 12, 0}, {74, 24, 12}};

static double joint(cn_event_model *m, const cn_mevent *e) { return exp2(cn_event_model_log2p(m, e)); }

// The three factor distributions of m for event e: pitch, dur | pitch, rest | pitch, dur.
static void factors(cn_event_model *m, const cn_mevent *e, float out[3][CN_EV_NPITCH]) {
    m->pitch_probs(m->self, out[0]);
    m->dur_probs(m->self, e->pitch, out[1]);
    m->rest_probs(m->self, e->pitch, e->dur, out[2]);
}

// A model whose factors are fixed distributions, whatever it heard: parts whose every
// factor disagrees, so that the learnt weights move in each.
typedef struct {
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
} fixed;
static cn_status fx_reset(void *s, const cn_melody_cond *c) { return (void)s, (void)c, CN_OK; }
static cn_status fx_observe(void *s, const cn_mevent *e) { return (void)s, (void)e, CN_OK; }
static void fx_pitch(void *s, float *o) { memcpy(o, ((fixed *)s)->p, sizeof ((fixed *)s)->p); }
static void fx_dur(void *s, int p, float *o) { (void)p, memcpy(o, ((fixed *)s)->d, sizeof ((fixed *)s)->d); }
static void fx_rest(void *s, int p, int d, float *o) { (void)p, (void)d, memcpy(o, ((fixed *)s)->r, sizeof ((fixed *)s)->r); }
static void *fx_clone(void *s) {
    fixed *c = malloc(sizeof *c);
    if (c) memcpy(c, s, sizeof *c);
    return c;
}
static void fx_free(void *s) { free(s); }
static void fx_none(void *s) { (void)s; }

// Weights: pitch (one per pitch of `tune` when in_tune, else 1), dur 12 or 24 preferred,
// rest 0 or 6 and 12 preferred; normalised.
static cn_event_model fixed_model(fixed *f, int in_tune, int dur_pref, int rest_pref) {
    double z = 0;
    for (int q = 0; q < CN_EV_NPITCH; q++) {
        int hit = 0;
        for (int t = 0; t < 12; t++) hit |= tune[t].pitch == q;
        z += f->p[q] = 1.0f + (in_tune && hit ? 20.0f : 0.0f);
    }
    for (int q = 0; q < CN_EV_NPITCH; q++) f->p[q] /= (float)z;
    z = 0;
    for (int q = 0; q < CN_EV_NDUR; q++) z += f->d[q] = 1.0f + (q + 1 == dur_pref ? 10.0f : 0.0f);
    for (int q = 0; q < CN_EV_NDUR; q++) f->d[q] /= (float)z;
    z = 0;
    for (int q = 0; q < CN_EV_NREST; q++)
        z += f->r[q] = 1.0f + (rest_pref ? (q == 6 || q == 12 ? 8.0f : 0.0f) : (q == 0 ? 30.0f : 0.0f));
    for (int q = 0; q < CN_EV_NREST; q++) f->r[q] /= (float)z;
    return (cn_event_model){f, "fixed", fx_reset, fx_observe, fx_pitch, fx_dur, fx_rest, fx_clone, fx_free, fx_none};
}

static void sums(cn_event_model *m, int pitch, int dur) {
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    double sp = 0, sd = 0, sr = 0;
    m->pitch_probs(m->self, p);
    m->dur_probs(m->self, pitch, d);
    m->rest_probs(m->self, pitch, dur, r);
    for (int i = 0; i < CN_EV_NPITCH; i++) sp += p[i];
    for (int i = 0; i < CN_EV_NDUR; i++) sd += d[i];
    for (int i = 0; i < CN_EV_NREST; i++) sr += r[i];
    TEST_NEAR(sp, 1, 1e-4);
    TEST_NEAR(sd, 1, 1e-4);
    TEST_NEAR(sr, 1, 1e-4);
}

int main(void) {
    cn_ngram_ltm *ltm;
    TEST_OK(cn_ngram_ltm_create(4, &ltm));
    cn_event_seq s = {(cn_mevent *)tune, 12, 0};
    TEST_OK(cn_ngram_ltm_add(ltm, &s));
    cn_ngram_config cl = cn_ngram_config_default(), cs = cl;
    cl.order = cs.order = cl.ltm_order = cs.ltm_order = 4;
    cl.use_stm = 0;
    cs.use_ltm = 0;
    cn_event_model *a, *b, *mix;
    TEST_OK(cn_ngram_create(&cl, ltm, "ltm", &a));
    TEST_OK(cn_ngram_create(&cs, NULL, "stm", &b));
    cn_event_model *parts[2] = {a, b};
    const double w[2] = {0.7, 0.3};
    TEST_OK(cn_mixture_create(parts, w, 2, 0.0, 0, NULL, &mix));
    TEST_ASSERT(!strcmp(mix->name, "ltm+stm"));

    // Fixed weights: P_mix(e) == 0.7 P_a(e) + 0.3 P_b(e) for observed and odd events.
    TEST_OK(mix->reset(mix->self, &unknown));
    for (int t = 0; t < 12; t++) {
        const cn_mevent probe[3] = {tune[t], {tune[t].pitch, 7, 5}, {40, 96, 96}};
        for (int k = 0; k < 3; k++) {
            double pm = joint(mix, &probe[k]), pa = joint(a, &probe[k]), pb = joint(b, &probe[k]);
            TEST_ASSERT_MSG(fabs(pm - (0.7 * pa + 0.3 * pb)) <= 1e-5 * (0.7 * pa + 0.3 * pb) + 1e-12,
                            "t %d probe %d: mix %g vs %g", t, k, pm, 0.7 * pa + 0.3 * pb);
            sums(mix, probe[k].pitch, probe[k].dur);
        }
        TEST_OK(mix->observe(mix->self, &tune[t]));
    }
    mix->destroy(mix->self); // not owning: a and b live on

    // Learnt weights, factor by factor: each factor of the mixture == the mixture of the
    // parts' factors with shares from log factors lw[f] that this test moves by rate x the
    // finite-difference gradient of that factor's log P_mix of each observed event; a clone
    // keeps what was learnt; reset() forgets it. Parts that disagree in every factor.
    static fixed fxa, fxb;
    cn_event_model ma = fixed_model(&fxa, 1, 12, 0), mb = fixed_model(&fxb, 0, 24, 1);
    cn_event_model *fparts[2] = {&ma, &mb}, *la = a, *lb_ = b;
    a = &ma;
    b = &mb;
    TEST_OK(cn_mixture_create(fparts, w, 2, 0.0, 0, NULL, &mix));
    const double rate = 3.0; // large, so that every factor's step shows
    TEST_OK(cn_mixture_set_adapt(mix, rate));
    TEST_OK(mix->reset(mix->self, &unknown));
    double lw[3][2] = {{0}};
    for (int rep = 0; rep < 2; rep++)
        for (int t = 0; t < 12; t++) {
            const cn_mevent *e = &tune[t];
            float fm[3][CN_EV_NPITCH], fa[3][CN_EV_NPITCH], fb[3][CN_EV_NPITCH];
            factors(mix, e, fm);
            factors(a, e, fa);
            factors(b, e, fb);
            const int x[3] = {e->pitch, e->dur - 1, e->rest}, len[3] = {CN_EV_NPITCH, CN_EV_NDUR, CN_EV_NREST};
            double share[2] = {w[0], w[1]};
            for (int f = 0; f < 3; f++) {
                double s0 = share[0] * exp(lw[f][0]), s1 = share[1] * exp(lw[f][1]);
                for (int q = 0; q < len[f]; q++) {
                    double want = (s0 * fa[f][q] + s1 * fb[f][q]) / (s0 + s1);
                    TEST_ASSERT_MSG(fabs(fm[f][q] - want) <= 5e-5 * want + 1e-8, "rep %d t %d factor %d [%d]: %g vs %g",
                                    rep, t, f, q, fm[f][q], want);
                }
                const double h = 1e-5;
                double grad[2];
                for (int i = 0; i < 2; i++) {
                    double fd[2];
                    for (int sgn = 0; sgn < 2; sgn++) {
                        double l[2] = {lw[f][0], lw[f][1]};
                        l[i] += sgn ? h : -h;
                        double v0 = share[0] * exp(l[0]), v1 = share[1] * exp(l[1]);
                        fd[sgn] = log((v0 * fa[f][x[f]] + v1 * fb[f][x[f]]) / (v0 + v1));
                    }
                    grad[i] = (fd[1] - fd[0]) / (2 * h);
                }
                share[0] = s0 * fa[f][x[f]]; // the next factor's shares: as the joint mixture's
                share[1] = s1 * fb[f][x[f]];
                for (int i = 0; i < 2; i++) lw[f][i] += rate * grad[i];
            }
            void *c = mix->clone(mix->self);
            TEST_ASSERT(c != NULL);
            cn_event_model mc = *mix;
            mc.self = c;
            TEST_NEAR(joint(&mc, e), joint(mix, e), 1e-9);
            mix->free_clone(c);
            TEST_OK(mix->observe(mix->self, e));
        }
    // The part that knows the tune's pitches gains the pitch weight; the rests of the tune
    // (mostly none, a few of 6 and 12) move the rest weights too.
    TEST_ASSERT_MSG(lw[0][0] - lw[0][1] > 0.5, "the part that knows the pitches gained %g", lw[0][0] - lw[0][1]);
    TEST_ASSERT_MSG(fabs(lw[2][0] - lw[2][1]) > 0.1 && fabs(lw[1][0] - lw[1][1]) > 0.01, "rest %g, dur %g",
                    lw[2][0] - lw[2][1], lw[1][0] - lw[1][1]);
    TEST_OK(mix->reset(mix->self, &unknown));
    double pa = joint(a, &tune[0]), pb = joint(b, &tune[0]);
    TEST_NEAR(joint(mix, &tune[0]), 0.7 * pa + 0.3 * pb, 1e-5 * (0.7 * pa + 0.3 * pb));
    TEST_ASSERT(cn_mixture_set_adapt(mix, -1) == CN_ERR_RANGE);
    a = la;
    b = lb_;
    TEST_ASSERT(cn_mixture_set_adapt(a, 0.1) == CN_ERR_ARG);
    mix->destroy(mix->self);

    // Entropy weights: still proper distributions; a model mixed with itself is itself.
    cn_event_model *a2, *ref;
    TEST_OK(cn_ngram_create(&cl, ltm, "ltm2", &a2));
    TEST_OK(cn_ngram_create(&cl, ltm, "ref", &ref));
    TEST_OK(ref->reset(ref->self, &unknown));
    parts[1] = a2;
    TEST_OK(cn_mixture_create(parts, NULL, 2, 2.0, 1, "self-mix", &mix));
    TEST_OK(mix->reset(mix->self, &unknown));
    for (int t = 0; t < 12; t++) {
        sums(mix, tune[t].pitch, tune[t].dur);
        void *c = mix->clone(mix->self); // a clone (of the parts too) predicts the same
        TEST_ASSERT(c != NULL);
        cn_event_model mc = *mix;
        mc.self = c;
        TEST_NEAR(joint(&mc, &tune[t]), joint(mix, &tune[t]), 1e-9);
        mix->free_clone(c);
        TEST_NEAR(joint(mix, &tune[t]), joint(ref, &tune[t]), 1e-6);
        TEST_OK(mix->observe(mix->self, &tune[t]));
        TEST_OK(ref->observe(ref->self, &tune[t]));
    }
    mix->destroy(mix->self); // owns a and a2
    ref->destroy(ref->self);

    // Entropy weighting with different parts stays a mixture: P_mix between the parts.
    TEST_OK(cn_ngram_create(&cl, ltm, "ltm", &a));
    parts[0] = a;
    parts[1] = b;
    TEST_OK(cn_mixture_create(parts, NULL, 2, 1.0, 1, NULL, &mix));
    TEST_OK(mix->reset(mix->self, &unknown));
    for (int t = 0; t < 12; t++) {
        double pm = joint(mix, &tune[t]), pa = joint(a, &tune[t]), pb = joint(b, &tune[t]);
        TEST_ASSERT(pm >= fmin(pa, pb) * (1 - 1e-5) && pm <= fmax(pa, pb) * (1 + 1e-5));
        TEST_OK(mix->observe(mix->self, &tune[t]));
    }
    mix->destroy(mix->self);

    // Bad arguments.
    TEST_OK(cn_ngram_create(&cs, NULL, "stm", &b));
    parts[0] = parts[1] = b;
    TEST_ASSERT(cn_mixture_create(parts, NULL, 1, 0, 0, NULL, &mix) == CN_ERR_ARG);
    const double bad[2] = {1.0, -1.0};
    TEST_ASSERT(cn_mixture_create(parts, bad, 2, 0, 0, NULL, &mix) == CN_ERR_RANGE);
    TEST_ASSERT(cn_mixture_create(parts, NULL, 2, -1, 0, NULL, &mix) == CN_ERR_RANGE);
    b->destroy(b->self);
    cn_ngram_ltm_destroy(ltm);
    printf("test_mixture: ok\n");
    return 0;
}
