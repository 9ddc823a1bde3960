// LABELS: unit
// test_no_alloc.c: the real-time path makes no heap allocation. A graph (reference synth
// -> eq -> reverb -> limiter) is prepared, then cn_graph_process runs thousands of blocks
// of every size from 1 to max_frames, with dense polyphonic note events (more notes at
// once than the synth has voices) falling inside blocks, and its output goes through the
// ring buffer (acquire/commit in, block read out) as in live playback, while live notes
// arrive through the graph's event queue. Every call to
// malloc/calloc/realloc/posix_memalign/aligned_alloc/free during that loop is counted and
// must be 0, and every sample must be finite.
// Counting: tests/cn_alloc_count.h (interposed allocator, or the sanitizer's hooks).
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "dsp/cn_effects.h"
#include "engine/cn_graph.h"
#include "engine/cn_registry.h"
#include "engine/cn_ringbuffer.h"
#include "dsp/cn_synth_reference.h"
#include "cn_test.h"

#include "cn_alloc_count.h"

#define RATE 48000.0
#define MAXB 512
#define SECONDS 4

static uint32_t rng = 12345u;
static uint32_t next_rand(void) {
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

int main(void) {
    cn_alloc_count_setup();
    cn_registry_clear();
    TEST_OK(cn_registry_add(&cn_fx_eq_plugin));
    TEST_OK(cn_registry_add(&cn_fx_reverb_plugin));
    TEST_OK(cn_registry_add(&cn_fx_limiter_plugin));
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, MAXB, 1, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_synth_reference_plugin, "release=0.3"));
    TEST_OK(cn_graph_add_chain(g, "eq:gain=6:freq=800,reverb:mix=0.3,limiter:ceiling=-3"));

    // Chords of 40 notes (more than the 32 voices) every 0.25 s, plus a random stream of
    // short notes: event frames land anywhere inside blocks.
    enum { N_EV = 8000 };
    static cn_note_event ev[N_EV];
    int n = 0;
    const int64_t total = (int64_t)(SECONDS * RATE);
    for (int64_t f = 0; f + 12000 < total && n + 80 <= N_EV / 2; f += 12000)
        for (int k = 0; k < 40; k++) {
            ev[n++] = (cn_note_event)CN_NOTE(f + k, CN_EV_NOTE_ON, 40 + k, 100);
            ev[n++] = (cn_note_event)CN_NOTE(f + 6000 + k, CN_EV_NOTE_OFF, 40 + k, 0);
        }
    while (n + 2 <= N_EV) {
        int64_t on = (int64_t)(next_rand() % (uint32_t)total);
        int pitch = 30 + (int)(next_rand() % 70u);
        ev[n++] = (cn_note_event)CN_NOTE(on, CN_EV_NOTE_ON, pitch, 1 + (int)(next_rand() % 127u));
        ev[n++] = (cn_note_event)CN_NOTE(on + 1 + (int64_t)(next_rand() % 4000u), CN_EV_NOTE_OFF, pitch, 0);
    }
    TEST_OK(cn_graph_set_events(g, ev, n));
    TEST_OK(cn_graph_enable_queue(g, 256)); // live events too: draining must not allocate

    static float storage[4096], block[MAXB], out[MAXB];
    cn_ringbuffer rb;
    TEST_OK(cn_ringbuffer_init(&rb, storage, 4096));

    long blocks = 0, nonfinite = 0, queued = 0;
    double energy = 0;
    int size = 1;
    counting = 1; // ---- real-time section: no allocation from here ----
    while (cn_graph_position(g) < total) {
        // Sizes sweep 1..MAXB, then random sizes, so every size occurs.
        int frames = size <= MAXB ? size++ : 1 + (int)(next_rand() % MAXB);
        cn_rb_regions r;
        size_t got = cn_ringbuffer_acquire_write(&rb, (size_t)frames, &r);
        TEST_ASSERT(got == (size_t)frames);
        cn_graph_process(g, r.p1, (int)r.n1);
        if (r.n2) cn_graph_process(g, r.p2, (int)r.n2);
        cn_ringbuffer_commit_write(&rb, got);
        size_t rd = cn_ringbuffer_read(&rb, out, got);
        TEST_ASSERT(rd == got);
        for (size_t i = 0; i < rd; i++) {
            nonfinite += !isfinite(out[i]);
            energy += (double)out[i] * out[i];
        }
        blocks++;
        int64_t pos = cn_graph_position(g); // one live note per block, ahead of the playhead
        cn_note_event on = CN_NOTE(pos + 100, CN_EV_NOTE_ON, 60 + (int)(blocks % 24), 90);
        cn_note_event off = CN_NOTE(pos + 3000, CN_EV_NOTE_OFF, 60 + (int)(blocks % 24), 0);
        queued += cn_graph_queue_event(g, &on) + cn_graph_queue_event(g, &off);
    }
    cn_graph_process(g, block, MAXB);
    counting = 0; // ---- end of the real-time section ----

    printf("test_no_alloc: %ld blocks (sizes 1..%d), %d events + %ld queued live, %lld frames: %ld allocations, "
           "%ld frees, %ld non-finite samples, rms %.4f\n",
           blocks, MAXB, n, queued, (long long)cn_graph_position(g), n_allocs, n_frees, nonfinite,
           sqrt(energy / (double)total));
    TEST_ASSERT(n_allocs == 0);
    TEST_ASSERT(n_frees == 0);
    TEST_ASSERT(nonfinite == 0);
    TEST_ASSERT(energy > 0); // it did make sound
    TEST_ASSERT(queued == 2 * blocks && cn_graph_dropped_events(g) == 0);
    cn_graph_destroy(g);
    cn_registry_clear();
    return 0;
}
