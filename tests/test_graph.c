// LABELS: unit
// test_graph.c: the processing graph with test plugins: events land on their exact
// sample whatever the block sizes, renders are bit-identical, effects run in order with
// their parameters, effect-chain specs parse (and bad ones fail clearly), tails add up,
// and an offline render through the file sink produces the right file.
#include <sndfile.h>
#include <string.h>
#include <unistd.h>

#include "engine/cn_graph.h"
#include "engine/cn_registry.h"
#include "cn_test.h"
#include "cn_test_plugins.h"

#define RATE 48000
#define N 20000

static const cn_note_event events[] = {
    CN_NOTE(5000, CN_EV_NOTE_OFF, 60, 0),  // given out of order on purpose
    CN_NOTE(1234, CN_EV_NOTE_ON, 60, 100),
    CN_NOTE(9001, CN_EV_NOTE_ON, 67, 90),
    CN_NOTE(9001, CN_EV_NOTE_OFF, 67, 0),  // same frame: the off goes first, the note sounds
    CN_NOTE(15000, CN_EV_NOTE_OFF, 67, 0),
};

static cn_graph *make_graph(int max_frames, const char *chain) {
    cn_graph *g;
    TEST_OK(cn_graph_create(RATE, max_frames, 1, &g));
    TEST_OK(cn_graph_set_generator(g, &test_sine_plugin, NULL));
    if (chain) TEST_OK(cn_graph_add_chain(g, chain));
    TEST_OK(cn_graph_set_events(g, events, (int)(sizeof events / sizeof events[0])));
    return g;
}

// Render N frames with block sizes from a fixed pseudo-random sequence in 1..max.
static void render_blocks(cn_graph *g, float *out, int max, unsigned seed) {
    int done = 0;
    while (done < N) {
        seed = seed * 1103515245u + 12345u;
        int n = (int)((seed >> 16) % (unsigned)max) + 1;
        if (n > N - done) n = N - done;
        cn_graph_process(g, out + done, n);
        done += n;
    }
    TEST_ASSERT(cn_graph_position(g) == N);
}

static void test_sample_accuracy(void) {
    static float a[N], b[N];
    cn_graph *g = make_graph(512, NULL);
    render_blocks(g, a, 512, 1);
    cn_graph_destroy(g);
    g = make_graph(97, NULL);
    render_blocks(g, b, 97, 2);
    cn_graph_destroy(g);
    TEST_ASSERT(memcmp(a, b, sizeof a) == 0); // bit-identical across block sizes
    for (int i = 0; i < 1234; i++) TEST_ASSERT(a[i] == 0.0f);
    TEST_ASSERT(a[1234] == 1.0f); // onset exactly at the event frame
    TEST_ASSERT(a[4999] != 0.0f || a[4998] != 0.0f);
    for (int i = 5000; i < 9001; i++) TEST_ASSERT(a[i] == 0.0f);
    TEST_ASSERT(a[9001] == 1.0f);
    for (int i = 15000; i < N; i++) TEST_ASSERT(a[i] == 0.0f);
}

static void test_chain(void) {
    cn_registry_clear();
    TEST_OK(cn_registry_add(&test_sine_plugin));
    TEST_OK(cn_registry_add(&test_gain_plugin));
    static float dry[N], wet[N];
    cn_graph *g = make_graph(256, NULL);
    render_blocks(g, dry, 256, 3);
    TEST_ASSERT(cn_graph_tail_frames(g) == 100);
    TEST_ASSERT(cn_graph_last_event_frame(g) == 15000);
    cn_graph_destroy(g);
    // Both spellings of parameters; three effects in series: 0.5 * 3 * 0.25.
    g = make_graph(256, "testgain:gain=0.5,testgain,gain=3,testgain:gain=0.25");
    TEST_ASSERT(cn_graph_effect_count(g) == 3);
    TEST_ASSERT(cn_graph_tail_frames(g) == 100 + 3 * 7);
    render_blocks(g, wet, 256, 4);
    cn_graph_destroy(g);
    for (int i = 0; i < N; i++) TEST_NEAR(wet[i], dry[i] * 0.375f, 1e-6);

    cn_graph *b;
    TEST_OK(cn_graph_create(RATE, 64, 1, &b));
    TEST_ASSERT(cn_graph_add_chain(b, "nosuch") == CN_ERR_ARG);
    TEST_ASSERT(strstr(cn_error_message(), "unknown effect 'nosuch'"));
    TEST_ASSERT(cn_graph_add_chain(b, "testgain:gain=9") == CN_ERR_RANGE);
    TEST_ASSERT(strstr(cn_error_message(), "out of range"));
    TEST_ASSERT(cn_graph_add_chain(b, "testgain:gain=abc") == CN_ERR_ARG);
    TEST_ASSERT(cn_graph_add_chain(b, "gain=2,testgain") == CN_ERR_ARG);
    TEST_ASSERT(cn_graph_add_chain(b, "testgain:color=red") == CN_ERR_ARG); // create refuses
    TEST_ASSERT(cn_graph_add_chain(b, "testgain,,testgain") == CN_ERR_ARG);
    TEST_ASSERT(cn_graph_add_chain(b, "testsine") == CN_ERR_ARG); // not an effect
    TEST_ASSERT(cn_graph_set_generator(b, &test_gain_plugin, NULL) == CN_ERR_ARG);
    TEST_ASSERT(cn_graph_effect_count(b) <= 1); // failed specs may keep earlier good items
    cn_graph_destroy(b);
    TEST_ASSERT(cn_graph_create(RATE, 0, 1, &b) == CN_ERR_RANGE);
    TEST_ASSERT(cn_graph_create(10, 64, 1, &b) == CN_ERR_RANGE);
    cn_registry_clear();
}

static void test_render_file(void) {
    char path[] = "/tmp/cn_test_graph_XXXXXX";
    int fd = mkstemp(path);
    TEST_ASSERT(fd >= 0);
    close(fd);
    unlink(path);
    char wav[64];
    snprintf(wav, sizeof wav, "%s.wav", path);
    cn_graph *g = make_graph(300, NULL);
    cn_sink *sink;
    TEST_OK(cn_sink_sndfile_create(wav, RATE, 1, CN_FILE_WAV_FLOAT, &sink));
    TEST_ASSERT(access(wav, F_OK) != 0); // nothing under the final name yet
    TEST_OK(cn_graph_render(g, sink, N, NULL));
    TEST_OK(sink->finish(sink));
    TEST_ASSERT(sink->frames == N);
    cn_sink_destroy(sink);
    cn_graph_destroy(g);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(wav, SFM_READ, &info);
    TEST_ASSERT(sf != NULL);
    TEST_ASSERT(info.samplerate == RATE && info.channels == 1 && info.frames == N);
    static float back[N], ref[N];
    TEST_ASSERT(sf_readf_float(sf, back, N) == N);
    sf_close(sf);
    g = make_graph(128, NULL);
    render_blocks(g, ref, 128, 5);
    cn_graph_destroy(g);
    TEST_ASSERT(memcmp(back, ref, sizeof ref) == 0); // float WAV round-trips exactly
    unlink(wav);
}

int main(void) {
    test_sample_accuracy();
    test_chain();
    test_render_file();
    printf("test_graph: ok\n");
    return 0;
}
