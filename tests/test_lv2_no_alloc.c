// LABELS: unit
// test_lv2_no_alloc.c: a chain of LV2 effects from x42-plugins and swh-lv2 (the EQ, mono
// and stereo, the two delays, one with reported latency, the 2-in/2-out balance and the
// 1-in/2-out splitter) after the reference synth makes no heap allocation while the graph
// processes: thousands of blocks of every size 1..max_frames, the latency pre-roll
// included, on a stereo graph (mono plugins run dual mono). The plugins' own run() is
// counted too (the counter interposes malloc for every shared object of the process).
// Every sample must be finite and the chain must sound.
// Exits 77 without lilv or those plugins.
#include <math.h>
#include <stdint.h>

#include "host/cn_playback.h"
#include "cn_lv2_test.h"

#include "cn_alloc_count.h"

#define MAXB 512
#define SECONDS 3

int main(void) {
    const char *const need[] = {URI_FIL4, URI_FIL4_STEREO, URI_NODELAY, URI_BALANCE, URI_DELAY, URI_SPLIT, NULL};
    lv2t_require(need);
    cn_alloc_count_setup();
    cn_synth_opts o = {.synth = "reference",
                       .fx = "lv2:" URI_FIL4 ":gain1=6:freq1=800,lv2:" URI_FIL4_STEREO ":HighPass=1,"
                             "lv2:" URI_DELAY ":delay_time=0.05,lv2:" URI_NODELAY ":delay=64:report_latency=1,"
                             "lv2:" URI_BALANCE ":balance=0.3,lv2:" URI_SPLIT ",limiter"};
    cn_graph *g = NULL;
    TEST_OK(cn_playback_build_graph(&o, LV2T_RATE, MAXB, &g));
    TEST_ASSERT(cn_playback_chain_latency(g) >= 64); // nodelay's 64 and the run blocks
    TEST_ASSERT(cn_graph_channels(g) == 2);
    enum { N_EV = 400 };
    cn_note_event ev[N_EV];
    int n = 0;
    for (int64_t f = 0; n + 2 <= N_EV; f += 700) {
        ev[n++] = (cn_note_event)CN_NOTE(f, CN_EV_NOTE_ON, 48 + (int)(f / 700) % 30, 100);
        ev[n++] = (cn_note_event)CN_NOTE(f + 2500, CN_EV_NOTE_OFF, 48 + (int)(f / 700) % 30, 0);
    }
    TEST_OK(cn_graph_set_events(g, ev, n));
    static float out[2 * MAXB]; // stereo graph (the default): interleaved frames
    const int64_t total = (int64_t)(SECONDS * LV2T_RATE);
    long blocks = 0, nonfinite = 0;
    double energy = 0;
    uint32_t rng = 7;
    counting = 1; // ---- real-time section ----
    for (int size = 1; cn_graph_position(g) < total; blocks++) {
        rng = rng * 1664525u + 1013904223u;
        int frames = size <= MAXB ? size++ : 1 + (int)((rng >> 8) % MAXB);
        cn_graph_process(g, out, frames);
        for (int i = 0; i < 2 * frames; i++) {
            nonfinite += !isfinite(out[i]);
            energy += (double)out[i] * out[i];
        }
    }
    counting = 0; // ---- end ----
    printf("test_lv2_no_alloc: 6 LV2 effects + limiter, %ld blocks (sizes 1..%d), %lld frames: %ld allocations, "
           "%ld frees, %ld non-finite samples, rms %.4f\n",
           blocks, MAXB, (long long)cn_graph_position(g), n_allocs, n_frees, nonfinite, sqrt(energy / (double)total));
    TEST_ASSERT(n_allocs == 0 && n_frees == 0);
    TEST_ASSERT(nonfinite == 0);
    TEST_ASSERT(energy > 0);
    cn_graph_destroy(g);
    return 0;
}
