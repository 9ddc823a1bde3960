// LABELS: unit
// test_endless_offline: the endless-mode chain without a device or threads: a melody
// stream (n-gram) feeds note events through the graph's live event queue, a lookahead
// ahead of the playhead as the generator thread does, while the graph renders the
// reference synth block by block. 12 s of it must sound the stream's notes in tune and on
// time (pitch accuracy: YIN, 10 ms frames, 50 cents), drop no event, and render
// bit-identically a second time with the same seed.
#include <stdlib.h>
#include <string.h>

#include "engine/cn_graph.h"
#include "models/melody/cn_melody_stream.h"
#include "models/melody/cn_ngram.h"
#include "dsp/cn_pitch_accuracy.h"
#include "models/melody/cn_primer.h"
#include "dsp/cn_synth_reference.h"
#include "cn_test.h"

#define RATE 24000.0
#define SECONDS 12
#define BLOCK 256
#define AHEAD (int64_t)(1.0 * RATE) // the CLI keeps 3 s; any lead works offline
#define MAX_NOTES 1024
#define TUNE "data/melody/nottingham/test/ashover13.mid"

// Render SECONDS of the stream continuing the first 8 notes of TUNE; notes[] gets every
// note whose onset was rendered. Returns the audio.
static float *render(const cn_ngram_ltm *ltm, const cn_event_seq *tune, uint64_t seed,
                     cn_timed_note *notes, int *n_notes) {
    cn_ngram_config ncfg = cn_ngram_config_default();
    cn_event_model *m;
    TEST_OK(cn_ngram_create(&ncfg, ltm, NULL, &m));
    cn_mstream_config cfg = cn_mstream_config_default();
    cfg.rate = RATE;
    cfg.bpm = 150;
    cfg.seed = seed;
    cn_event_seq primer = {tune->ev, 8, 0};
    cn_mstream *s;
    TEST_OK(cn_mstream_create(&cfg, m, &primer, &s));

    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, BLOCK, 1, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_synth_reference_plugin, NULL));
    TEST_OK(cn_graph_enable_queue(g, 1024));
    const int64_t total = (int64_t)(SECONDS * RATE);
    float *audio = malloc(sizeof(float) * (size_t)total);
    TEST_ASSERT(audio);
    *n_notes = 0;
    for (int64_t pos = 0; pos < total; pos += BLOCK) {
        while (cn_mstream_next_frame(s) <= cn_graph_position(g) + AHEAD) {
            cn_mevent e;
            cn_note_event on, off;
            TEST_OK(cn_mstream_next(s, &e, &on, &off, NULL));
            TEST_ASSERT(cn_graph_queue_event(g, &on) && cn_graph_queue_event(g, &off));
            TEST_ASSERT(on.frame >= cn_graph_position(g)); // never late
            if (on.frame < total && *n_notes < MAX_NOTES)
                notes[(*n_notes)++] = (cn_timed_note){on.frame, off.frame, e.pitch, on.velocity};
        }
        int n = total - pos < BLOCK ? (int)(total - pos) : BLOCK;
        cn_graph_process(g, audio + pos, n);
    }
    TEST_ASSERT(cn_graph_dropped_events(g) == 0);
    cn_graph_destroy(g);
    cn_mstream_destroy(s);
    m->destroy(m->self);
    return audio;
}

int main(void) {
    cn_event_seq tune;
    TEST_OK(cn_events_load_midi(CN_SRC(TUNE), &tune, NULL));
    TEST_ASSERT(tune.n > 8);
    cn_ngram_ltm *ltm;
    TEST_OK(cn_ngram_ltm_create(cn_ngram_config_default().ltm_order, &ltm));
    TEST_OK(cn_ngram_ltm_add(ltm, &tune));

    static cn_timed_note notes[MAX_NOTES], notes2[MAX_NOTES];
    int n, n2;
    float *a = render(ltm, &tune, 21, notes, &n);
    float *b = render(ltm, &tune, 21, notes2, &n2);
    TEST_ASSERT(n == n2 && !memcmp(notes, notes2, sizeof *notes * (size_t)n));
    TEST_ASSERT(!memcmp(a, b, sizeof(float) * (size_t)(SECONDS * RATE)));
    TEST_ASSERT_MSG(n > 8 + 10, "%d notes in %d s", n, SECONDS); // mostly sampled ones

    cn_pitch_accuracy_result r;
    TEST_OK(cn_pitch_accuracy(a, (size_t)(SECONDS * RATE), RATE, notes, n, NULL, &r));
    printf("%d notes (8 of the primer) in %d s; pitch accuracy %.4f (%zu/%zu frames, %zu "
           "voiced, mean |err| of hits %.2f cents)\n", n, SECONDS, r.accuracy, r.hits, r.frames,
           r.voiced, r.mean_hit_cents);
    TEST_ASSERT(r.frames > 500);
    TEST_ASSERT_MSG(r.accuracy >= 0.95, "pitch accuracy %.4f", r.accuracy);

    free(a);
    free(b);
    cn_ngram_ltm_destroy(ltm);
    cn_events_free(&tune);
    return 0;
}
