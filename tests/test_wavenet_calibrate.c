// LABELS: tsan;unit
// test_wavenet_calibrate.c: the whole calibration of `train wavenet levels`
// (cn_wn_calibrate_all: decay, levels, spectrum, levels per instrument) on the shipped
// 16 kHz model against recordings of its own notes made 4 dB louder and coloured, for two
// instruments: on 1 and on 2 threads it writes exactly the tables of the one-step-at-a-time
// calls (cn_wn_calibrate_decay, _levels, _eq, _levels), and tables that are not empty; the
// target levels are the recordings' own; an instrument the model lacks and a folder with no
// note to measure fail with their own message, whichever thread met them. The level of what
// was played (cn_wn_audio_level_diffs) is measured against the recording per note.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

enum { NOTES = 3, INSTRUMENTS = 2 };

// Folder i: instrument i's notes (0.5 s each, 0.2 s apart) played by the model, 4 dB
// louder and through a first-order low-pass, as 16-bit samples.
static void make_clip(const cn_wn_model *m, int inst, cn_wn_clip *c) {
    const int rate = m->cfg.sample_rate;
    const int64_t step = (int64_t)(0.7 * rate), n = NOTES * step + rate / 5;
    c->name = "run";
    c->instrument = inst;
    c->n = n;
    c->n_notes = NOTES;
    c->pcm = calloc((size_t)n, sizeof *c->pcm);
    c->notes = calloc(NOTES, sizeof *c->notes);
    float *x = calloc((size_t)n, sizeof *x);
    TEST_ASSERT(c->pcm && c->notes && x);
    for (int i = 0; i < NOTES; i++)
        c->notes[i] = (cn_timed_note){i * step, i * step + rate / 2, 62 + 5 * i, CN_WN_LEVEL_VELOCITY};
    cn_wn_synth *s;
    TEST_OK(cn_wn_synth_create(m, inst, 0.0f, 1, &s));
    cn_wn_synth_render_notes(s, 1, c->notes, NOTES, n, x);
    cn_wn_synth_destroy(s);
    float lp = 0.0f;
    for (int64_t k = 0; k < n; k++) {
        lp += 0.5f * (x[k] - lp);
        double y = 32768.0 * 1.585 * lp;
        c->pcm[k] = (int16_t)lrint(y > 32767 ? 32767 : y < -32768 ? -32768 : y);
    }
    free(x);
}

static cn_wn_model *load(void) {
    cn_wn_model *m;
    TEST_OK(cn_wn_load(CN_SRC("presets/wavenet-gm3.safetensors"), &m, NULL, NULL, NULL));
    return m;
}

// The instruments' tables of a and b are the same, bit for bit.
static int same_tables(const cn_wn_model *a, const cn_wn_model *b) {
    return !memcmp(a->level_db, b->level_db, sizeof a->level_db) && !memcmp(a->legato_db, b->legato_db, sizeof a->legato_db) &&
           !memcmp(a->decay_db, b->decay_db, sizeof a->decay_db) &&
           !memcmp(a->eq_db, b->eq_db, sizeof a->eq_db) && a->eq_per_octave == b->eq_per_octave &&
           !memcmp(a->target_db, b->target_db, sizeof a->target_db);
}

