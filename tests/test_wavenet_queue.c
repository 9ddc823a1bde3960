// LABELS: unit
// TIMEOUT: 300
// test_wavenet_queue.c: the WaveNet's live voice budget with an output queue ahead of the
// device (cn_graph_set_queued, as `play`'s worker reports it before each block). A
// 16-note cluster on one thread is far more than real time on any of these machines
// (about 2.5x at 16 kHz), so the budget (0.8) is exceeded from the first chunks:
//   - without a queue (a plugin host's callback), or with one that is nearly empty,
//     voices are stolen: the load alone decides;
//   - with a queue that does not run low, none is: a slow stretch costs latency the queue
//     already holds, not notes;
//   - after cuts, a queue that is no longer low lets the cap rise to the voice limit, so a
//     second cluster half a second later takes all its voices.
#include <stdio.h>
#include <stdlib.h>

#include "cn_test.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wavenet_plugin.h"

#define RATE 48000.0
#define BLOCK 256
#define ARGS "instrument=violin-16k,budget=0.8,threads=1"

// Events of a 16-note cluster (G3..A#4, channel 0) from `at` seconds, held `len` seconds.
static int cluster(cn_note_event *ev, double at, double len) {
    int k = 0;
    for (int p = 55; p < 71; p++) {
        ev[k++] = (cn_note_event)CN_NOTE((int64_t)(at * RATE), CN_EV_NOTE_ON, p, 90);
        ev[k++] = (cn_note_event)CN_NOTE((int64_t)((at + len) * RATE), CN_EV_NOTE_OFF, p, 0);
    }
    return k;
}

// Play the events for `seconds`, telling the graph before each block that `queued` seconds
// wait for the device (queued_late from `switch_at` seconds on; no call at all when
// negative). Returns the voices stolen; *stolen_by (may be NULL) = those stolen before
// switch_at.
static int64_t play(const cn_note_event *ev, int n_ev, double seconds, double queued, double switch_at,
                    double queued_late, int64_t *stolen_by) {
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, BLOCK, 2, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_wavenet_plugin, ARGS));
    TEST_OK(cn_graph_set_events(g, ev, n_ev));
    float out[2 * BLOCK];
    const int64_t n = (int64_t)(seconds * RATE), sw = (int64_t)(switch_at * RATE) / BLOCK * BLOCK;
    for (int64_t f = 0; f < n; f += BLOCK) {
        const double q = f < sw ? queued : queued_late;
        if (f == sw && stolen_by) *stolen_by = cn_graph_voices_stolen(g);
        if (q >= 0.0) cn_graph_set_queued(g, q);
        cn_graph_process(g, out, BLOCK);
    }
    const int64_t stolen = cn_graph_voices_stolen(g);
    cn_graph_destroy(g);
    return stolen;
}

int main(void) {
    setenv("CONTINUO_PRESETS", CN_SRC("presets"), 1);
    cn_note_event ev[64];
    int n_ev = cluster(ev, 0.0, 0.4);

    const int64_t none = play(ev, n_ev, 0.5, -1.0, 1e9, -1.0, NULL);
    printf("no queue: %lld voices stolen\n", (long long)none);
    TEST_ASSERT_MSG(none > 0, "16 voices over budget without a queue stole nothing");

    const int64_t low = play(ev, n_ev, 0.5, 0.005, 1e9, 0.005, NULL);
    printf("a 5 ms queue: %lld voices stolen\n", (long long)low);
    TEST_ASSERT_MSG(low > 0, "16 voices over budget with a nearly empty queue stole nothing");

    // 10 s queued at every block: the test's blocks take far less wall time than that.
    const int64_t full = play(ev, n_ev, 0.5, 10.0, 1e9, 10.0, NULL);
    printf("a 10 s queue: %lld voices stolen\n", (long long)full);
    TEST_ASSERT_MSG(full == 0, "%lld voices stolen although the queue never ran low", (long long)full);

    // Cuts while the queue is low, then a healthy queue from 0.6 s, and a second cluster
    // at 1.5 s (the first's voices have faded): it takes all 16 voices.
    n_ev += cluster(ev + n_ev, 1.5, 0.3);
    int64_t before = -1;
    const int64_t after = play(ev, n_ev, 1.9, 0.005, 0.6, 10.0, &before);
    printf("low, then healthy: %lld voices stolen by 0.6 s, %lld in all\n", (long long)before, (long long)after);
    TEST_ASSERT_MSG(before > 0, "nothing stolen while the queue was low");
    TEST_ASSERT_MSG(after == before, "the second cluster lost %lld voices: the cap did not rise",
                    (long long)(after - before));
    printf("test_wavenet_queue: ok\n");
    return 0;
}
