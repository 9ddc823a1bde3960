// test_infill: splitting a tune around a stretch (prefix, middle, suffix, the gap, a
// note cut where nothing starts in the stretch, the errors); sampled middles fill the
// gap exactly, for short and long gaps and a middle that runs out of room, and join
// back into a tune whose later notes keep their onsets; the training loop with --fim
// teaches a tiny model to use the suffix: 24 tunes share a prefix and go on with a
// pitch of their own, so given the left side only the middle is a guess among 24 and
// given both sides it is not; the infilling arrangement in a KV-cached state
// gives the same probabilities as the whole window recomputed.
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "models/melody/cn_infill.h"
#include "models/melody/cn_melody_train.h"
#include "cn_test_melody.h"
#include "cn_test.h"
#include "transformer_ref.h"

static long onset_of(const cn_event_seq *s, int i) {
    long t = s->lead_rest;
    for (int k = 0; k < i; k++) t += s->ev[k].dur + s->ev[k].rest;
    return t;
}

static long end_of(const cn_event_seq *s) { return onset_of(s, s->n); }

static void test_split(void) {
    // 8 events of 12 ticks (a beat each) after a lead rest of 6; the fourth holds 24.
    cn_mevent ev[8];
    for (int i = 0; i < 8; i++) ev[i] = (cn_mevent){60 + i, 12, 0};
    ev[3].dur = 24; // onsets 6 18 30 42 66 78 90 102, end 114
    cn_event_seq t = {ev, 8, 6};
    cn_infill_parts p;
    TEST_OK(cn_infill_split(&t, 30, 70, &p)); // onsets 30, 42, 66 are in [30, 70)
    TEST_ASSERT(p.prefix.n == 2 && p.middle.n == 3 && p.suffix.n == 3);
    TEST_ASSERT(p.start == 30 && p.gap == 48 && p.prefix.lead_rest == 6);
    TEST_ASSERT(p.middle.ev[0].pitch == 62 && p.suffix.ev[0].pitch == 65);
    cn_infill_parts_free(&p);
    // Nothing starts in [50, 60): the held note (onset 42, 24 ticks) is cut at 50.
    TEST_OK(cn_infill_split(&t, 50, 60, &p));
    TEST_ASSERT(p.middle.n == 0 && p.prefix.n == 4 && p.start == 50 && p.gap == 16);
    TEST_ASSERT(p.prefix.ev[3].dur == 8 && p.prefix.ev[3].rest == 0);
    cn_infill_parts_free(&p);
    // From the start: no prefix, the gap starts at the first onset.
    TEST_OK(cn_infill_split(&t, 0, 20, &p));
    TEST_ASSERT(p.prefix.n == 0 && p.middle.n == 2 && p.start == 6 && p.gap == 24 && p.prefix.lead_rest == 6);
    cn_infill_parts_free(&p);
    // To the end: no suffix, the gap runs to the end of the tune.
    TEST_OK(cn_infill_split(&t, 90, 1000, &p));
    TEST_ASSERT(p.suffix.n == 0 && p.middle.n == 2 && p.gap == 24);
    cn_infill_parts_free(&p);
    TEST_ASSERT(cn_infill_split(&t, 200, 300, &p) == CN_ERR_RANGE);
    TEST_ASSERT(cn_infill_split(&t, 0, 1000, &p) == CN_ERR_RANGE);
    TEST_ASSERT(cn_infill_split(&t, 40, 40, &p) == CN_ERR_ARG);
    printf("split: prefix / middle / suffix, the gap, cut notes and errors ok\n");
}

