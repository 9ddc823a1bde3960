// LABELS: unit
// test_dsp_realtime: the dsp/ plugins (reference synth, eq, reverb, limiter) are real-time
// safe: after prepare(), thousands of process() calls with blocks of 1..max_frames
// frames, interleaved with note events and parameter changes, make no heap allocation,
// and every output sample is finite. Allocations are counted by tests/cn_alloc_count.h
// (interposed allocator, or the sanitizers' hooks; on this thread only).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_effects.h"
#include "dsp/cn_synth_reference.h"
#include "cn_test.h"
#include "cn_test_process.h"

#include "cn_alloc_count.h"

#define RATE 16000.0
#define MAXB 256
#define BLOCKS 400

static uint32_t rng = 3u;
static uint32_t next(void) {
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

static void run(const cn_plugin_desc *d) {
    void *s;
    TEST_OK(d->create(NULL, &s));
    TEST_OK(d->prepare(s, RATE, MAXB));
    float *buf = malloc(sizeof(float) * MAXB);
    TEST_ASSERT(buf);
    int64_t pos = 0;
    counting = 1;
    for (int blk = 0; blk < BLOCKS; blk++) {
        int b = 1 + (int)(next() % MAXB);
        if (d->kind == CN_PLUGIN_GENERATOR) {
            if (next() % 4 == 0) {
                cn_note_event ev = CN_NOTE(pos + (int64_t)(next() % (uint32_t)b),
                                    next() % 3 ? CN_EV_NOTE_ON : CN_EV_NOTE_OFF,
                                    40 + (int)(next() % 40), 1 + (int)(next() % 127));
                d->note_event(s, &ev);
            }
        } else {
            for (int i = 0; i < b; i++) buf[i] = (float)((next() % 65536) / 16384.0 - 2.0);
        }
        if (blk % 100 == 50) { // a parameter change now and then, in the lower quarter of its
            // range (keeps the reverb short enough for sanitizer builds)
            int p = (int)(next() % (uint32_t)d->n_params);
            float u = (float)(next() % 1000) / 3996.0f;
            d->set_param(s, p, d->params[p].min + u * (d->params[p].max - d->params[p].min));
        }
        cn_test_process(d, s, pos, d->kind == CN_PLUGIN_GENERATOR ? NULL : buf, buf, b);
        for (int i = 0; i < b; i++) TEST_ASSERT(isfinite(buf[i]));
        pos += b;
    }
    counting = 0;
    printf("%-9s %.1f s in %d blocks: %ld allocations in process()\n", d->id, pos / RATE, BLOCKS,
           n_allocs);
    TEST_ASSERT(n_allocs == 0);
    n_allocs = 0;
    d->destroy(s);
    free(buf);
}

int main(void) {
    cn_alloc_count_setup();
    run(&cn_synth_reference_plugin);
    run(&cn_fx_eq_plugin);
    run(&cn_fx_reverb_plugin);
    run(&cn_fx_limiter_plugin);
    return 0;
}
