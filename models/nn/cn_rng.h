// cn_rng: a small deterministic random number generator (PCG32, O'Neill 2014) for
// weight init, dropout, data sampling and generation. Same seed and stream -> same
// numbers on every platform; no global state, so each thread owns its generator.
#ifndef CN_RNG_H
#define CN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cn_rng {
    uint64_t state, inc; // inc must be odd; set by cn_rng_seed
} cn_rng;

// Seed a generator; different `stream` values give independent sequences for one seed.
void cn_rng_seed(cn_rng *r, uint64_t seed, uint64_t stream);
uint32_t cn_rng_u32(cn_rng *r);
float cn_rng_uniform(cn_rng *r);   // [0, 1), 24 random bits
double cn_rng_uniform_d(cn_rng *r); // [0, 1), 53 random bits
int cn_rng_int(cn_rng *r, int n);  // uniform in [0, n), n > 0, unbiased
float cn_rng_normal(cn_rng *r);    // standard normal (Box-Muller, no cached pair)
void cn_rng_fill_normal(cn_rng *r, float *x, size_t n, float mean, float std);
// A fresh seed from the system (for a run without --seed), < 2^63 so it can be printed
// and passed back as a --seed.
uint64_t cn_rng_fresh_seed(void);

#endif
