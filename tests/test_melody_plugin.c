// LABELS: unit
// test_melody_plugin: the melody model as an event-generator plugin in the graph. It
// emits the same notes as a cn_mstream over the same predictor and seed; an offline
// render (cn_graph_render until its end) equals a live-style render (events pumped a
// lookahead ahead of the playhead, as the play --endless thread does) sample for sample;
// the file ends at its last note-off plus the synth's tail; the reference synth plays its
// notes in tune; the same seed repeats, another seed differs; bad arguments are refused.
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_pitch_accuracy.h"
#include "dsp/cn_synth_reference.h"
#include "engine/cn_graph.h"
#include "models/melody/cn_melody_plugin.h"
#include "models/melody/cn_melody_stream.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "cn_test.h"

#define RATE 24000.0
#define BLOCK 256
#define PRIMER "D5:1/2 F#5:1/2 A5 D6 C#6:1/2 B5:1/2 A5"
#define NOTES 24
#define MAX_FRAMES (60 * 24000)

typedef struct {
    cn_sink base;
    float *buf;
} mem_sink;

static cn_status mem_write(cn_sink *s, const float *b, int n) {
    mem_sink *m = (mem_sink *)s;
    TEST_ASSERT(s->frames + n <= MAX_FRAMES);
    memcpy(m->buf + s->frames, b, (size_t)n * sizeof *b);
    s->frames += n;
    return CN_OK;
}
static cn_status mem_finish(cn_sink *s) { (void)s; return CN_OK; }
static void mem_destroy(cn_sink *s) { (void)s; }

static const char *args(uint64_t seed) {
    static char buf[512];
    snprintf(buf, sizeof buf, "primer=" PRIMER ",ngram_only=1,ngram_data=%s,notes=%d,seed=%llu,bpm=180,record=1",
             CN_SRC("data/melody/nottingham/valid"), NOTES, (unsigned long long)seed);
    return buf;
}

static cn_graph *graph(uint64_t seed) {
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, BLOCK, 1, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_synth_reference_plugin, NULL));
    TEST_OK(cn_graph_set_event_generator(g, &cn_melody_plugin, args(seed)));
    return g;
}

// Offline: cn_graph_render until the notes end.
static int64_t render_offline(uint64_t seed, float *out) {
    cn_graph *g = graph(seed);
    mem_sink s = {{.write = mem_write, .finish = mem_finish, .destroy = mem_destroy, .channels = 1}, out};
    TEST_OK(cn_graph_render(g, &s.base, CN_GRAPH_UNTIL_END, NULL));
    int64_t end = cn_graph_events_end(g), tail = cn_graph_tail_frames(g);
    TEST_ASSERT_MSG(end > 0 && s.base.frames == end + tail, "%lld frames, end %lld + tail %lld",
                    (long long)s.base.frames, (long long)end, (long long)tail);
    int64_t notes, sampled;
    cn_melody_plugin_counts(cn_graph_event_generator(g), &notes, &sampled);
    TEST_ASSERT(sampled == NOTES && notes == NOTES + 7);
    TEST_ASSERT(cn_graph_late_events(g) == 0 && cn_graph_dropped_events(g) == 0);
    cn_graph_destroy(g);
    return s.base.frames;
}

// Live-style: pump 0.5 s ahead of the playhead before each block, as the event thread.
static void render_live(uint64_t seed, float *out, int64_t frames) {
    cn_graph *g = graph(seed);
    for (int64_t pos = 0; pos < frames; pos += BLOCK) {
        TEST_OK(cn_graph_pump_events(g, cn_graph_position(g) + (int64_t)(0.5 * RATE), NULL));
        int n = frames - pos < BLOCK ? (int)(frames - pos) : BLOCK;
        cn_graph_process(g, out + pos, n);
    }
    TEST_ASSERT(cn_graph_late_events(g) == 0);
    cn_graph_destroy(g);
}

