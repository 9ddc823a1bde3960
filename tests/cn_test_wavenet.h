// cn_test_wavenet.h: what the WaveNet tests share: loading a model file that must be
// refused, with the status wanted (0: any failure) and a piece of the error message; a
// model with random weights (biases too, so that every path carries signal).
#ifndef CN_TEST_WAVENET_H
#define CN_TEST_WAVENET_H

#include <string.h>

#include "cn_test.h"
#include "models/nn/cn_rng.h"
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
