// LABELS: tsan;unit
// test_graph_queue.c: live note events through the graph's SPSC event queue. A producer
// thread pushes the notes of a pseudo-random score ahead of the playhead while the main
// thread (the worker's role) renders blocks; the output must be bit-identical to an
// offline render of the same score given with cn_graph_set_events, and nothing may be
// dropped. Also: a late event sounds at the start of the next block, and a full queue
// drops and counts. Run under ThreadSanitizer it checks the queue's memory ordering.
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "engine/cn_graph.h"
#include "cn_test.h"
#include "cn_test_plugins.h"

#define RATE 48000
#define BLOCK 128
#define N_NOTES 3000
#define FRAMES (N_NOTES * 200 + 1000)
#define LOOKAHEAD (4 * BLOCK)

static cn_note_event score[2 * N_NOTES];
static atomic_llong pushed_until; // producer: every event before this frame is queued

static void make_score(void) {
    unsigned s = 7;
    for (int i = 0; i < N_NOTES; i++) {
        s = s * 1103515245u + 12345u;
        int64_t on = (int64_t)i * 200 + (int64_t)((s >> 16) % 150u);
        score[2 * i] = (cn_note_event)CN_NOTE(on, CN_EV_NOTE_ON, 48 + (int)((s >> 8) % 24u), 100);
        score[2 * i + 1] = (cn_note_event)CN_NOTE(on + 40, CN_EV_NOTE_OFF, 0, 0);
    }
}

// The score is in time order (each note ends before the next starts). Push each event
// once the playhead is within LOOKAHEAD frames of it, as a melody generator would, and
// publish how far the queued score is complete.
static void *producer(void *arg) {
    cn_graph *g = arg;
    for (int i = 0; i < 2 * N_NOTES; i++) {
        while (score[i].frame >= cn_graph_position(g) + LOOKAHEAD) sched_yield();
        cn_graph_queue_event(g, &score[i]); // a full queue would be counted as a drop
        int64_t done = i + 1 < 2 * N_NOTES ? score[i + 1].frame : FRAMES;
        atomic_store_explicit(&pushed_until, done, memory_order_release);
    }
    return NULL;
}

static cn_graph *make_graph(void) {
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, BLOCK, 1, &g));
    TEST_OK(cn_graph_set_generator(g, &test_sine_plugin, NULL));
    return g;
}

int main(void) {
    make_score();
    static float ref[FRAMES], live[FRAMES];

    cn_graph *g = make_graph();
    TEST_OK(cn_graph_set_events(g, score, 2 * N_NOTES));
    for (int f = 0; f < FRAMES; f += BLOCK) cn_graph_process(g, ref + f, FRAMES - f < BLOCK ? FRAMES - f : BLOCK);
    cn_graph_destroy(g);

    // Live: the queue holds 64 events; the producer keeps about 6 pending.
    g = make_graph();
    TEST_OK(cn_graph_enable_queue(g, 64));
    pthread_t th;
    TEST_ASSERT(pthread_create(&th, NULL, producer, g) == 0);
    for (int f = 0; f < FRAMES; f += BLOCK) {
        int n = FRAMES - f < BLOCK ? FRAMES - f : BLOCK;
        // Render a block only when every event inside it has been queued.
        while (atomic_load_explicit(&pushed_until, memory_order_acquire) < f + n) sched_yield();
        cn_graph_process(g, live + f, n);
    }
    pthread_join(th, NULL);
    TEST_ASSERT(cn_graph_position(g) == FRAMES);
    TEST_ASSERT(cn_graph_dropped_events(g) == 0);
    TEST_ASSERT(memcmp(ref, live, sizeof ref) == 0);
    cn_graph_destroy(g);

    // A late event sounds at the start of the next block; a full queue drops and counts.
    g = make_graph();
    TEST_OK(cn_graph_enable_queue(g, 4));
    float out[BLOCK];
    cn_graph_process(g, out, BLOCK);
    cn_note_event late = CN_NOTE(10, CN_EV_NOTE_ON, 69, 100);
    TEST_ASSERT(cn_graph_queue_event(g, &late) == 1);
    cn_graph_process(g, out, BLOCK);
    TEST_ASSERT(out[0] == 1.0f); // the test sine starts every note at 1.0
    for (int i = 0; i < 4; i++) TEST_ASSERT(cn_graph_queue_event(g, &late) == 1);
    TEST_ASSERT(cn_graph_queue_event(g, &late) == 0);
    TEST_ASSERT(cn_graph_dropped_events(g) == 1);
    cn_graph_destroy(g);
    printf("test_graph_queue: %d events queued live, output identical to offline, 0 dropped\n",
           2 * N_NOTES);
    return 0;
}
