// blas_core.c: the best OpenBLAS core for this CPU (cn_blas_core.h).
#include "models/nn/cn_blas_core.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CN_X86 1
#endif

char *openblas_get_config(void);

// OpenBLAS 0.3.21's x86-64 cores, weakest first, with the features each needs.
static const struct {
    const char *name;
    unsigned needs;
} cores[] = {
    {"Prescott", CN_CPU_SSE3},
    {"Core2", CN_CPU_SSE3 | CN_CPU_SSSE3},
    {"Nehalem", CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42},
    {"Sandybridge", CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42 | CN_CPU_AVX},
    {"Haswell", CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42 | CN_CPU_AVX | CN_CPU_AVX2_FMA},
    {"SkylakeX", CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42 | CN_CPU_AVX | CN_CPU_AVX2_FMA | CN_CPU_AVX512},
    {"Cooperlake", CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42 | CN_CPU_AVX | CN_CPU_AVX2_FMA | CN_CPU_AVX512 |
                       CN_CPU_AVX512_BF16},
};
enum { N_CORES = sizeof cores / sizeof cores[0] };

// Other names OpenBLAS reports, ranked with the core whose kernels they use.
static const struct {
    const char *name, *like;
} aliases[] = {{"Penryn", "Core2"},      {"Dunnington", "Core2"}, {"Atom", "Core2"},
               {"Barcelona", "Core2"},   {"Opteron", "Prescott"}, {"Bulldozer", "Sandybridge"},
               {"Piledriver", "Sandybridge"}, {"Steamroller", "Sandybridge"},
               {"Excavator", "Haswell"}, {"Zen", "Haswell"}};

unsigned cn_cpu_features(void) {
    unsigned f = 0;
#ifdef CN_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (c & (1u << 0)) f |= CN_CPU_SSE3;
    if (c & (1u << 9)) f |= CN_CPU_SSSE3;
    if (c & (1u << 20)) f |= CN_CPU_SSE42;
    int fma = (c >> 12) & 1, avx = (c >> 28) & 1, osxsave = (c >> 27) & 1;
    unsigned xcr0 = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = lo;
    }
    int os_avx = (xcr0 & 0x6) == 0x6, os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    if (avx && os_avx) f |= CN_CPU_AVX;
    if (__get_cpuid_max(0, NULL) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if ((f & CN_CPU_AVX) && fma && (b & (1u << 5))) f |= CN_CPU_AVX2_FMA;
        const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);
        if ((f & CN_CPU_AVX2_FMA) && os_avx512 && (b & avx512) == avx512) f |= CN_CPU_AVX512;
        if (a >= 1 && (f & CN_CPU_AVX512)) {
            __cpuid_count(7, 1, a, b, c, d);
            if (a & (1u << 5)) f |= CN_CPU_AVX512_BF16;
        }
    }
#endif
    return f;
}

const char *cn_blas_core_for(unsigned features) {
    const char *best = NULL;
    for (int i = 0; i < N_CORES; i++)
        if ((features & cores[i].needs) == cores[i].needs) best = cores[i].name;
    return best;
}

const char *cn_blas_core_best(void) { return cn_blas_core_for(cn_cpu_features()); }

int cn_blas_core_rank(const char *name) {
    if (!name) return -1;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcasecmp(name, aliases[i].name)) name = aliases[i].like;
    for (int i = 0; i < N_CORES; i++)
        if (!strcasecmp(name, cores[i].name)) return i;
    return -1;
}

const char *cn_blas_core_upgrade(const char *running, const char *best) {
    int r = cn_blas_core_rank(running), b = cn_blas_core_rank(best);
    return r >= 0 && b > r ? best : NULL;
}

void cn_blas_version(char *buf, int size) {
    const char *cfg = openblas_get_config();
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": the first two words
    const char *sp = cfg ? strchr(cfg, ' ') : NULL;
    int len = sp ? (int)(strcspn(sp + 1, " ") + (size_t)(sp - cfg) + 1) : cfg ? (int)strlen(cfg) : 0;
    snprintf(buf, (size_t)size, "%.*s", len, cfg ? cfg : "");
}
