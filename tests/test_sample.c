// LABELS: unit
// test_sample: factor-wise sampling (temperature, top-k, top-p) draws from the right
// distribution and is deterministic per seed; length limits hold; beam search is
// deterministic, at least as likely as greedy decoding, reports the log-probability
// the model gives its continuation, and holds at most its width of model states at once.
#include <string.h>

#include "models/melody/cn_ngram.h"
#include "models/melody/cn_sample.h"
#include "cn_test.h"

static const cn_melody_cond unknown = {-1, -1, -1, -1};
static const cn_mevent primer[10] = {{67, 12, 0}, {71, 6, 0}, {74, 6, 0}, {72, 12, 6}, {71, 6, 0},
                                     {69, 12, 0}, {66, 18, 6}, {67, 24, 0}, {67, 12, 0}, {71, 6, 0}};

static cn_event_model *primed(const cn_ngram_ltm *ltm) {
    cn_ngram_config cfg = cn_ngram_config_default();
    cfg.order = cfg.ltm_order = 4;
    cn_event_model *m;
    TEST_OK(cn_ngram_create(&cfg, ltm, NULL, &m));
    TEST_OK(m->reset(m->self, &unknown));
    for (int i = 0; i < 10; i++) TEST_OK(m->observe(m->self, &primer[i]));
    return m;
}

// Beam search's model states, counted: how many live at once, and that none leaks.
static void *(*ngram_clone)(void *self);
static void (*ngram_free_clone)(void *clone);
static int live_clones, peak_clones;

static void *counted_clone(void *self) {
    void *c = ngram_clone(self);
    if (c && ++live_clones > peak_clones) peak_clones = live_clones;
    return c;
}

static void counted_free_clone(void *clone) {
    live_clones--;
    ngram_free_clone(clone);
}

static double rescore(const cn_ngram_ltm *ltm, const cn_event_seq *s) {
    cn_event_model *m = primed(ltm);
    double lp = 0;
    for (int i = 0; i < s->n; i++) {
        lp += cn_event_model_log2p(m, &s->ev[i]);
        TEST_OK(m->observe(m->self, &s->ev[i]));
    }
    m->destroy(m->self);
    return lp;
}

