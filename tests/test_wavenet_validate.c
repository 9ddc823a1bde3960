// test_wavenet_validate.c: training's validation (cn_wn_validate) scores what the plugin's
// voices play (cn_wn_voice_render: its velocity, legato phrases, decay and spectrum tables),
// not the bare model: its MR-STFT distance equals the one of that rendering to the
// recording, on one thread and on two, over the first `seconds` only; a spectrum table
// 30 dB down moves it (a validation that played the bare model would not see the table:
// the fine-tuned trumpet was in tune so and out of tune through the plugin).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mrstft.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_run.h"
#include "tests/cn_test.h"
#include "tests/cn_test_wavenet.h"

#define SECONDS 1.0

// The MR-STFT distance of the plugin's rendering of clip c's first SECONDS to its recording.
static double expected_distance(const cn_wn_model *m, const cn_wn_clip *c) {
    cn_wn_clip span = *c;
    span.n = (int64_t)(SECONDS * m->cfg.sample_rate);
    while (span.n_notes > 0 && span.notes[span.n_notes - 1].on >= span.n) span.n_notes--;
    float *y = malloc((size_t)span.n * sizeof *y), *ref = malloc((size_t)span.n * sizeof *ref);
    TEST_ASSERT(y && ref);
    TEST_OK(cn_wn_voice_render(m, span.instrument, &span, 1, 0.0, 0.0f, y, NULL));
    for (int64_t t = 0; t < span.n; t++) ref[t] = cn_wn_clip_heard(c, t, m->cfg.out);
    double d;
    TEST_OK(cn_mrstft_distance(y, (size_t)span.n, ref, (size_t)span.n, &d));
    free(y);
    free(ref);
    return d;
}

int main(void) {
    cn_wn_model *m = cn_test_wn_two_instruments(11);
    const int rate = m->cfg.sample_rate;
    // One clip of instrument 1: four notes of 0.3 s (the last starts past SECONDS), its
    // recording their sines.
    cn_timed_note notes[4];
    const int pitch[4] = {69, 72, 76, 74};
    for (int i = 0; i < 4; i++)
        notes[i] = (cn_timed_note){(int64_t)((0.05 + 0.35 * i) * rate), (int64_t)((0.35 + 0.35 * i) * rate), pitch[i], 90};
    cn_wn_clip clip = {.name = "tune", .instrument = 1, .n = (int64_t)(1.5 * rate), .notes = notes, .n_notes = 4};
    clip.pcm = calloc((size_t)clip.n, sizeof *clip.pcm);
    TEST_ASSERT(clip.pcm);
    for (int i = 0; i < 4; i++)
        for (int64_t t = notes[i].on; t < notes[i].off; t++)
            clip.pcm[t] = (int16_t)(8000.0 * sin(2.0 * M_PI * 440.0 * pow(2.0, (pitch[i] - 69) / 12.0) * t / rate));
    cn_wn_dataset ev = {.clips = &clip, .n_clips = 1, .total = clip.n, .sample_rate = rate};
    char detail[1024];

    const double bare = expected_distance(m, &clip);
    for (int threads = 1; threads <= 2; threads++) {
        cn_wn_score sc = cn_wn_validate(m, &ev, SECONDS, 0.0f, threads, detail, sizeof detail);
        printf("%d thread(s): %s\n", threads, detail);
        TEST_ASSERT(sc.pitch >= 0.0);
        TEST_NEAR(sc.mrstft, bare, 1e-9);
    }
    // A spectrum table 30 dB down on every band of instrument 1.
    m->eq_per_octave = CN_WN_EQ_DEFAULT_PER_OCTAVE;
    for (int b = 0; b < CN_WN_EQ_MAX_BANDS; b++) m->eq_db[1][b] = -30.0f;
    TEST_ASSERT(cn_wn_eq_set(m, 1));
    const double quiet = expected_distance(m, &clip);
    cn_wn_score sc = cn_wn_validate(m, &ev, SECONDS, 0.0f, 2, detail, sizeof detail);
    printf("through a table 30 dB down: MR-STFT %.3f (bare %.3f)\n", sc.mrstft, bare);
    TEST_NEAR(sc.mrstft, quiet, 1e-9);
    TEST_ASSERT_MSG(fabs(sc.mrstft - bare) > 0.5, "the table moved the distance by %.3f only", sc.mrstft - bare);
    free(clip.pcm);
    cn_wn_destroy(m);
    return 0;
}
