// LABELS: unit
// test_melody_stream: the endless melody stream (cn_melody_stream.h) gives the primer's
// notes first, then sampled ones that are the very draws of cn_sample_continue with the
// same seed; notes sit on one frame timeline at the tempo (note-off after the duration,
// never after the next note-on); the same seed gives the same notes and another seed
// others; a long stream restarts its tune on schedule and stays deterministic.
#include <string.h>

#include "models/melody/cn_melody_stream.h"
#include "models/melody/cn_ngram.h"
#include "cn_test.h"

static const cn_mevent primer_ev[10] = {{67, 12, 0}, {71, 6, 0},  {74, 6, 0},  {72, 12, 6},
                                        {71, 6, 0},  {69, 12, 0}, {66, 18, 6}, {67, 24, 0},
                                        {67, 12, 0}, {71, 6, 0}};
#define NOTES 200

static cn_event_model *ngram(const cn_ngram_ltm *ltm) {
    cn_ngram_config cfg = cn_ngram_config_default();
    cfg.order = cfg.ltm_order = 4;
    cn_event_model *m;
    TEST_OK(cn_ngram_create(&cfg, ltm, NULL, &m));
    return m;
}

// NOTES notes of a stream (primer included) into ev[]/on[]; returns the restarts.
static int64_t run(const cn_ngram_ltm *ltm, const cn_mstream_config *cfg,
                   const cn_event_seq *primer, cn_mevent *ev, cn_note_event *on) {
    cn_event_model *m = ngram(ltm);
    cn_mstream *s;
    TEST_OK(cn_mstream_create(cfg, m, primer, &s));
    int64_t tick = primer->lead_rest, prev_off = 0;
    for (int i = 0; i < NOTES; i++) {
        cn_note_event off;
        int sampled;
        TEST_ASSERT(cn_mstream_next_frame(s) == cn_mstream_tick_frame(s, tick));
        TEST_OK(cn_mstream_next(s, &ev[i], &on[i], &off, &sampled));
        TEST_ASSERT(sampled == (i >= primer->n));
        if (i < primer->n) TEST_ASSERT(!memcmp(&ev[i], &primer->ev[i], sizeof ev[i]));
        TEST_ASSERT(on[i].type == CN_EV_NOTE_ON && on[i].pitch == ev[i].pitch &&
                    on[i].velocity == cfg->velocity);
        TEST_ASSERT(off.type == CN_EV_NOTE_OFF && off.pitch == ev[i].pitch);
        // 60 s / bpm per beat of 12 ticks
        TEST_NEAR(on[i].frame, (double)tick * 60.0 * cfg->rate / (cfg->bpm * 12), 0.5);
        TEST_NEAR(off.frame, (double)(tick + ev[i].dur) * 60.0 * cfg->rate / (cfg->bpm * 12), 0.5);
        TEST_ASSERT(off.frame > on[i].frame && on[i].frame >= prev_off);
        prev_off = off.frame;
        tick += ev[i].dur + ev[i].rest;
    }
    TEST_ASSERT(cn_mstream_count(s) == NOTES);
    int64_t restarts = cn_mstream_restarts(s);
    cn_mstream_destroy(s);
    m->destroy(m->self);
    return restarts;
}

int main(void) {
    cn_event_seq primer = {(cn_mevent *)primer_ev, 10, 6};
    cn_ngram_ltm *ltm;
    TEST_OK(cn_ngram_ltm_create(4, &ltm));
    TEST_OK(cn_ngram_ltm_add(ltm, &primer));

    cn_mstream_config cfg = cn_mstream_config_default();
    cfg.rate = 44100;
    cfg.bpm = 100;
    cfg.velocity = 80;
    cfg.seed = 7;
    cfg.sample.temperature = 1.2; // livelier than the corpus: exercises more of the vocabulary
    static cn_mevent ev[NOTES], ev2[NOTES];
    static cn_note_event on[NOTES], on2[NOTES];

    // No restart within NOTES: the sampled notes are cn_sample_continue's, draw for draw.
    cfg.max_tune = 4096;
    TEST_ASSERT(run(ltm, &cfg, &primer, ev, on) == 0);
    cn_event_model *m = ngram(ltm);
    TEST_OK(m->reset(m->self, &cfg.cond));
    for (int i = 0; i < primer.n; i++) TEST_OK(m->observe(m->self, &primer.ev[i]));
    cn_rng rng;
    cn_rng_seed(&rng, cfg.seed, 0);
    cn_event_seq ref;
    const cn_gen_limit lim = {.max_events = NOTES - 10};
    TEST_OK(cn_sample_continue(m, &cfg.sample, &rng, &lim, &ref));
    TEST_ASSERT(ref.n == NOTES - 10 && !memcmp(ref.ev, ev + 10, sizeof *ref.ev * (NOTES - 10)));
    cn_events_free(&ref);
    m->destroy(m->self);

    // Restarts: tune length 10 (primer) + 30 sampled reaches 40 -> restart keeping 16,
    // then every 24 samples: before samples 31, 55, ..., 175 of 190 -> 7 restarts.
    cfg.max_tune = 40;
    cfg.keep = 16;
    TEST_ASSERT(run(ltm, &cfg, &primer, ev, on) == 7);
    TEST_ASSERT(run(ltm, &cfg, &primer, ev2, on2) == 7);
    TEST_ASSERT(!memcmp(ev, ev2, sizeof ev) && !memcmp(on, on2, sizeof on));
    cfg.seed = 8;
    run(ltm, &cfg, &primer, ev2, on2);
    TEST_ASSERT(memcmp(ev + 10, ev2 + 10, sizeof *ev * (NOTES - 10)));

    // An empty primer: the first note is sampled at frame 0.
    cn_event_seq none = {NULL, 0, 0};
    run(ltm, &cfg, &none, ev, on);
    TEST_ASSERT(on[0].frame == 0);

    // Bad settings are errors, not streams.
    cn_mstream *s = NULL;
    m = ngram(ltm);
    cfg.keep = cfg.max_tune;
    TEST_ASSERT(cn_mstream_create(&cfg, m, &primer, &s) == CN_ERR_RANGE && !s);
    cfg = cn_mstream_config_default();
    cfg.bpm = 0;
    TEST_ASSERT(cn_mstream_create(&cfg, m, &primer, &s) == CN_ERR_RANGE && !s);
    cfg = cn_mstream_config_default();
    cfg.sample.top_p = 0;
    TEST_ASSERT(cn_mstream_create(&cfg, m, &primer, &s) == CN_ERR_RANGE && !s);
    m->destroy(m->self);
    cn_ngram_ltm_destroy(ltm);
    printf("test_melody_stream: ok\n");
    return 0;
}