// The notes a cn_mstream gives over the same predictor, primer, tempo and seed.
static int reference_notes(uint64_t seed, cn_timed_note *notes, int max) {
    const char *data = CN_SRC("data/melody/nottingham/valid");
    cn_predictor_opts po = {.ngram_only = 1, .ngram_data = &data, .n_ngram_data = 1};
    cn_predictor p;
    TEST_OK(cn_predictor_open(&po, &p));
    cn_melody mel;
    cn_event_seq ev;
    TEST_OK(cn_primer_load(PRIMER, &mel));
    TEST_OK(cn_events_from_melody(&mel, &ev));
    cn_mstream_config cfg = cn_mstream_config_default();
    cfg.rate = RATE;
    cfg.bpm = 180;
    cfg.seed = seed;
    cfg.cond = (cn_melody_cond){cn_melody_key_index(&mel), -1, -1, -1};
    cn_mstream *s;
    TEST_OK(cn_mstream_create(&cfg, p.model, &ev, &s));
    int n = 0;
    for (int sampled_n = 0; sampled_n < NOTES && n < max;) {
        cn_mevent e;
        cn_note_event on, off;
        int sampled;
        TEST_OK(cn_mstream_next(s, &e, &on, &off, &sampled));
        sampled_n += sampled;
        notes[n++] = (cn_timed_note){on.frame, off.frame, e.pitch, on.velocity};
    }
    cn_mstream_destroy(s);
    cn_events_free(&ev);
    cn_melody_free(&mel);
    cn_predictor_close(&p);
    return n;
}

// The notes the plugin emits, straight from generate().
static int plugin_notes(uint64_t seed, cn_timed_note *notes, int max) {
    void *self;
    TEST_OK(cn_melody_plugin.create(args(seed), &self));
    TEST_OK(cn_melody_plugin.prepare(self, RATE, BLOCK));
    cn_note_event ev[2];
    int n = 0;
    while (n < max && cn_melody_plugin.generate(self, INT64_MAX, ev, 2) == 2) {
        TEST_ASSERT(ev[0].type == CN_EV_NOTE_ON && ev[1].type == CN_EV_NOTE_OFF && ev[1].frame > ev[0].frame);
        notes[n++] = (cn_timed_note){ev[0].frame, ev[1].frame, ev[0].pitch, ev[0].velocity};
    }
    TEST_ASSERT(cn_melody_plugin.generate(self, INT64_MAX, ev, 2) == 0); // finished
    TEST_ASSERT(cn_melody_plugin.tail_frames(self) == notes[n - 1].off);
    cn_melody_plugin.destroy(self);
    return n;
}

static void test_errors(void) {
    void *self = NULL;
    const char *bad[] = {"colour=blue", "primer=r r", "primer=/nonexistent/x.mid", "model=/nonexistent/m.safetensors",
                         "temperature=0", "bpm=1000", "notes=-1", "novalue"};
    for (int i = 0; i < 8; i++) {
        TEST_ASSERT_MSG(cn_melody_plugin.create(bad[i], &self) != CN_OK && !self, "'%s' accepted", bad[i]);
        printf("  %s -> %s\n", bad[i], cn_error_message());
        TEST_ASSERT(cn_melody_plugin_check(bad[i]) != CN_OK);
    }
    TEST_OK(cn_melody_plugin_check("primer=D5 E5,ngram_only=1"));
}

int main(void) {
    static cn_timed_note ref[256], got[256];
    int nr = reference_notes(5, ref, 256), ng = plugin_notes(5, got, 256);
    TEST_ASSERT_MSG(nr == ng && nr == NOTES + 7, "%d reference notes, %d from the plugin", nr, ng);
    TEST_ASSERT(!memcmp(ref, got, sizeof *ref * (size_t)nr));

    float *a = malloc(sizeof(float) * MAX_FRAMES), *b = calloc(MAX_FRAMES, sizeof(float));
    float *c = malloc(sizeof(float) * MAX_FRAMES);
    TEST_ASSERT(a && b && c);
    int64_t n = render_offline(5, a);
    render_live(5, b, n);
    TEST_ASSERT_MSG(!memcmp(a, b, sizeof(float) * (size_t)n), "offline and live-style renders differ");
    TEST_ASSERT(render_offline(5, c) == n && !memcmp(a, c, sizeof(float) * (size_t)n));
    int64_t n6 = render_offline(6, c);
    TEST_ASSERT(n6 != n || memcmp(a, c, sizeof(float) * (size_t)n)); // another seed, other notes

    cn_pitch_accuracy_result r;
    TEST_OK(cn_pitch_accuracy(a, (size_t)n, RATE, got, ng, NULL, &r));
    printf("%d notes (7 of the primer), %.2f s; pitch accuracy %.4f over %zu frames\n", ng, n / RATE, r.accuracy,
           r.frames);
    TEST_ASSERT(r.frames > 300 && r.accuracy >= 0.95);
    // The file ends where the last release does: no step at the end.
    printf("last sample %.2g\n", (double)a[n - 1]);
    TEST_ASSERT(fabsf(a[n - 1]) < 1e-3f);
    test_errors();
    free(a);
    free(b);
    free(c);
    printf("test_melody_plugin: ok\n");
    return 0;
}
