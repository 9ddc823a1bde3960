// rng.c: PCG32 (XSH-RR variant) and the distributions built on it (cn_rng.h).
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "models/nn/cn_rng.h"

void cn_rng_seed(cn_rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    cn_rng_u32(r);
    r->state += seed;
    cn_rng_u32(r);
}

uint32_t cn_rng_u32(cn_rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float cn_rng_uniform(cn_rng *r) { return (float)(cn_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

double cn_rng_uniform_d(cn_rng *r) {
    uint64_t hi = cn_rng_u32(r) >> 5, lo = cn_rng_u32(r) >> 6; // 27 + 26 bits
    return ((double)hi * 67108864.0 + (double)lo) * (1.0 / 9007199254740992.0);
}

int cn_rng_int(cn_rng *r, int n) {
    // Rejection of the short last bucket keeps every value equally likely.
    uint32_t bound = (uint32_t)n, threshold = (-bound) % bound;
    for (;;) {
        uint32_t x = cn_rng_u32(r);
        if (x >= threshold) return (int)(x % bound);
    }
}

float cn_rng_normal(cn_rng *r) {
    double u1 = cn_rng_uniform_d(r), u2 = cn_rng_uniform_d(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void cn_rng_fill_normal(cn_rng *r, float *x, size_t n, float mean, float std) {
    for (size_t i = 0; i < n; i++) x[i] = mean + std * cn_rng_normal(r);
}

uint64_t cn_rng_fresh_seed(void) {
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&s, sizeof s, 1, f) != 1) s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    if (f) fclose(f);
    return s >> 1;
}
