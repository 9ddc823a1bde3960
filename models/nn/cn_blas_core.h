// cn_blas_core.h: which OpenBLAS kernel set ("core") this CPU should run.
// Debian 12's OpenBLAS 0.3.21 does not recognise newer CPUs and may fall back to a weaker
// core (e.g. SSE3 "Prescott" on AVX-512 Xeons, 5-7x slower sgemm). These functions name
// the best core OpenBLAS has for the CPU's features (cpuid, with the OS's register-state
// support from xgetbv), so the CLI can restart itself once with OPENBLAS_CORETYPE set.
#ifndef CN_BLAS_CORE_H
#define CN_BLAS_CORE_H

// The best OpenBLAS 0.3.21 core for this CPU ("Cooperlake", "SkylakeX", "Haswell",
// "Sandybridge", "Nehalem", "Core2", "Prescott"); NULL on a CPU below SSE3 or not x86-64.
const char *cn_blas_core_best(void);

// The best core for a feature set (bits of CN_CPU_*); the testable part of the above.
enum {
    CN_CPU_SSE3 = 1 << 0, CN_CPU_SSSE3 = 1 << 1, CN_CPU_SSE42 = 1 << 2, CN_CPU_AVX = 1 << 3,
    CN_CPU_AVX2_FMA = 1 << 4, CN_CPU_AVX512 = 1 << 5, // F, CD, BW, DQ and VL, with OS support
    CN_CPU_AVX512_BF16 = 1 << 6,
};
unsigned cn_cpu_features(void);
const char *cn_blas_core_for(unsigned features);

// Rank of a core name (case-insensitive; higher = wider kernels); -1 when unknown.
int cn_blas_core_rank(const char *name);

// The core to switch to: `best` when the running core is known and ranks below it, else
// NULL (already the best, or a core this table does not know, e.g. a newer OpenBLAS's).
const char *cn_blas_core_upgrade(const char *running, const char *best);

// "OpenBLAS 0.3.21" (from openblas_get_config), into buf.
void cn_blas_version(char *buf, int size);

#endif
