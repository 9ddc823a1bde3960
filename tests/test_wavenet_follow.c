// LABELS: unit
// TIMEOUT: 300
// test_wavenet_follow.c: the voices' level followers (cn_wn_follow.h), on the shipped
// 16 kHz model's trumpet through the plugin (`render`'s path):
//   - a legato line whose notes the tables leave several dB apart comes out at the
//     target level on every note (within 1.5 dB) once the follower has caught up (100 ms);
//   - a voice's first note plays its attack at the table's gain: sample for sample as
//     without a follower until CN_WN_FOLLOW_WAIT_S;
//   - a held note follows a target that changes over time after its onset;
//   - an instrument with a decay table (struck, plucked) follows too: its notes land
//     within 3 dB of targets that fall with the table (the tables alone: 6 dB off);
//   - a file keeps its targets through a save and load; a value beyond range is refused
//     on load, with the tensor named.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "models/wavenet/cn_wn_follow.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_levels.h"

#define RATE 16000
#define NOTES 8
#define NOTE_S 0.3
#define START_S 0.1

// A legato line of NOTES notes, NOTE_S each from START_S, played by the plugin on the
// model file `path`, instrument trumpet, velocity 100: stereo, n frames.
static const int pitch[NOTES] = {60, 67, 62, 72, 64, 69, 65, 74}; // each once

static float *play_line(const char *path, int64_t n) {
    cn_note_event ev[2 * NOTES];
    for (int i = 0; i < NOTES; i++) {
        const int64_t on = (int64_t)((START_S + i * NOTE_S) * RATE), off = (int64_t)((START_S + (i + 1) * NOTE_S) * RATE);
        ev[2 * i] = (cn_note_event)CN_NOTE(on, CN_EV_NOTE_ON, pitch[i], 100);
        ev[2 * i + 1] = (cn_note_event)CN_NOTE(off, CN_EV_NOTE_OFF, pitch[i], 0); // before the next note-on
    }
    char args[600];
    snprintf(args, sizeof args, "model=%s,instrument=trumpet", path);
    return cn_test_wn_play(args, RATE, ev, 2 * NOTES, n, 256, NULL);
}

// Note i's level from 100 ms after its onset to its end.
static double note_db(const float *x, int i) {
    return cn_test_level_db(x, 2, RATE, START_S + i * NOTE_S + 0.1, START_S + (i + 1) * NOTE_S);
}

