// LABELS: unit
// test_synth_pitch: the reference synth plays a Nottingham test tune in tune and on
// time. The first test tune (alphabetically) is read with cn_midi_read_file, its notes
// are sent to the plugin as sample-accurate events across blocks of varying size, and
// the render is checked with the pitch accuracy metric (YIN, 50 cents, 10 ms frames)
// and for its length: the last audible sample lies within 50 ms of the last note-off
// plus the release time, and nothing sounds after last note-off + tail_frames.
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "models/cn_midi.h"
#include "dsp/cn_pitch_accuracy.h"
#include "dsp/cn_synth_reference.h"
#include "cn_test.h"
#include "cn_test_process.h"

#define RATE 24000.0
#define TUNE "data/melody/nottingham/test/ashover13.mid"

static int cmp_event(const void *pa, const void *pb) {
    const cn_note_event *a = pa, *b = pb;
    if (a->frame != b->frame) return a->frame < b->frame ? -1 : 1;
    return (a->type == CN_EV_NOTE_ON) - (b->type == CN_EV_NOTE_ON); // note-offs first
}

int main(void) {
    cn_midi *m;
    TEST_OK(cn_midi_read_file(CN_SRC(TUNE), &m));
    TEST_ASSERT(m->n_notes > 20);

    int n_ev = 2 * m->n_notes;
    cn_note_event *ev = malloc(sizeof *ev * (size_t)n_ev);
    cn_timed_note *notes = malloc(sizeof *notes * (size_t)m->n_notes);
    TEST_ASSERT(ev && notes);
    for (int i = 0; i < m->n_notes; i++) {
        const cn_midi_note *n = &m->notes[i];
        notes[i] = (cn_timed_note){llround(n->on_s * RATE), llround(n->off_s * RATE), n->pitch, n->velocity};
        ev[2 * i] = (cn_note_event)CN_NOTE(notes[i].on, CN_EV_NOTE_ON, n->pitch, n->velocity);
        ev[2 * i + 1] = (cn_note_event)CN_NOTE(notes[i].off, CN_EV_NOTE_OFF, n->pitch, 0);
    }
    qsort(ev, (size_t)n_ev, sizeof *ev, cmp_event);
    double last_off = cn_midi_duration_seconds(m);

    const cn_plugin_desc *d = &cn_synth_reference_plugin;
    void *s;
    TEST_OK(d->create(NULL, &s));
    const int max_block = 512;
    TEST_OK(d->prepare(s, RATE, max_block));
    int64_t tail = d->tail_frames(s);
    int64_t end = ev[n_ev - 1].frame + tail;     // what an offline render produces
    int64_t total = end + (int64_t)(0.5 * RATE); // plus silence that must stay silent
    float *audio = malloc(sizeof(float) * (size_t)total);
    TEST_ASSERT(audio);

    clock_t t0 = clock();
    uint32_t rng = 12345u;
    int next = 0;
    for (int64_t pos = 0; pos < total;) {
        rng = rng * 1664525u + 1013904223u;
        int frames = 1 + (int)((rng >> 8) % (uint32_t)max_block); // blocks of 1..512 frames
        if (frames > total - pos) frames = (int)(total - pos);
        while (next < n_ev && ev[next].frame < pos + frames) d->note_event(s, &ev[next++]);
        cn_test_process(d, s, pos, NULL, audio + pos, frames);
        pos += frames;
    }
    double cpu = (double)(clock() - t0) / CLOCKS_PER_SEC;

    cn_pitch_accuracy_result r;
    TEST_OK(cn_pitch_accuracy(audio, (size_t)total, RATE, notes, m->n_notes, NULL, &r));
    int64_t last_audible = -1;
    for (int64_t i = 0; i < total; i++)
        if (fabsf(audio[i]) > 1e-4f) last_audible = i;
    double len_err = (double)(last_audible + 1) / RATE - (last_off + d->tail_frames(s) / RATE);
    printf("%s: %d notes, %.2f s; pitch accuracy %.4f (%zu/%zu frames, %zu voiced, "
           "mean |err| of hits %.2f cents); length error %+.4f s; real-time factor %.0f\n",
           TUNE, m->n_notes, last_off, r.accuracy, r.hits, r.frames, r.voiced, r.mean_hit_cents,
           len_err, cpu > 0 ? (double)total / RATE / cpu : 0.0);
    TEST_ASSERT(r.frames > 1000);
    TEST_ASSERT_MSG(r.accuracy >= 0.95, "pitch accuracy %.4f", r.accuracy);
    TEST_ASSERT_MSG(fabs(len_err) <= 0.050, "length error %.4f s", len_err);
    for (int64_t i = end; i < total; i++) TEST_ASSERT(audio[i] == 0.0f);

    d->destroy(s);
    free(audio);
    free(ev);
    free(notes);
    cn_midi_destroy(m);
    return 0;
}
