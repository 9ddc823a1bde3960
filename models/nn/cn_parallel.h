// cn_parallel: the one threading pattern training uses: run the same function on
// `n` workers (worker 0 on the calling thread, the others on fresh pthreads joined
// before returning), then reduce per-worker buffers in a fixed order so results are
// bit-identical for a given seed and worker count. Thread creation costs tens of
// microseconds, negligible against a training step.
#ifndef CN_PARALLEL_H
#define CN_PARALLEL_H

#include <stddef.h>

#include "core/cn_status.h"

#define CN_PARALLEL_MAX 64

typedef void (*cn_parallel_fn)(void *arg, int worker, int nworkers);

// Call fn(arg, w, n) for w = 0..n-1 concurrently; returns when all are done.
// A worker whose thread cannot be started runs on the calling thread instead, so the
// work is always done; CN_ERR_ARG only for n outside 1..CN_PARALLEL_MAX.
cn_status cn_parallel_run(int n, cn_parallel_fn fn, void *arg);

// Zeroed memory for n items of `size` bytes starting on a cache line (free() it): items
// that threads write at once must not share a line (false sharing), so such structs are
// aligned (CN_CACHE_ALIGNED on their first member) and allocated here. NULL when out of memory.
#define CN_CACHE_LINE 64
#define CN_CACHE_ALIGNED _Alignas(CN_CACHE_LINE)
void *cn_calloc_lines(size_t n, size_t size);

// The cores this process may run on (at least 1): a default for thread counts.
int cn_parallel_cores(void);

// dst[i] = src[0][i] + src[1][i] + ... + src[nsrc-1][i], always in that order
// (dst may be src[0]).
void cn_parallel_sum(float *dst, float *const *src, int nsrc, size_t n);

#endif