int main(void) {
    // cn_sample_index: frequencies follow the (tempered, truncated) distribution.
    const float p[4] = {0.5f, 0.25f, 0.15f, 0.10f};
    cn_sample_config cfg = cn_sample_config_default();
    cn_rng rng;
    cn_rng_seed(&rng, 7, 0);
    int hist[4] = {0};
    for (int i = 0; i < 20000; i++) hist[cn_sample_index(p, 4, &cfg, &rng)]++;
    for (int i = 0; i < 4; i++) TEST_NEAR(hist[i] / 20000.0, p[i], 0.015);
    cfg.top_k = 2; // renormalised over {0.5, 0.25}
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < 20000; i++) hist[cn_sample_index(p, 4, &cfg, &rng)]++;
    TEST_NEAR(hist[0] / 20000.0, 2.0 / 3, 0.015);
    TEST_ASSERT(hist[2] == 0 && hist[3] == 0);
    cfg.top_k = 0;
    cfg.top_p = 0.7; // smallest set with >= 0.7 of the mass: {0, 1}
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < 5000; i++) hist[cn_sample_index(p, 4, &cfg, &rng)]++;
    TEST_ASSERT(hist[0] > 0 && hist[1] > 0 && hist[2] == 0 && hist[3] == 0);
    cfg.top_p = 1;
    cfg.temperature = 0.5; // p^2 normalised: 0.25/0.3950 for index 0
    memset(hist, 0, sizeof hist);
    for (int i = 0; i < 20000; i++) hist[cn_sample_index(p, 4, &cfg, &rng)]++;
    TEST_NEAR(hist[0] / 20000.0, 0.25 / (0.25 + 0.0625 + 0.0225 + 0.01), 0.015);
    cfg = cn_sample_config_default();
    cfg.top_p = 1.5;
    TEST_ASSERT(cn_sample_config_check(&cfg) == CN_ERR_RANGE);
    cfg = cn_sample_config_default();
    cfg.temperature = 0;
    TEST_ASSERT(cn_sample_config_check(&cfg) == CN_ERR_RANGE);

    cn_ngram_ltm *ltm;
    TEST_OK(cn_ngram_ltm_create(4, &ltm));
    cn_event_seq ps = {(cn_mevent *)primer, 10, 0};
    TEST_OK(cn_ngram_ltm_add(ltm, &ps));

    // Same seed -> same continuation; another seed -> (almost surely) another one.
    cfg = cn_sample_config_default();
    cfg.temperature = 1.5;
    cn_event_seq out[3];
    const cn_gen_limit by_events = {.max_events = 40};
    for (int k = 0; k < 3; k++) {
        cn_event_model *m = primed(ltm);
        cn_rng_seed(&rng, k < 2 ? 42 : 43, 0);
        TEST_OK(cn_sample_continue(m, &cfg, &rng, &by_events, &out[k]));
        TEST_ASSERT(out[k].n == 40);
        m->destroy(m->self);
    }
    TEST_ASSERT(!memcmp(out[0].ev, out[1].ev, 40 * sizeof *out[0].ev));
    TEST_ASSERT(memcmp(out[0].ev, out[2].ev, 40 * sizeof *out[0].ev));
    for (int k = 0; k < 3; k++) cn_events_free(&out[k]);

    // A tick limit: the continuation spans exactly 4 bars of 4/4.
    const cn_gen_limit by_ticks = {.max_ticks = 4 * 4 * CN_TICKS_PER_BEAT};
    cn_event_model *m = primed(ltm);
    cn_rng_seed(&rng, 1, 0);
    TEST_OK(cn_sample_continue(m, &cfg, &rng, &by_ticks, &out[0]));
    long long ticks = 0;
    for (int i = 0; i < out[0].n; i++) {
        TEST_ASSERT(out[0].ev[i].dur >= 1);
        ticks += out[0].ev[i].dur + out[0].ev[i].rest;
    }
    TEST_ASSERT(ticks == by_ticks.max_ticks);
    cn_events_free(&out[0]);
    m->destroy(m->self);

    // Beam search: deterministic, reports the model's own log-probability, leaves the
    // model untouched, and a wider beam is at least as likely as greedy (width 1).
    const cn_gen_limit eight = {.max_events = 8};
    double lp[3];
    for (int k = 0; k < 3; k++) {
        m = primed(ltm);
        float before[CN_EV_NPITCH], after[CN_EV_NPITCH];
        m->pitch_probs(m->self, before);
        TEST_OK(cn_beam_continue(m, k == 0 ? 1 : 4, &eight, &out[k], &lp[k]));
        m->pitch_probs(m->self, after);
        TEST_ASSERT(!memcmp(before, after, sizeof before));
        TEST_ASSERT(out[k].n == 8);
        TEST_NEAR(lp[k], rescore(ltm, &out[k]), 1e-3);
        m->destroy(m->self);
    }
    printf("beam: greedy %.3f bits, width 4 %.3f bits\n", -lp[0], -lp[1]);
    TEST_ASSERT(lp[1] >= lp[0] - 1e-9);
    TEST_ASSERT(!memcmp(out[1].ev, out[2].ev, 8 * sizeof *out[1].ev) && lp[1] == lp[2]);
    for (int k = 0; k < 3; k++) cn_events_free(&out[k]);
    // At most `width` model states live at once (a parent's last child takes its state):
    // a transformer's state is its key/value cache, tens of MB with the ensemble.
    for (int width = 1; width <= 16; width *= 4) {
        m = primed(ltm);
        ngram_clone = m->clone, ngram_free_clone = m->free_clone;
        m->clone = counted_clone, m->free_clone = counted_free_clone;
        live_clones = peak_clones = 0;
        TEST_OK(cn_beam_continue(m, width, &eight, &out[0], &lp[0]));
        printf("beam width %d: at most %d model states at once\n", width, peak_clones);
        TEST_ASSERT(live_clones == 0 && peak_clones >= 1 && peak_clones <= width);
        TEST_NEAR(lp[0], rescore(ltm, &out[0]), 1e-3);
        cn_events_free(&out[0]);
        m->destroy(m->self);
    }
    m = primed(ltm);
    TEST_ASSERT(cn_beam_continue(m, 17, &eight, &out[0], NULL) == CN_ERR_RANGE);
    m->destroy(m->self);
    cn_ngram_ltm_destroy(ltm);
    printf("test_sample: ok\n");
    return 0;
}