// Sampled middles of a random-weights model fill every gap exactly and join back.
static void test_fill_exactly(void) {
    cn_tf_config c = {16, 1, 2, 64, 0.0f};
    cn_tf *m;
    TEST_OK(cn_tf_create(&c, &m));
    ref_random_weights(m, 3, 0.3f);
    m->fim = 1;
    cn_mevent ev[40];
    ref_random_events(ev, 40, 9);
    cn_event_seq t = {ev, 40, 0};
    const long spans[][2] = {{100, 101}, {100, 400}, {0, 90}, {300, 3000}, {500, 2500}};
    const cn_sample_config cfgs[] = {{1.0, 0, 1.0}, {0.5, 5, 0.9}, {3.0, 0, 1.0}};
    int checked = 0;
    for (size_t s = 0; s < sizeof spans / sizeof *spans; s++) {
        cn_infill_parts p;
        if (cn_infill_split(&t, spans[s][0], spans[s][1], &p)) continue;
        for (int k = 0; k < 3; k++) {
            cn_rng r;
            cn_rng_seed(&r, 5, (uint64_t)k);
            cn_event_seq mid, whole;
            TEST_OK(cn_infill_sample(m, NULL, &p, &cfgs[k], 1 + 3 * (k == 1), &r, &mid));
            long sum = 0;
            for (int i = 0; i < mid.n; i++) sum += mid.ev[i].dur + mid.ev[i].rest;
            TEST_ASSERT_MSG(sum == p.gap, "gap %d filled with %ld ticks", p.gap, sum);
            TEST_OK(cn_infill_join(&p, &mid, &whole));
            TEST_ASSERT(end_of(&whole) == end_of(&t));
            TEST_ASSERT(whole.n == p.prefix.n + mid.n + p.suffix.n);
            if (p.suffix.n) // the suffix's first note keeps its onset
                TEST_ASSERT(onset_of(&whole, p.prefix.n + mid.n) == onset_of(&t, t.n - p.suffix.n));
            cn_events_free(&mid);
            cn_events_free(&whole);
            checked++;
        }
        cn_infill_parts_free(&p);
    }
    TEST_ASSERT(checked >= 12);
    // Out-of-range candidate counts are refused, and so is a model not trained for it.
    cn_infill_parts p;
    TEST_OK(cn_infill_split(&t, 100, 200, &p));
    cn_event_seq mid;
    cn_rng r;
    cn_rng_seed(&r, 1, 1);
    TEST_ASSERT(cn_infill_sample(m, NULL, &p, &cfgs[0], 0, &r, &mid) == CN_ERR_ARG);
    TEST_ASSERT(cn_infill_sample(m, NULL, &p, &cfgs[0], CN_INFILL_MAX_CANDIDATES + 1, &r, &mid) == CN_ERR_ARG);
    m->fim = 0;
    TEST_ASSERT(cn_infill_sample(m, NULL, &p, &cfgs[0], 1, &r, &mid) == CN_ERR_ARG);
    TEST_ASSERT(strstr(cn_error_message(), "--fim"));
    cn_infill_parts_free(&p);
    cn_tf_destroy(m);
    printf("fill: %d sampled middles fill their gaps exactly and join back\n", checked);
}

static void add_tune(cn_tune_set *s, const cn_mevent *ev, int n) {
    cn_tune t = {{malloc((size_t)n * sizeof(cn_mevent)), n, 0}, {-1, -1, -1, -1}};
    memcpy(t.ev.ev, ev, (size_t)n * sizeof *ev);
    s->t = realloc(s->t, (size_t)(s->n + 1) * sizeof *s->t);
    s->t[s->n++] = t;
    s->events += n;
}

// The same 8-note prefix in every tune, then 12 notes of the tune's own pitch x: what
// follows the prefix cannot be told from it, but the notes after a gap say it.
#define N_TUNES 24
static void make_tune(cn_mevent *ev, int which) {
    static const int prefix[8] = {60, 62, 64, 65, 67, 65, 64, 62};
    for (int i = 0; i < 8; i++) ev[i] = (cn_mevent){prefix[i], 6, 0};
    for (int i = 8; i < 20; i++) ev[i] = (cn_mevent){48 + which, 6, 0};
}

