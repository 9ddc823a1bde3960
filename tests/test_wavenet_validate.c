// test_wavenet_validate.c: training's validation (cn_wn_validate) scores what the plugin's
// voices play (cn_wn_voice_render: its velocity and legato phrases): the pitch accuracy of
// that rendering through the model's decay and spectrum tables (a validation without them
// called the fine-tuned trumpet in tune, which through its spectrum table reads an octave
// and a fifth high), and the MR-STFT distance of the same without them (tables fitted to
// another model would skew it), on one thread and on two, over the first `seconds` only.
// Rendering once and filtering after (cn_wn_voice_tables) equals rendering with the
// tables, bit for bit. Out of tune, it names the instrument furthest under its recordings'
// accuracy.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mrstft.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_run.h"
#include "models/wavenet/cn_wn_train.h"
#include "tests/cn_test.h"
#include "tests/cn_test_wavenet.h"

#define SECONDS 1.0

// The plugin's rendering of clip c's first SECONDS (through `tables`): its pitch accuracy
// and MR-STFT distance to the recording; y (SECONDS of frames) gets it.
static void expected(const cn_wn_model *m, const cn_wn_clip *c, int tables, float *y, double *pitch, double *dist) {
    const cn_wn_clip span = cn_wn_clip_head(c, (int64_t)(SECONDS * m->cfg.sample_rate));
    float *ref = malloc((size_t)span.n * sizeof *ref);
    TEST_ASSERT(ref);
    TEST_OK(cn_wn_voice_render(m, span.instrument, &span, tables, 0.0, 0.0f, y, NULL));
    for (int64_t t = 0; t < span.n; t++) ref[t] = cn_wn_clip_heard(c, t, m->cfg.out);
    TEST_OK(cn_wn_pitch_accuracy(y, span.n, m->cfg.sample_rate, span.notes, span.n_notes, pitch));
    TEST_OK(cn_mrstft_distance(y, (size_t)span.n, ref, (size_t)span.n, dist));
    free(ref);
}

