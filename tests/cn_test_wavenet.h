// cn_test_wavenet.h: what the WaveNet tests share: loading a model file that must be
// refused, with the status wanted (0: any failure) and a piece of the error message; a
// model with random weights (biases too, so that every path carries signal).
#ifndef CN_TEST_WAVENET_H
#define CN_TEST_WAVENET_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "dsp/cn_yin.h"
#include "engine/cn_graph.h"
#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_data.h"
#include "models/wavenet/cn_wn_io.h"

static inline void cn_test_wn_refused(const char *p, cn_status want, const char *needle) {
    cn_wn_model *m = NULL;
    cn_status st = cn_wn_load(p, &m, NULL, NULL, NULL);
    const char *base = strrchr(p, '/');
    printf("  %s -> %s\n", base ? base + 1 : p, cn_error_message());
    TEST_ASSERT_MSG(st != CN_OK && m == NULL, "%s loaded", p);
    if (want) TEST_ASSERT_MSG(st == want, "status %d, wanted %d", st, want);
    TEST_ASSERT_MSG(strstr(cn_error_message(), needle), "message lacks '%s'", needle);
}

// Level (dB, mean removed) of x over [a, b) seconds at `rate`, every `stride`th value
// (a stereo buffer's left channel with 2).
static inline double cn_test_level_db(const float *x, int stride, double rate, double a, double b) {
    int64_t ia = (int64_t)(a * rate), ib = (int64_t)(b * rate);
    double mean = 0, s = 0;
    for (int64_t i = ia; i < ib; i++) mean += x[i * stride];
    mean /= (double)(ib - ia);
    for (int64_t i = ia; i < ib; i++) s += (x[i * stride] - mean) * (x[i * stride] - mean);
    return 10.0 * log10(s / (double)(ib - ia) + 1e-20);
}

// Median f0 (Hz, YIN, 10 ms frames; 0: no voiced frame) of x over [a, b) seconds at
// `rate`, every `stride`th value: a note's pitch, robust to vibrato and a few cents of
// detuning, which a magnitude read at the exact frequency is not.
static inline double cn_test_median_f0(const float *x, int stride, double rate, double a, double b) {
    const int64_t ia = (int64_t)(a * rate), n = (int64_t)(b * rate) - ia;
    float *mono = malloc((size_t)n * sizeof *mono), *f0 = NULL;
    TEST_ASSERT(mono);
    for (int64_t i = 0; i < n; i++) mono[i] = x[(ia + i) * stride];
    cn_yin_config c = cn_yin_config_default(rate);
    size_t nf = 0;
    TEST_OK(cn_yin_track(&c, mono, (size_t)n, &f0, &nf));
    size_t v = 0;
    for (size_t i = 0; i < nf; i++)
        if (f0[i] > 0) f0[v++] = f0[i];
    for (size_t i = 1; i < v; i++) // insertion sort: a few hundred frames
        for (size_t j = i; j > 0 && f0[j - 1] > f0[j]; j--) {
            const float t = f0[j];
            f0[j] = f0[j - 1], f0[j - 1] = t;
        }
    const double m = v ? f0[v / 2] : 0.0;
    free(f0);
    free(mono);
    return m;
}

// Level (dB, mean removed) of clip c's samples [a, b).
static inline double cn_test_clip_db(const cn_wn_clip *c, int64_t a, int64_t b) {
    double mean = 0.0, s = 0.0;
    for (int64_t t = a; t < b; t++) mean += cn_wn_clip_value(c, t);
    mean /= (double)(b - a);
    for (int64_t t = a; t < b; t++) s += (cn_wn_clip_value(c, t) - mean) * (cn_wn_clip_value(c, t) - mean);
    return 10.0 * log10(s / (double)(b - a) + 1e-20);
}

// The events played by the wavenet plugin (create() args) in a stereo graph at `rate`, in
// blocks of `block` frames (0: pseudo-random sizes up to 512, as live): n frames,
// interleaved, malloc'd. *stolen (may be NULL): the voices stolen.
static inline float *cn_test_wn_play(const char *args, double rate, const cn_note_event *ev, int n_ev, int64_t n,
                                     int block, int64_t *stolen) {
    cn_graph *g;
    TEST_OK(cn_graph_create(rate, 512, 2, &g));
    TEST_OK(cn_graph_set_generator(g, &cn_wavenet_plugin, args));
    TEST_OK(cn_graph_set_events(g, ev, n_ev));
    float *x = malloc((size_t)n * 2 * sizeof *x);
    TEST_ASSERT(x);
    uint32_t r = 12345u;
    for (int64_t f = 0; f < n;) {
        r = r * 1664525u + 1013904223u;
        int b = block ? block : 1 + (int)((r >> 8) % 512u);
        if (b > n - f) b = (int)(n - f);
        cn_graph_process(g, x + 2 * f, b);
        f += b;
    }
    if (stolen) *stolen = cn_graph_voices_stolen(g);
    cn_graph_destroy(g);
    return x;
}

// m saved to a new temporary file (path: a mkstemp template, "/tmp/NAME_XXXXXX", which
// names the file after) and loaded back.
static inline cn_wn_model *cn_test_wn_save_load(const cn_wn_model *m, char *path) {
    int fd = mkstemp(path);
    TEST_ASSERT(fd >= 0);
    close(fd);
    TEST_OK(cn_wn_save(m, path, NULL, NULL, 0, "test"));
    cn_wn_model *back = NULL;
    TEST_OK(cn_wn_load(path, &back, NULL, NULL, NULL));
    return back;
}

// m's weights initialised from seed, then every parameter moved by 0.05 x a normal draw.
static inline void cn_test_wn_randomize(cn_wn_model *m, uint64_t seed) {
    cn_wn_init_weights(m, seed);
    cn_rng r;
    cn_rng_seed(&r, seed, 5);
    for (size_t i = 0; i < m->n_params; i++) m->mem[i] += 0.05f * cn_rng_normal(&r);
}

// The default configuration with two instruments ("b" the second), randomised from seed.
static inline cn_wn_model *cn_test_wn_two_instruments(uint64_t seed) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.n_instruments = 2;
    strcpy(cfg.instruments[1], "b");
    cn_wn_model *m = NULL;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_test_wn_randomize(m, seed);
    return m;
}

#endif