static void test_learns_from_suffix(void) {
    cn_tune_set set = {0};
    cn_mevent ev[N_TUNES][20];
    for (int k = 0; k < N_TUNES; k++) {
        make_tune(ev[k], k);
        add_tune(&set, ev[k], 20);
    }
    cn_mtrain_config c = cn_test_tiny_training(3000, 8, "test_infill.tmp.safetensors");
    c.fim_rate = 0.7f;
    cn_mtrain_result res;
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    cn_tf *m;
    TEST_OK(cn_tf_load(c.out_path, &m));
    TEST_ASSERT(m->fim == 1);
    double sum_both = 0, sum_left = 0;
    for (int k = 0; k < N_TUNES; k += 7) {
        cn_event_seq t = {ev[k], 20, 0};
        cn_infill_parts p;
        TEST_OK(cn_infill_split(&t, 48, 72, &p)); // events 8..11
        TEST_ASSERT(p.middle.n == 4 && p.gap == 24);
        double both, left;
        TEST_OK(cn_infill_bits(m, NULL, &p, &both, &left));
        printf("tune %d: its middle takes %.2f bits given both sides, %.2f given the left side only\n", k,
               both, left);
        sum_both += both, sum_left += left;
        // A sampled infill at low temperature mostly plays the tune's own pitch.
        cn_sample_config cold = {0.05, 0, 1.0};
        cn_rng r;
        cn_rng_seed(&r, 2, 2);
        cn_event_seq mid;
        TEST_OK(cn_infill_sample(m, NULL, &p, &cold, 4, &r, &mid));
        int own = 0;
        for (int i = 0; i < mid.n; i++) own += mid.ev[i].pitch == 48 + k;
        printf("         a cold infill: %d notes, %d of them on the tune's own pitch\n", mid.n, own);
        TEST_ASSERT(2 * own > mid.n);
        cn_events_free(&mid);
        cn_infill_parts_free(&p);
    }
    TEST_ASSERT(sum_left > 4 * 3.0);            // after P, x is a guess among 24
    TEST_ASSERT(sum_both < 0.25 * sum_left);    // the suffix says which
    // The infilling arrangement through the KV cache = the window recomputed.
    cn_tf_state *s1, *s2;
    TEST_OK(cn_tf_state_create(m, 1, &s1));
    TEST_OK(cn_tf_state_create(m, 0, &s2));
    const cn_melody_cond unknown = {-1, -1, -1, -1};
    cn_tf_state_reset(s1, &unknown);
    cn_tf_state_reset(s2, &unknown);
    cn_mevent seq[12];
    memcpy(seq, ev[0], 4 * sizeof *seq);
    seq[4] = cn_tf_suffix_marker(24);
    memcpy(seq + 5, ev[0] + 12, 4 * sizeof *seq);
    seq[9] = cn_tf_middle_marker();
    memcpy(seq + 10, ev[0] + 8, 2 * sizeof *seq);
    double worst = 0;
    for (int i = 0; i < 12; i++) {
        cn_tf_state_observe(s1, &seq[i]);
        cn_tf_state_observe(s2, &seq[i]);
        float p1[CN_EV_NPITCH], p2[CN_EV_NPITCH];
        cn_tf_pitch_probs(m, cn_tf_state_hidden(s1), p1);
        cn_tf_pitch_probs(m, cn_tf_state_hidden(s2), p2);
        for (int k = 0; k < CN_EV_NPITCH; k++) worst = fmax(worst, fabs(p1[k] - p2[k]));
    }
    printf("infilling arrangement, KV cache vs recomputed: max prob diff %.2g\n", worst);
    TEST_ASSERT(worst < 1e-5);
    cn_tf_state_destroy(s1);
    cn_tf_state_destroy(s2);
    cn_tf_destroy(m);
    unlink(c.out_path);
    unlink("test_infill.tmp.safetensors.ckpt");
    for (int k = 0; k < set.n; k++) free(set.t[k].ev.ev);
    free(set.t);
}

int main(void) {
    test_split();
    test_fill_exactly();
    test_learns_from_suffix();
    printf("test_infill: ok\n");
    return 0;
}
