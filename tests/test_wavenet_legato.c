// LABELS: unit
// TIMEOUT: 300
// test_wavenet_legato.c: legato voices and their level table (cn_wn_levels.h), on the
// shipped 16 kHz model:
//   - a file without "legato.db" plays every note from silence, with one level table;
//   - the legato table survives a save and load (and marks the file legato); a value
//     beyond range is refused on load, with the tensor named;
//   - cn_wn_voice_render groups a melody into phrases as the plugin's voices play it: a note
//     starting within the release tail of the last one carries on in its stream (legato),
//     a note after a longer rest, or one that overlaps the last, starts from silence;
//   - the plugin (`render`'s path) gives a legato note the legato table's level and a
//     voice's first note the other table's, gliding from one to the other;
//   - the legato calibration run is one phrase: up and down without a rest.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_data.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

#define RATE 16000

// The mean ratio a / b of the left channel's frames [i0, i1) where b is not near zero.
static double gain_ratio(const float *a, const float *b, int64_t i0, int64_t i1) {
    double s = 0.0;
    int n = 0;
    for (int64_t i = i0; i < i1; i++)
        if (fabs(b[2 * i]) > 1e-3) s += a[2 * i] / b[2 * i], n++;
    TEST_ASSERT(n > 0);
    return s / n;
}

// The plugin playing a C5 (0.1-0.5 s) then, legato, a D5 (0.5-0.9 s) on the model file
// `path`, instrument flute, at the model's rate: stereo, n frames.
static float *play_line(const char *path, int64_t n) {
    const cn_note_event ev[] = {CN_NOTE(1600, CN_EV_NOTE_ON, 72, 100), CN_NOTE(8000, CN_EV_NOTE_OFF, 72, 0),
                                CN_NOTE(8000, CN_EV_NOTE_ON, 74, 100), CN_NOTE(14400, CN_EV_NOTE_OFF, 74, 0)};
    char args[600];
    snprintf(args, sizeof args, "model=%s,instrument=flute", path);
    return cn_test_wn_play(args, RATE, ev, 4, n, 256, NULL);
}

