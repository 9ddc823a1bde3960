// LABELS: unit
// test_lv2_latency.c: latency compensation through the path render and play take
// (cn_playback_build_graph with an --fx chain spec, then cn_graph_process). The x42
// `nodelay` plugin delays by `delay` frames and, with report_latency=1, reports that delay
// as latency: compensated, the graph's output must equal the dry output sample for sample;
// with report_latency=0 (delay, report nothing) it must be the dry output 300 frames
// late. Two delays, a built-in effect between them and ',' continuations in the spec
// check that latencies add up and that URIs with ':' and '#' parse. Exits 77 without
// lilv or x42-plugins.
#include <string.h>

#include "host/cn_playback.h"
#include "cn_lv2_test.h"

#define N 48000
#define BLOCK 512
#define NODELAY "lv2:" URI_NODELAY

static float *render(const char *fx, int64_t *latency) {
    cn_synth_opts o = {.synth = "reference", .instrument = "saw", .fx = fx};
    cn_graph *g = NULL;
    TEST_OK(cn_playback_build_graph(&o, LV2T_RATE, BLOCK, &g));
    cn_note_event ev[] = {{0, CN_EV_NOTE_ON, 60, 100}, {9000, CN_EV_NOTE_ON, 67, 90},
                          {20000, CN_EV_NOTE_OFF, 60, 0}, {30001, CN_EV_NOTE_OFF, 67, 0},
                          {30001, CN_EV_NOTE_ON, 72, 80}, {N - 2000, CN_EV_NOTE_OFF, 72, 0}};
    TEST_OK(cn_graph_set_events(g, ev, (int)(sizeof ev / sizeof ev[0])));
    if (latency) *latency = cn_playback_chain_latency(g);
    float *out = malloc(N * sizeof *out);
    TEST_ASSERT(out);
    for (int done = 0; done < N; done += BLOCK) cn_graph_process(g, out + done, N - done < BLOCK ? N - done : BLOCK);
    TEST_ASSERT(cn_graph_position(g) == N);
    cn_graph_destroy(g);
    return out;
}

static double max_diff(const float *a, const float *b, int n) {
    double m = 0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

int main(void) {
    const char *const need[] = {URI_NODELAY, NULL};
    lv2t_require(need);
    int64_t lat = -1;
    float *dry = render(NULL, &lat);
    TEST_ASSERT(lat == 0);
    float *comp = render(NODELAY ":delay=300:report_latency=1", &lat);
    printf("nodelay 300, reported: latency %lld, max |compensated - dry| = %g\n", (long long)lat,
           max_diff(comp, dry, N));
    TEST_ASSERT(lat == 300);
    TEST_ASSERT(!memcmp(comp, dry, N * sizeof *dry));
    float *late = render(NODELAY ":delay=300:report_latency=0", &lat);
    printf("nodelay 300, not reported: latency %lld, max |out[t] - dry[t-300]| = %g\n", (long long)lat,
           max_diff(late + 300, dry, N - 300));
    TEST_ASSERT(lat == 0);
    TEST_ASSERT(!memcmp(late + 300, dry, (N - 300) * sizeof *dry));
    for (int i = 0; i < 300; i++) TEST_ASSERT(late[i] == 0.0f);
    TEST_ASSERT(max_diff(late, dry, N) > 0.01); // and the uncompensated delay is audible

    float *eq = render("eq:gain=-3", NULL);
    float *two = render(NODELAY ":delay=100,report_latency=1,eq:gain=-3," NODELAY ":delay=211,report_latency=1", &lat);
    printf("two delays around eq: latency %lld, max |out - eq only| = %g\n", (long long)lat, max_diff(two, eq, N));
    TEST_ASSERT(lat == 311);
    TEST_ASSERT(!memcmp(two, eq, N * sizeof *eq));
    free(dry);
    free(comp);
    free(late);
    free(eq);
    free(two);
    printf("ok\n");
    return 0;
}
