// LABELS: unit
// TIMEOUT: 300
// test_wavenet_decay.c: the decay table (cn_wn_levels.h), on the shipped 16 kHz model:
//   - calibration recovers a known envelope: "FluidSynth's" audio is the model's own held
//     note faded by 8 dB/s (pitch 60) and 12 dB/s (pitch 72) after the first knot, so the
//     table must hold those fades (within 0.5 dB); pitches between get the interpolation,
//     pitches outside the nearest one's; a sustained instrument (notes that do not fall)
//     gets no table;
//   - applying it is a pure function of the sample index (any split into blocks agrees);
//   - it survives a save and load; a value beyond +-90 dB is refused on load;
//   - the plugin (`render`'s path) plays a held note with the table's fade.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

#define HELD (CN_WN_DECAY_HOLD_S + 0.1) // seconds per held note

// The level of C4 held through the plugin (model file `path`) at [3.0, 3.2) s against
// [0.12, 0.32) s, in dB.
static double held_drop(const char *path, const char *instrument) {
    char args[512];
    snprintf(args, sizeof args, "model=%s,instrument=%s", path, instrument);
    const double rate = 48000.0;
    const int64_t n = (int64_t)(3.5 * rate);
    cn_note_event ev[2] = {CN_NOTE(0, CN_EV_NOTE_ON, 60, 100), CN_NOTE((int64_t)(3.3 * rate), CN_EV_NOTE_OFF, 60, 0)};
    float *y = cn_test_wn_play(args, rate, ev, 2, n, 512, NULL);
    double drop = cn_test_level_db(y, 2, rate, 3.0, 3.2) - cn_test_level_db(y, 2, rate, 0.12, 0.32);
    free(y);
    return drop;
}

static double fade_db(double rate_db_s, double t);

// A clip of two held notes (HELD seconds each) of instrument `inst`: the model's own,
// faded by fades[k] dB/s after the first knot, as 16-bit "recordings".
static void make_clip(const cn_wn_model *m, int inst, const int pitches[2], const double fades[2], cn_wn_clip *clip) {
    const int rate = m->cfg.sample_rate;
    const int64_t len = (int64_t)(HELD * rate);
    *clip = (cn_wn_clip){.name = "held", .instrument = inst, .n = 2 * len, .n_notes = 2};
    clip->pcm = calloc((size_t)clip->n, sizeof *clip->pcm);
    clip->notes = calloc(2, sizeof *clip->notes);
    float *x = malloc((size_t)len * sizeof *x);
    TEST_ASSERT(clip->pcm && clip->notes && x);
    cn_wn_synth *s;
    TEST_OK(cn_wn_synth_create(m, inst, 0.0f, 1, &s));
    for (int k = 0; k < 2; k++) {
        cn_timed_note alone = {0, len, pitches[k], CN_WN_LEVEL_VELOCITY};
        cn_wn_synth_render_notes(s, 1, &alone, 1, len, x);
        for (int64_t i = 0; i < len; i++) {
            double y = 32768.0 * x[i] * pow(10.0, fade_db(fades[k], (double)i / rate) / 20.0);
            clip->pcm[k * len + i] = (int16_t)lrint(y > 32767 ? 32767 : y < -32768 ? -32768 : y);
        }
        clip->notes[k] = (cn_timed_note){k * len, (k + 1) * len, pitches[k], CN_WN_LEVEL_VELOCITY};
    }
    cn_wn_synth_destroy(s);
    free(x);
}

static double fade_db(double rate_db_s, double t) {
    return t > cn_wn_decay_times[0] ? -rate_db_s * (t - cn_wn_decay_times[0]) : 0.0;
}