int main(void) {
    cn_wn_model *m;
    TEST_OK(cn_wn_load(CN_SRC("presets/wavenet-gm3.safetensors"), &m, NULL, NULL, NULL));
    TEST_ASSERT(m->cfg.sample_rate == RATE && m->legato == 1);
    m->follow = 0; // the level tables alone: a follower (cn_wn_follow.h) steers past them
    // A file without legato.db: every note from silence, the one table for all.
    char path[] = "/tmp/test_wavenet_legato_XXXXXX";
    m->legato = 0;
    cn_wn_model *back = cn_test_wn_save_load(m, path);
    TEST_ASSERT(back->legato == 0 && !memcmp(back->legato_db, back->level_db, sizeof back->level_db));
    cn_wn_destroy(back);

    // Phrases: C5 0.1-0.4, D5 0.4-0.7 (legato), E5 0.85-1.1 (0.15 s after: within the tail),
    // F5 1.5-1.8 (0.4 s after: from silence), G5 1.7-2.0 (overlaps F5: a voice of its own).
    cn_timed_note notes[5] = {{1600, 6400, 72, 100}, {6400, 11200, 74, 100}, {13600, 17600, 76, 100},
                              {24000, 28800, 77, 100}, {27200, 32000, 79, 100}};
    cn_wn_clip clip = {.name = "line", .instrument = 0, .n = 2 * RATE + 1600, .notes = notes, .n_notes = 5};
    float *got = malloc((size_t)clip.n * sizeof *got), *want = malloc((size_t)clip.n * sizeof *want);
    TEST_ASSERT(got && want);
    unsigned char legato[5];
    m->legato = 1;
    TEST_OK(cn_wn_voice_render(m, 0, &clip, CN_WN_VOICE_DECAY, 0.0, 0.0f, got, legato));
    printf("legato: %d %d %d %d %d\n", legato[0], legato[1], legato[2], legato[3], legato[4]);
    TEST_ASSERT(!legato[0] && legato[1] && legato[2] && !legato[3] && !legato[4]);
    // The first phrase is one stream: the model's own render of those three notes.
    cn_wn_synth *s;
    TEST_OK(cn_wn_synth_create(m, 0, 0.0f, 1, &s));
    cn_timed_note phrase[3];
    for (int i = 0; i < 3; i++) phrase[i] = (cn_timed_note){notes[i].on - 1600, notes[i].off - 1600, notes[i].pitch, 100};
    cn_wn_synth_render_notes(s, 1, phrase, 3, 17600 - 1600, want);
    TEST_ASSERT(!memcmp(got + 1600, want, (size_t)(17600 - 1600) * sizeof *got));
    // F5 from silence: as alone.
    cn_timed_note alone = {0, 3200, 77, 100};
    cn_wn_synth_render_notes(s, 1, &alone, 1, 3200, want);
    TEST_ASSERT(!memcmp(got + 24000, want, 3200 * sizeof *got));
    cn_wn_synth_destroy(s);
    // note_s cuts each phrase 0.1 s after its last onset (E5 at 13600, F5 at 24000, G5 at
    // 27200) and changes nothing before: the level measurement renders no more than it reads.
    float *cut = malloc((size_t)clip.n * sizeof *cut);
    TEST_ASSERT(cut);
    TEST_OK(cn_wn_voice_render(m, 0, &clip, CN_WN_VOICE_DECAY, 0.1, 0.0f, cut, legato));
    const int64_t same[3][2] = {{0, 15200}, {17600, 25600}, {27200, 28800}}, zero[3][2] = {{15200, 17600}, {25600, 27200}, {28800, 32000}};
    for (int r = 0; r < 3; r++) {
        TEST_ASSERT(!memcmp(cut + same[r][0], got + same[r][0], (size_t)(same[r][1] - same[r][0]) * sizeof *cut));
        for (int64_t t = zero[r][0]; t < zero[r][1]; t++) TEST_ASSERT(cut[t] == 0.0f);
    }
    TEST_ASSERT(cn_test_level_db(got, 1, RATE, 0.95, 1.1) > -60.0); // the whole render sounds where the cut one is silent
    free(cut);
    m->legato = 0;
    TEST_OK(cn_wn_voice_render(m, 0, &clip, CN_WN_VOICE_DECAY, 0.0, 0.0f, got, legato));
    TEST_ASSERT(!legato[0] && !legato[1] && !legato[2] && !legato[3] && !legato[4]);

    // The table on the notes: +6 dB on the flute's D5 when legato.
    m->legato = 1;
    m->legato_db[0][74] = m->level_db[0][74] + 6.0f;
    TEST_NEAR(20.0 * log10(cn_wn_note_gain(m, 0, 74, 100, 1) / cn_wn_note_gain(m, 0, 74, 100, 0)), 6.0, 1e-4);

    // Save and load keep it; the plugin plays the D5 6 dB louder than with equal tables.
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    TEST_OK(cn_wn_load(path, &back, NULL, NULL, NULL));
    TEST_ASSERT(back->legato == 1 && !memcmp(back->legato_db, m->legato_db, sizeof m->legato_db));
    cn_wn_destroy(back);
    const int64_t n = RATE;
    float *louder = play_line(path, n);
    m->legato_db[0][74] = m->level_db[0][74];
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    float *plain = play_line(path, n);
    const double d5 = cn_test_level_db(louder, 2, RATE, 0.6, 0.85) - cn_test_level_db(plain, 2, RATE, 0.6, 0.85),
                 c5 = cn_test_level_db(louder, 2, RATE, 0.2, 0.45) - cn_test_level_db(plain, 2, RATE, 0.2, 0.45);
    printf("plugin: the legato D5 %+.2f dB with its table 6 dB up, the first note C5 %+.2f dB\n", d5, c5);
    TEST_NEAR(d5, 6.0, 0.05);
    TEST_NEAR(c5, 0.0, 1e-6);
    // The gain glides into the legato note's (2 ms time constant) instead of stepping in
    // the sounding waveform: the model's samples are the same in both renders, so their
    // ratio is the gain's, 1 at the change, 2 (6 dB) once it has glided.
    const double first = gain_ratio(louder, plain, 8000, 8008), later = gain_ratio(louder, plain, 8480, 8800);
    printf("plugin: gain ratio over the change's first 0.5 ms %.3f, 30-50 ms after %.3f\n", first, later);
    TEST_ASSERT(first > 1.0 && first < 1.2);
    TEST_NEAR(later, 2.0, 0.01);

    // The legato run (`levels --score --legato`): G3..G6 up and down without a rest, 0.4 s
    // each: 73 notes, each starting at the last one's note-off, every pitch reached from
    // below and (but the top) from above.
    TEST_OK(cn_wn_write_run_midi(42, 55, 91, 1, 0.4, 100, 1, path));
    cn_midi *mid;
    TEST_OK(cn_midi_read_file(path, &mid));
    cn_timed_note *run;
    int n_run;
    TEST_OK(cn_wn_notes_from_midi(mid, RATE, &run, &n_run));
    TEST_ASSERT(n_run == 73 && run[0].pitch == 55 && run[36].pitch == 91 && run[37].pitch == 90 && run[72].pitch == 55);
    for (int i = 1; i < n_run; i++) TEST_ASSERT(run[i].on == run[i - 1].off && run[i].off - run[i].on == (int64_t)(0.4 * RATE));
    clip = (cn_wn_clip){.name = "run", .n = run[n_run - 1].off, .notes = run, .n_notes = n_run};
    unsigned char *carried = malloc((size_t)n_run);
    float *y = malloc((size_t)clip.n * sizeof *y);
    TEST_ASSERT(carried && y);
    TEST_OK(cn_wn_voice_render(m, 0, &clip, CN_WN_VOICE_DECAY, 0.0, 0.0f, y, carried));
    for (int i = 0; i < n_run; i++) TEST_ASSERT(carried[i] == (i > 0));
    free(carried);
    free(y);
    free(run);
    cn_midi_destroy(mid);

    // A value beyond range is refused on load, with the tensor named.
    m->legato_db[0][60] = NAN;
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_test_wn_refused(path, CN_ERR_FORMAT, "legato.db");
    unlink(path);

    free(louder);
    free(plain);
    free(got);
    free(want);
    cn_wn_destroy(m);
    printf("test_wavenet_legato: ok\n");
    return 0;
}
