// LABELS: unit
// test_mixture: the factor-wise mixture (cn_mixture.h) is exactly the mixture of the
// parts' joint event distributions, each factor sums to 1, mixing a model with a copy
// of itself changes nothing, clones work, and bad arguments are refused. The geometric
// mixture is, factor by factor, the normalised product of the parts' powers.
#include <string.h>

#include "models/melody/cn_mixture.h"
#include "models/melody/cn_ngram.h"
#include "cn_test.h"

static const cn_melody_cond unknown = {-1, -1, -1, -1};
static const cn_mevent tune[12] = {{62, 12, 0}, {66, 12, 0}, {69, 12, 0}, {74, 24, 0},
                                   {73, 12, 0}, {71, 12, 6}, {69, 6, 0},  {66, 12, 0},
                                   {62, 12, 0}, {66, 12, 0}, {69, 12, 0}, {74, 24, 12}};

static double joint(cn_event_model *m, const cn_mevent *e) { return exp2(cn_event_model_log2p(m, e)); }

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

    // Geometric: each factor == prod_i P_i^a_i / Z, computed here from the parts' rows.
    TEST_OK(cn_ngram_create(&cl, ltm, "ltm", &a));
    TEST_OK(cn_ngram_create(&cs, NULL, "stm", &b));
    parts[0] = a;
    parts[1] = b;
    const double ex[2] = {0.6, 0.5};
    TEST_OK(cn_mixture_create_geometric(parts, ex, 2, 0, NULL, &mix));
    TEST_OK(mix->reset(mix->self, &unknown));
    TEST_OK(a->reset(a->self, &unknown));
    TEST_OK(b->reset(b->self, &unknown));
    for (int t = 0; t < 12; t++) {
        float pm[CN_EV_NPITCH], pa[CN_EV_NPITCH], pb[CN_EV_NPITCH];
        mix->pitch_probs(mix->self, pm);
        a->pitch_probs(a->self, pa);
        b->pitch_probs(b->self, pb);
        double z = 0;
        for (int q = 0; q < CN_EV_NPITCH; q++) z += pow(pa[q], 0.6) * pow(pb[q], 0.5);
        for (int q = 0; q < CN_EV_NPITCH; q++)
            TEST_NEAR(pm[q], pow(pa[q], 0.6) * pow(pb[q], 0.5) / z, 1e-6);
        float rm[CN_EV_NREST], ra[CN_EV_NREST], rb[CN_EV_NREST];
        mix->rest_probs(mix->self, tune[t].pitch, tune[t].dur, rm);
        a->rest_probs(a->self, tune[t].pitch, tune[t].dur, ra);
        b->rest_probs(b->self, tune[t].pitch, tune[t].dur, rb);
        z = 0;
        for (int q = 0; q < CN_EV_NREST; q++) z += pow(ra[q], 0.6) * pow(rb[q], 0.5);
        for (int q = 0; q < CN_EV_NREST; q++)
            TEST_NEAR(rm[q], pow(ra[q], 0.6) * pow(rb[q], 0.5) / z, 1e-6);
        sums(mix, tune[t].pitch, tune[t].dur);
        TEST_OK(mix->observe(mix->self, &tune[t]));
        TEST_OK(a->observe(a->self, &tune[t]));
        TEST_OK(b->observe(b->self, &tune[t]));
    }
    mix->destroy(mix->self);
    // A model mixed geometrically with itself, exponents summing to 1, is itself.
    parts[1] = a;
    const double half[2] = {0.5, 0.5};
    TEST_OK(cn_mixture_create_geometric(parts, half, 2, 0, NULL, &mix));
    TEST_OK(mix->reset(mix->self, &unknown));
    for (int t = 0; t < 12; t++) {
        TEST_NEAR(joint(mix, &tune[t]), joint(a, &tune[t]), 1e-5 * joint(a, &tune[t]));
        TEST_OK(mix->observe(mix->self, &tune[t]));
    }
    mix->destroy(mix->self);
    TEST_ASSERT(cn_mixture_create_geometric(parts, NULL, 2, 0, NULL, &mix) == CN_ERR_ARG);
    a->destroy(a->self);
    b->destroy(b->self);

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