int main(void) {
    cn_wn_model *m;
    TEST_OK(cn_wn_load(CN_SRC("presets/wavenet-gm3.safetensors"), &m, NULL, NULL, NULL));
    const int rate = m->cfg.sample_rate, inst = 0;
    memset(m->decay_db, 0, sizeof m->decay_db);
    m->follow = 0; // the tables alone: without a decay table a follower would hold the level
    // Two clips: held notes of the model's own, faded at 8 and 12 dB/s (instrument 0) and
    // not faded (instrument 1, a sustained instrument: it must get no table, even where
    // it had one).
    const int pitches[2] = {60, 72};
    const double fades[2] = {8.0, 12.0}, none[2] = {0.0, 0.0};
    cn_wn_clip clips[2];
    make_clip(m, inst, pitches, fades, &clips[0]);
    make_clip(m, 1, pitches, none, &clips[1]);
    const int64_t len = clips[0].n / 2;
    m->decay_db[1][60][5] = -20.0f;
    cn_wn_dataset ds = {.clips = clips, .n_clips = 2, .total = clips[0].n + clips[1].n, .sample_rate = rate};
    char names[2][32];
    for (int i = 0; i < 2; i++) snprintf(names[i], sizeof names[i], "%s", m->cfg.instruments[i]);
    TEST_OK(cn_wn_calibrate_decay(m, &ds, names, 2, NULL, NULL));
    double worst = 0;
    for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) {
        double t = cn_wn_decay_times[k];
        for (int j = 0; j < 2; j++) {
            double e = m->decay_db[inst][pitches[j]][k] - fade_db(fades[j], t);
            worst = fabs(e) > fabs(worst) ? e : worst;
            if (getenv("CN_TEST_VERBOSE")) printf("knot %d pitch %d: %+.2f dB (want %+.2f)\n", k, pitches[j], m->decay_db[inst][pitches[j]][k], fade_db(fades[j], t));
        }
        // Between: linear in pitch; outside: the nearest measured pitch's.
        TEST_NEAR(m->decay_db[inst][66][k], 0.5 * (m->decay_db[inst][60][k] + m->decay_db[inst][72][k]), 1e-4);
        TEST_NEAR(m->decay_db[inst][40][k], m->decay_db[inst][60][k], 0);
        TEST_NEAR(m->decay_db[inst][100][k], m->decay_db[inst][72][k], 0);
    }
    printf("calibrated fades of 8 and 12 dB/s: worst knot %+.2f dB off\n", worst);
    // The voices' targets (cn_wn_follow.h) from the same held notes: the recording's level
    // over 50 ms around each knot, per pitch (linear between).
    TEST_OK(cn_wn_calibrate_levels(m, &ds, names, 2, NULL, NULL));
    for (int c = 0; c < 2; c++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) {
                const int64_t at = clips[c].notes[j].on + (int64_t)(cn_wn_decay_times[k] * rate),
                              w = (int64_t)(CN_WN_DECAY_WINDOW * rate);
                TEST_NEAR(m->target_db[c][pitches[j]][k], cn_test_clip_db(&clips[c], at - w / 2, at + w - w / 2), 1e-3);
                TEST_NEAR(m->target_db[c][66][k], 0.5 * (m->target_db[c][60][k] + m->target_db[c][72][k]), 1e-3);
            }
    printf("targets: instrument 0's C4 from %.1f to %.1f dB over the knots (its recording fades 8 dB/s)\n",
           m->target_db[0][60][0], m->target_db[0][60][CN_WN_DECAY_KNOTS - 1]);
    TEST_ASSERT(fabs(worst) < 0.5);
    TEST_ASSERT(m->decay_db[inst][72][CN_WN_DECAY_KNOTS - 1] < -40.0f);
    TEST_ASSERT(!cn_wn_decay_set(m, 1) && cn_wn_decay_set(m, inst));
    // The gain between knots and after the last one.
    TEST_NEAR(cn_wn_decay_db(m, inst, 60, 0.0), 0.0, 1e-6);
    TEST_NEAR(cn_wn_decay_db(m, inst, 60, 0.5 * (cn_wn_decay_times[1] + cn_wn_decay_times[2])),
              0.5 * (m->decay_db[inst][60][1] + m->decay_db[inst][60][2]), 1e-4);
    TEST_NEAR(cn_wn_decay_db(m, inst, 60, 100.0), m->decay_db[inst][60][CN_WN_DECAY_KNOTS - 1], 0);

    // Applying it in blocks of any size gives the same samples.
    float *a = malloc((size_t)len * sizeof *a), *b = malloc((size_t)len * sizeof *b);
    TEST_ASSERT(a && b);
    for (int64_t i = 0; i < len; i++) a[i] = b[i] = (float)sin(0.01 * (double)i);
    cn_wn_decay_apply(m, inst, 60, 0, a, (int)len);
    uint32_t r = 7u;
    for (int64_t i = 0; i < len;) {
        r = r * 1664525u + 1013904223u;
        int n = 1 + (int)((r >> 8) % 700u);
        if (n > len - i) n = (int)(len - i);
        cn_wn_decay_apply(m, inst, 60, i, b + i, n);
        i += n;
    }
    TEST_ASSERT(!memcmp(a, b, (size_t)len * sizeof *a));

    // Save and load keep the table; a corrupt value is refused.
    char path[] = "/tmp/test_wavenet_decay_XXXXXX";
    cn_wn_model *back = cn_test_wn_save_load(m, path);
    TEST_ASSERT(!memcmp(back->decay_db, m->decay_db, sizeof m->decay_db));
    cn_wn_destroy(back);

    // The plugin plays a held note of that pitch with the fade: 2.9 s after the first
    // window it is 8 * 2.88 = 23 dB further down than the same note without a table.
    const double with = held_drop(path, names[0]);
    memset(m->decay_db, 0, sizeof m->decay_db);
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    const double without = held_drop(path, names[0]);
    printf("plugin: C4 from 0.22 s to 3.1 s %+.1f dB without the table, %+.1f dB with it\n", without, with);
    TEST_NEAR(with - without, -8.0 * (3.1 - 0.22), 2.0);

    // A value beyond +-90 dB is refused on load, with the file named.
    m->decay_db[inst][60][3] = 500.0f;
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_test_wn_refused(path, CN_ERR_FORMAT, "decay.db");
    unlink(path);

    free(a);
    free(b);
    for (int i = 0; i < 2; i++) free(clips[i].pcm), free(clips[i].notes);
    cn_wn_destroy(m);
    printf("test_wavenet_decay: ok\n");
    return 0;
}
