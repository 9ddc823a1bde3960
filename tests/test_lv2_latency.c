// LABELS: unit
// test_lv2_latency.c: latency compensation through the path render and play take
// (cn_playback_build_graph with an --fx chain spec, then cn_graph_process). The x42
// `nodelay` plugin delays by `delay` frames and, with report_latency=1, reports that delay
// as latency: compensated, the graph's output must equal the dry output sample for sample;
// with report_latency=0 (delay, report nothing) it must be the dry output 300 frames
// late (each LV2 effect adds its fixed run block to the latency, compensated too). Two
// delays, a built-in effect between them and ',' continuations in the spec check that
// latencies add up and that URIs with ':' and '#' parse. The x42 EQ and limiter give the
// same samples for render's blocks and a live worker's. Exits 77 without lilv or
// x42-plugins. Every check runs on a mono and on a stereo graph.
#include <stdint.h>
#include <string.h>

#include "host/cn_playback.h"
#include "cn_lv2_test.h"

#define N 48000
#define BLOCK 512
#define NODELAY "lv2:" URI_NODELAY

static int chans; // the graph's output channels: each check runs mono, then stereo

// The graph's output for `fx` (N frames of `chans` interleaved channels), in blocks of
// `block` frames, or (vary) of random sizes up to it as a live worker asks for them.
static float *render_blocks(const char *fx, int block, int vary, int64_t *latency) {
    cn_synth_opts o = {.synth = "reference", .instrument = "saw", .fx = fx, .channels = chans};
    cn_graph *g = NULL;
    TEST_OK(cn_playback_build_graph(&o, LV2T_RATE, block, &g));
    cn_note_event ev[] = {CN_NOTE(0, CN_EV_NOTE_ON, 60, 100),      CN_NOTE(9000, CN_EV_NOTE_ON, 67, 90),
                          CN_NOTE(20000, CN_EV_NOTE_OFF, 60, 0),   CN_NOTE(30001, CN_EV_NOTE_OFF, 67, 0),
                          CN_NOTE(30001, CN_EV_NOTE_ON, 72, 80),   CN_NOTE(N - 2000, CN_EV_NOTE_OFF, 72, 0)};
    TEST_OK(cn_graph_set_events(g, ev, (int)(sizeof ev / sizeof ev[0])));
    if (latency) *latency = cn_playback_chain_latency(g);
    TEST_ASSERT(cn_graph_channels(g) == chans);
    float *out = malloc((size_t)N * chans * sizeof *out);
    TEST_ASSERT(out);
    uint32_t rng = 11;
    for (int done = 0, n; done < N; done += n) {
        rng = rng * 1664525u + 1013904223u;
        n = vary ? 1 + (int)((rng >> 8) % (uint32_t)block) : block;
        if (n > N - done) n = N - done;
        cn_graph_process(g, out + (size_t)done * chans, n);
    }
    TEST_ASSERT(cn_graph_position(g) == N);
    cn_graph_destroy(g);
    return out;
}

static float *render(const char *fx, int64_t *latency) { return render_blocks(fx, BLOCK, 0, latency); }

static double max_diff(const float *a, const float *b, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static void checks(void) {
    const int S = N * chans; // samples of a render; D: of 300 frames
    const int D = 300 * chans;
    printf("-- %s\n", chans == 1 ? "mono" : "stereo");
    int64_t lat = -1;
    float *dry = render(NULL, &lat);
    TEST_ASSERT(lat == 0);
    int64_t own = -1; // the wrapper's latency alone: its fixed run block
    float *late = render(NODELAY ":delay=300:report_latency=0", &own);
    printf("nodelay 300, not reported: latency %lld (the wrapper's run block), max |out[t] - dry[t-300]| = %g\n",
           (long long)own, max_diff(late + D, dry, S - D));
    TEST_ASSERT(own > 0 && own < 1024);
    float *comp = render(NODELAY ":delay=300:report_latency=1", &lat);
    printf("nodelay 300, reported: latency %lld, max |compensated - dry| = %g\n", (long long)lat,
           max_diff(comp, dry, S));
    TEST_ASSERT(lat == 300 + own);
    TEST_ASSERT(!memcmp(comp, dry, S * sizeof *dry));
    TEST_ASSERT(!memcmp(late + D, dry, (S - D) * sizeof *dry));
    for (int i = 0; i < D; i++) TEST_ASSERT(late[i] == 0.0f);
    TEST_ASSERT(max_diff(late, dry, S) > 0.01); // and the uncompensated delay is audible

    float *eq = render("eq:gain=-3", NULL);
    float *two = render(NODELAY ":delay=100,report_latency=1,eq:gain=-3," NODELAY ":delay=211,report_latency=1", &lat);
    printf("two delays around eq: latency %lld, max |out - eq only| = %g\n", (long long)lat, max_diff(two, eq, S));
    TEST_ASSERT(lat == 311 + 2 * own);
    TEST_ASSERT(!memcmp(two, eq, S * sizeof *eq));
    // Block sizes: render's 512 against a live worker's 1..256 give the same samples, even
    // through plugins that compute per run (the x42 limiter's gain, the EQ's ramps): the
    // wrapper runs them on blocks of one size.
    const char *per_run = "lv2:" URI_FIL4 ":gain1=6:freq1=800:HighPass=1,lv2:http://gareus.org/oss/lv2/dpl#mono:gain=12";
    float *fixed = render_blocks(per_run, 512, 0, NULL), *varied = render_blocks(per_run, 256, 1, NULL);
    printf("x42 EQ + limiter, blocks of 512 against 1..256: max diff %g\n", max_diff(fixed, varied, S));
    TEST_ASSERT(!memcmp(fixed, varied, S * sizeof *fixed));
    free(fixed);
    free(varied);
    free(dry);
    free(comp);
    free(late);
    free(eq);
    free(two);
}

int main(void) {
    const char *const need[] = {URI_NODELAY, URI_FIL4, "http://gareus.org/oss/lv2/dpl#mono", NULL};
    lv2t_require(need);
    for (chans = 1; chans <= 2; chans++) checks();
    printf("ok\n");
    return 0;
}