int main(void) {
    cn_wn_model *m;
    TEST_OK(cn_wn_load(CN_SRC("presets/wavenet-gm3.safetensors"), &m, NULL, NULL, NULL));
    TEST_ASSERT(m->cfg.sample_rate == RATE);
    m->follow = 0; // first the tables alone
    const int inst = cn_wn_instrument_index(&m->cfg, "trumpet");
    TEST_ASSERT(inst >= 0 && !cn_wn_decay_set(m, inst));
    m->legato = 1; // the line is one voice
    const int64_t n = (int64_t)((START_S + NOTES * NOTE_S + 0.3) * RATE);

    // The tables alone: each note's level. The targets: 6 dB over it on every other note,
    // 6 dB under on the rest.
    char path[] = "/tmp/test_wavenet_follow_XXXXXX";
    cn_wn_destroy(cn_test_wn_save_load(m, path));
    float *plain = play_line(path, n);
    double level[NOTES];
    m->follow = 1;
    for (int i = 0; i < NOTES; i++) {
        level[i] = note_db(plain, i);
        for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) m->target_db[inst][pitch[i]][k] = (float)(level[i] + (i % 2 ? 6.0 : -6.0));
    }
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_wn_model *back;
    TEST_OK(cn_wn_load(path, &back, NULL, NULL, NULL));
    TEST_ASSERT(back->follow && !memcmp(back->target_db, m->target_db, sizeof m->target_db));
    cn_wn_destroy(back);
    // Following: every note at its target.
    float *followed = play_line(path, n);
    double worst = 0.0;
    for (int i = 0; i < NOTES; i++) {
        const double d = note_db(followed, i) - m->target_db[inst][pitch[i]][0];
        printf("  note %d (%d): %+.2f dB from its target (the tables alone %+.2f)\n", i, pitch[i], d,
               level[i] - m->target_db[inst][pitch[i]][0]);
        worst = fmax(worst, fabs(d));
    }
    TEST_ASSERT(worst < 1.5); // the follower lags the model's own swells by ~40 ms
    // The first note's attack is the table's: the same samples until the follower steers.
    const int64_t steer = (int64_t)((START_S + CN_WN_FOLLOW_WAIT_S) * RATE);
    TEST_ASSERT(!memcmp(followed, plain, (size_t)(2 * steer) * sizeof *plain));
    TEST_ASSERT(memcmp(followed, plain, (size_t)(2 * (steer + RATE / 20)) * sizeof *plain));

    // The target over time: a held C5 whose target rises 6 dB from 0.3 s to 0.5 s after
    // its onset (FluidSynth's violin swells so) against one whose target stays: the same
    // until 0.3 s, 6 dB louder (within 0.5) once both have settled.
    TEST_ASSERT(cn_wn_decay_times[4] == 0.3 && cn_wn_decay_times[6] == 0.5);
    float *held[2];
    for (int rise = 0; rise < 2; rise++) {
        for (int k = 0; k < CN_WN_DECAY_KNOTS; k++)
            m->target_db[inst][72][k] = (float)(level[3] + (rise && cn_wn_decay_times[k] >= 0.5 ? 6.0 : 0.0));
        TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
        const cn_note_event ev[] = {CN_NOTE(1600, CN_EV_NOTE_ON, 72, 100), CN_NOTE(1600 + RATE, CN_EV_NOTE_OFF, 72, 0)};
        char args[600];
        snprintf(args, sizeof args, "model=%s,instrument=trumpet", path);
        held[rise] = cn_test_wn_play(args, RATE, ev, 2, 2 * RATE, 256, NULL);
    }
    const int64_t knot4 = 1600 + (int64_t)(0.3 * RATE);
    const double after = cn_test_level_db(held[1], 2, RATE, 0.1 + 0.6, 0.1 + 0.95) -
                         cn_test_level_db(held[0], 2, RATE, 0.1 + 0.6, 0.1 + 0.95);
    printf("a target rising 6 dB from 0.3 to 0.5 s: the note %+.2f dB louder after it\n", after);
    TEST_ASSERT(!memcmp(held[0], held[1], (size_t)(2 * knot4) * sizeof *held[0]));
    TEST_NEAR(after, 6.0, 0.5);
    free(held[0]), free(held[1]);

    // With a decay table (1.5 dB per knot: 6 dB by 0.2 s, 9 dB by 0.3 s) the instrument
    // follows too: a fine-tune's struck notes at one pitch may differ by more than any
    // table per pitch corrects (docs/wavenet.md, Levels, "Followers"). The targets fall
    // as the table does (FluidSynth's held notes give both), 6 dB over and under what
    // the tables alone play, as in the legato line above.
    for (int p = 0; p < 128; p++)
        for (int k = 1; k < CN_WN_DECAY_KNOTS; k++) m->decay_db[inst][p][k] = -1.5f * (float)k;
    for (int i = 0; i < NOTES; i++)
        for (int k = 0; k < CN_WN_DECAY_KNOTS; k++)
            m->target_db[inst][pitch[i]][k] = (float)(level[i] + (i % 2 ? 6.0 : -6.0)) + m->decay_db[inst][pitch[i]][k];
    TEST_ASSERT(m->follow);
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    float *decaying = play_line(path, n);
    m->follow = 0;
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    float *decaying_plain = play_line(path, n);
    double worst_decay = 0.0, worst_plain = 0.0;
    for (int i = 0; i < NOTES; i++) {
        const double want = note_db(decaying_plain, i) + (i % 2 ? 6.0 : -6.0), d = note_db(decaying, i) - want;
        printf("  with a decay table, note %d (%d): %+.2f dB from its target (without the follower %+.2f)\n", i,
               pitch[i], d, note_db(decaying_plain, i) - want);
        worst_decay = fmax(worst_decay, fabs(d));
        worst_plain = fmax(worst_plain, fabs(note_db(decaying_plain, i) - want));
    }
    // Within 3 dB where the tables alone are 6 dB off: the first note steers only from
    // 50 ms, and a level falling 30 dB/s is harder to hold than a steady one.
    TEST_ASSERT(worst_decay < 3.0);
    TEST_ASSERT(worst_plain > 5.0);

    // A target beyond range is refused on load, with the tensor named.
    m->follow = 1;
    m->target_db[inst][60][3] = 500.0f;
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_test_wn_refused(path, CN_ERR_FORMAT, CN_WN_TARGET_TENSOR);
    unlink(path);
    free(plain), free(followed), free(decaying), free(decaying_plain);
    cn_wn_destroy(m);
    printf("test_wavenet_follow: ok\n");
    return 0;
}
