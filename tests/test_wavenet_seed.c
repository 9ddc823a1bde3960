// LABELS: unit
// test_wavenet_seed: WaveNet rendering is a pure function of (weights, notes, seed):
// the same seed gives bit-identical audio (also from a second synth and when rendered in
// blocks of varying size), another seed gives different audio, and every sample is finite
// and inside [-1, 1]. The features of a chunk computed alone (training) equal the same
// frames of a whole-file computation.
#include <stdlib.h>
#include <string.h>

#include "cn_test.h"
#include "models/wavenet/cn_wn_synth.h"

int main(void) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.n_layers = 6;
    cfg.cycle = 6;
    cfg.res = 8;
    cfg.gate = 8;
    cfg.skip = 16;
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_wn_init_weights(m, 1);
    enum { N = 4000 };
    cn_timed_note notes[] = {{100, 1500, 60, 90}, {1500, 2600, 64, 90}, {3000, 3900, 67, 60}};
    float *a = malloc(N * sizeof(float)), *b = malloc(N * sizeof(float)),
          *c = malloc(N * sizeof(float)), *d = malloc(N * sizeof(float));
    cn_wn_synth *s1, *s2;
    TEST_OK(cn_wn_synth_create(m, 0, 1.0f, 42, &s1));
    TEST_OK(cn_wn_synth_create(m, 0, 1.0f, 7, &s2));
    cn_wn_synth_render_notes(s1, 42, notes, 3, N, a);
    cn_wn_synth_render_notes(s2, 42, notes, 3, N, b);
    cn_wn_synth_render_notes(s1, 43, notes, 3, N, c);
    TEST_ASSERT_MSG(!memcmp(a, b, N * sizeof(float)), "same seed, different audio");
    TEST_ASSERT_MSG(memcmp(a, c, N * sizeof(float)), "seeds 42 and 43 gave the same audio");
    for (int i = 0; i < N; i++) TEST_ASSERT(isfinite(a[i]) && fabsf(a[i]) <= 1.0f);
    // block-wise rendering with events between blocks, as the plugin does
    cn_wn_synth_reset(s2, 42);
    int t = 0, blk = 1, ni = 0, held = -1;
    while (t < N) {
        if (held >= 0 && t >= notes[held].off) {
            cn_wn_synth_note_off(s2, notes[held].pitch);
            held = -1;
        }
        if (ni < 3 && t >= notes[ni].on) {
            cn_wn_synth_note_on(s2, notes[ni].pitch, notes[ni].velocity);
            held = ni++;
        }
        int end = t + blk;
        if (end > N) end = N;
        if (held >= 0 && notes[held].off < end) end = (int)notes[held].off;
        if (ni < 3 && notes[ni].on < end) end = (int)notes[ni].on;
        cn_wn_synth_render(s2, d + t, end - t);
        t = end;
        blk = blk % 97 + 13;
    }
    TEST_ASSERT_MSG(!memcmp(a, d, N * sizeof(float)), "block-wise rendering differs");
    float *whole = malloc(sizeof(float) * N * CN_WN_NFEAT), *part = malloc(sizeof(float) * 300 * CN_WN_NFEAT);
    cn_wn_features_from_notes(notes, 3, cfg.sample_rate, CN_WN_NOISE_SEED, N, whole);
    const int starts[] = {0, 99, 100, 1499, 1500, 2700, 3500};
    for (int i = 0; i < 7; i++) {
        cn_wn_features_range(notes, 3, cfg.sample_rate, CN_WN_NOISE_SEED, starts[i], 300, part);
        TEST_ASSERT_MSG(!memcmp(part, whole + starts[i] * CN_WN_NFEAT,
                                sizeof(float) * 300 * CN_WN_NFEAT), "features from t0=%d differ", starts[i]);
    }
    free(whole);
    free(part);
    printf("same seed -> bit-identical %d samples (whole and in blocks); other seed differs\n", N);
    cn_wn_synth_destroy(s1);
    cn_wn_synth_destroy(s2);
    free(a);
    free(b);
    free(c);
    free(d);
    cn_wn_destroy(m);
    return 0;
}
