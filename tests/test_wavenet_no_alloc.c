// LABELS: unit
// test_wavenet_no_alloc.c: the WaveNet generator makes no heap allocation on the audio
// worker's path. A randomly initialised default-size model (receptive field 1024) is saved
// and loaded by the plugin into a graph, once at the model's rate (16 kHz) and once at
// 48 kHz (through the streaming resampler); then cn_graph_process runs blocks of every size
// from 1 to 256 with note events inside blocks and live notes from the event queue, and
// every malloc/calloc/realloc/free in that loop is counted (tests/cn_alloc_count.h) and
// must be 0, every sample finite, and the output not silent.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/cn_graph.h"
#include "cn_test.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_io.h"

#include "cn_alloc_count.h"

#define MAXB 256

static void run(const char *model_path, double rate) {
    cn_graph *g;
    TEST_OK(cn_graph_create(rate, MAXB, 1, &g));
    char args[600];
    snprintf(args, sizeof args, "model=%s,seed=5", model_path);
    TEST_OK(cn_graph_set_generator(g, &cn_wavenet_plugin, args));
    const int64_t total = (int64_t)(0.6 * rate);
    static cn_note_event ev[64];
    int n = 0;
    for (int k = 0; k < 16; k++) { // a note every 1/27 s, each ending inside a block
        int64_t on = (int64_t)(k * rate / 27.0) + 7 * k;
        ev[n++] = (cn_note_event)CN_NOTE(on, CN_EV_NOTE_ON, 55 + 2 * k, 90);
        ev[n++] = (cn_note_event)CN_NOTE(on + (int64_t)(rate / 40.0), CN_EV_NOTE_OFF, 55 + 2 * k, 0);
    }
    TEST_OK(cn_graph_set_events(g, ev, n));
    TEST_OK(cn_graph_enable_queue(g, 64));
    static float out[MAXB];
    long blocks = 0, nonfinite = 0;
    double energy = 0.0;
    int size = 1;
    n_allocs = n_frees = 0;
    counting = 1; // ---- real-time section ----
    while (cn_graph_position(g) < total) {
        int frames = size <= MAXB ? size++ : 1 + (int)((blocks * 37) % MAXB);
        cn_graph_process(g, out, frames);
        for (int i = 0; i < frames; i++) {
            nonfinite += !isfinite(out[i]);
            energy += (double)out[i] * out[i];
        }
        if (++blocks % 50 == 0) {
            int64_t pos = cn_graph_position(g);
            cn_note_event on = CN_NOTE(pos + 10, CN_EV_NOTE_ON, 67, 100);
            cn_note_event off = CN_NOTE(pos + 500, CN_EV_NOTE_OFF, 67, 0);
            cn_graph_queue_event(g, &on);
            cn_graph_queue_event(g, &off);
        }
    }
    counting = 0; // ---- end ----
    printf("wavenet at %.0f Hz: %ld blocks (sizes 1..%d), %lld frames: %ld allocations, %ld frees, "
           "%ld non-finite, rms %.4f\n",
           rate, blocks, MAXB, (long long)cn_graph_position(g), n_allocs, n_frees, nonfinite,
           sqrt(energy / (double)cn_graph_position(g)));
    TEST_ASSERT(n_allocs == 0);
    TEST_ASSERT(n_frees == 0);
    TEST_ASSERT(nonfinite == 0);
    TEST_ASSERT(energy > 0.0);
    cn_graph_destroy(g);
}

int main(void) {
    cn_alloc_count_setup();
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_wn_init_weights(m, 3);
    char path[64];
    snprintf(path, sizeof path, "/tmp/cn_wn_no_alloc_%d.safetensors", (int)getpid());
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_wn_destroy(m);
    run(path, 16000.0);
    run(path, 48000.0);
    remove(path);
    return 0;
}