int main(void) {
    cn_wn_model *ref = load();
    char names[INSTRUMENTS + 1][32];
    cn_wn_clip clips[INSTRUMENTS];
    for (int i = 0; i < INSTRUMENTS; i++) {
        snprintf(names[i], sizeof names[i], "%s", ref->cfg.instruments[i]);
        make_clip(ref, i, &clips[i]);
    }
    cn_wn_dataset ds = {.clips = clips, .n_clips = INSTRUMENTS, .sample_rate = ref->cfg.sample_rate};
    for (int i = 0; i < INSTRUMENTS; i++) ds.total += clips[i].n;

    // One step at a time, as `levels` ran before it calibrated instruments side by side.
    for (int i = 0; i < INSTRUMENTS; i++) memset(ref->eq_db[i], 0, sizeof ref->eq_db[i]);
    TEST_OK(cn_wn_calibrate_decay(ref, &ds, names, INSTRUMENTS, NULL, NULL));
    TEST_OK(cn_wn_calibrate_levels(ref, &ds, names, INSTRUMENTS, NULL, NULL));
    TEST_OK(cn_wn_calibrate_eq(ref, &ds, names, INSTRUMENTS, 2, NULL, NULL));
    TEST_OK(cn_wn_calibrate_levels(ref, &ds, names, INSTRUMENTS, NULL, NULL));
    for (int i = 0; i < INSTRUMENTS; i++) {
        double lvl = 0.0, eq = 0.0;
        for (int p = 0; p < 128; p++) lvl = fmax(lvl, fabs(ref->level_db[i][p]));
        for (int b = 0; b < CN_WN_EQ_MAX_BANDS; b++) eq = fmax(eq, fabs(ref->eq_db[i][b]));
        printf("%s: level table up to %.1f dB, spectrum table up to %.1f dB\n", names[i], lvl, eq);
        TEST_ASSERT(lvl > 1.0 && eq > 1.0);
        // Each note's target without held notes: the recording's level over the note but its
        // first 50 ms, at every knot.
        const int rate = ref->cfg.sample_rate;
        for (int k = 0; k < NOTES; k++) {
            const cn_timed_note *nt = &clips[i].notes[k];
            for (int j = 0; j < CN_WN_DECAY_KNOTS; j++)
                TEST_NEAR(ref->target_db[i][nt->pitch][j], cn_test_clip_db(&clips[i], nt->on + rate / 20, nt->off), 1e-3);
        }
    }

    // What was played, measured per note against the recording: twice as loud, +6.02 dB.
    float *twice = malloc((size_t)clips[0].n * sizeof *twice);
    double diff[NOTES];
    int measured = 0;
    TEST_ASSERT(twice);
    for (int64_t t = 0; t < clips[0].n; t++) twice[t] = 2.0f * cn_wn_clip_value(&clips[0], t);
    TEST_OK(cn_wn_audio_level_diffs(ref, &clips[0], twice, diff, &measured));
    TEST_ASSERT(measured == NOTES);
    for (int k = 0; k < NOTES; k++) TEST_NEAR(diff[k], 20.0 * log10(2.0), 1e-4);
    free(twice);
    for (int threads = 1; threads <= 2; threads++) {
        cn_wn_model *m = load();
        TEST_OK(cn_wn_calibrate_all(m, &ds, names, INSTRUMENTS, 2, threads, NULL, NULL));
        TEST_ASSERT_MSG(same_tables(m, ref), "%d thread(s): tables differ from the step-by-step calibration", threads);
        printf("%d thread(s): the same tables as step by step\n", threads);
        cn_wn_destroy(m);
    }

    // Failures: an instrument the model lacks (before any work), and a folder whose notes
    // are too short to measure (met by whichever thread takes it).
    cn_wn_model *m = load();
    snprintf(names[INSTRUMENTS], sizeof names[INSTRUMENTS], "kazoo");
    TEST_ASSERT(cn_wn_calibrate_all(m, &ds, names, INSTRUMENTS + 1, 2, 2, NULL, NULL) == CN_ERR_ARG);
    TEST_ASSERT(strstr(cn_error_message(), "kazoo"));
    for (int i = 0; i < NOTES; i++) clips[1].notes[i].off = clips[1].notes[i].on + 10;
    TEST_ASSERT(cn_wn_calibrate_all(m, &ds, names, INSTRUMENTS, 2, 2, NULL, NULL) == CN_ERR_FORMAT);
    printf("a folder without a note to measure: %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), names[1]));
    cn_wn_destroy(m);
    for (int i = 0; i < INSTRUMENTS; i++) {
        free(clips[i].pcm);
        free(clips[i].notes);
    }
    cn_wn_destroy(ref);
    printf("test_wavenet_calibrate: ok\n");
    return 0;
}