int main(void) {
    cn_wn_model *m = cn_test_wn_two_instruments(11);
    const int rate = m->cfg.sample_rate;
    // One clip of instrument 1: four notes of 0.3 s (the last starts past SECONDS), its
    // recording their sines.
    cn_timed_note notes[4];
    const int pitch[4] = {69, 72, 76, 74};
    for (int i = 0; i < 4; i++)
        notes[i] = (cn_timed_note){(int64_t)((0.05 + 0.35 * i) * rate), (int64_t)((0.35 + 0.35 * i) * rate), pitch[i],
                                   90};
    cn_wn_clip clip = {.name = "tune", .instrument = 1, .n = (int64_t)(1.5 * rate), .notes = notes, .n_notes = 4};
    clip.pcm = calloc((size_t)clip.n, sizeof *clip.pcm);
    TEST_ASSERT(clip.pcm);
    for (int i = 0; i < 4; i++)
        for (int64_t t = notes[i].on; t < notes[i].off; t++)
            clip.pcm[t] = (int16_t)(8000.0 * sin(2.0 * M_PI * 440.0 * pow(2.0, (pitch[i] - 69) / 12.0) * t / rate));
    cn_wn_dataset ev = {.clips = &clip, .n_clips = 1, .total = clip.n, .sample_rate = rate};
    char detail[1024];

    const int64_t n = (int64_t)(SECONDS * rate);
    float *bare = malloc((size_t)n * sizeof *bare), *heard = malloc((size_t)n * sizeof *heard);
    TEST_ASSERT(bare && heard);
    double pitch_bare, dist_bare, pitch_heard, dist_heard;
    expected(m, &clip, 0, bare, &pitch_bare, &dist_bare);
    for (int threads = 1; threads <= 2; threads++) {
        cn_wn_score sc = cn_wn_validate(m, &ev, SECONDS, 0.0f, threads, detail, sizeof detail);
        printf("%d thread(s): %s\n", threads, detail);
        TEST_NEAR(sc.pitch, pitch_bare, 1e-12); // no tables yet
        TEST_NEAR(sc.mrstft, dist_bare, 1e-12);
    }
    // Spectrum and decay tables on instrument 1: bands alternately 24 dB up and down, and
    // every note falling 3 dB per knot.
    m->eq_per_octave = CN_WN_EQ_DEFAULT_PER_OCTAVE;
    for (int b = 0; b < CN_WN_EQ_MAX_BANDS; b++) m->eq_db[1][b] = b % 2 ? 24.0f : -24.0f;
    for (int p = 0; p < 128; p++)
        for (int k = 1; k < CN_WN_DECAY_KNOTS; k++) m->decay_db[1][p][k] = -3.0f * (float)k;
    TEST_ASSERT(cn_wn_eq_set(m, 1) && cn_wn_decay_set(m, 1));
    expected(m, &clip, CN_WN_VOICE_DECAY | CN_WN_VOICE_EQ, heard, &pitch_heard, &dist_heard);
    const cn_wn_clip span = cn_wn_clip_head(&clip, n);
    TEST_ASSERT(span.n_notes == 3);
    cn_wn_voice_tables(m, 1, &span, CN_WN_VOICE_DECAY | CN_WN_VOICE_EQ, 0.0, bare);
    TEST_ASSERT(!memcmp(bare, heard, (size_t)n * sizeof *bare));
    cn_wn_score sc = cn_wn_validate(m, &ev, SECONDS, 0.0f, 2, detail, sizeof detail);
    printf("through the tables: %s (their pitch accuracy %.3f, their distance %.3f)\n", detail, pitch_heard,
           dist_heard);
    TEST_NEAR(sc.pitch, pitch_heard, 1e-12);
    TEST_NEAR(sc.mrstft, dist_bare, 1e-12);
    // The tables change both scores, so the two equalities above tell the renderings apart.
    TEST_ASSERT_MSG(fabs(pitch_heard - pitch_bare) > 0.1 && fabs(dist_heard - dist_bare) > 0.01,
                    "the tables moved pitch by %.3f and the distance by %.3f only", pitch_heard - pitch_bare,
                    dist_heard - dist_bare);
    // With the same clip for instrument 0 too, the progress line names the instrument
    // furthest under the recording's accuracy, not the first out of tune.
    cn_wn_clip clips[2] = {clip, clip};
    clips[0].instrument = 0;
    ev.clips = clips;
    ev.n_clips = 2;
    double acc[2], ref_acc, dist;
    float *ref = malloc((size_t)n * sizeof *ref);
    TEST_ASSERT(ref);
    for (int64_t t = 0; t < n; t++) ref[t] = cn_wn_clip_heard(&clip, t, m->cfg.out);
    TEST_OK(cn_wn_pitch_accuracy(ref, n, rate, span.notes, span.n_notes, &ref_acc));
    expected(m, &clips[0], CN_WN_VOICE_DECAY | CN_WN_VOICE_EQ, heard, &acc[0], &dist);
    acc[1] = pitch_heard;
    sc = cn_wn_validate(m, &ev, SECONDS, 0.0f, 2, detail, sizeof detail);
    printf("two instruments: %s (their accuracy %.3f and %.3f, the recording's %.3f)\n", detail, acc[0], acc[1],
           ref_acc);
    const int worse = acc[1] < acc[0];
    TEST_ASSERT_MSG(acc[worse] < 0.95 * ref_acc && acc[worse] != acc[!worse], "no instrument to name: %.3f, %.3f",
                    acc[0], acc[1]);
    char want[128];
    snprintf(want, sizeof want, "out of tune: %s %.0f%%", m->cfg.instruments[worse], 100.0 * acc[worse] / ref_acc);
    TEST_ASSERT_MSG(strstr(detail, want), "expected \"%s\"", want);
    free(ref);
    free(bare);
    free(heard);
    free(clip.pcm);
    cn_wn_destroy(m);
    return 0;
}
