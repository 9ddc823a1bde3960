// parallel.c: fork-join over pthreads and the ordered reduction (cn_parallel.h).
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/nn/cn_parallel.h"

typedef struct job {
    cn_parallel_fn fn;
    void *arg;
    int worker, n;
} job;

static void *trampoline(void *p) {
    job *j = p;
    j->fn(j->arg, j->worker, j->n);
    return NULL;
}

cn_status cn_parallel_run(int n, cn_parallel_fn fn, void *arg) {
    cn_return_val_if_fail(n >= 1 && n <= CN_PARALLEL_MAX && fn, CN_ERR_ARG);
    pthread_t th[CN_PARALLEL_MAX];
    job jobs[CN_PARALLEL_MAX];
    int started[CN_PARALLEL_MAX] = {0};
    for (int w = 1; w < n; w++) {
        jobs[w] = (job){fn, arg, w, n};
        started[w] = pthread_create(&th[w], NULL, trampoline, &jobs[w]) == 0;
    }
    fn(arg, 0, n);
    for (int w = 1; w < n; w++) {
        if (started[w])
            pthread_join(th[w], NULL);
        else
            fn(arg, w, n);
    }
    return CN_OK;
}

void cn_parallel_sum(float *dst, float *const *src, int nsrc, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float s = src[0][i];
        for (int k = 1; k < nsrc; k++) s += src[k][i];
        dst[i] = s;
    }
}

int cn_parallel_cores(void) {
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > CN_PARALLEL_MAX ? CN_PARALLEL_MAX : (int)n;
}

void *cn_calloc_lines(size_t n, size_t size) {
    if (size && n > ((size_t)-1 - CN_CACHE_LINE) / size) return NULL;
    const size_t bytes = (n * size + CN_CACHE_LINE - 1) / CN_CACHE_LINE * CN_CACHE_LINE;
    void *p = aligned_alloc(CN_CACHE_LINE, bytes ? bytes : CN_CACHE_LINE);
    if (p) memset(p, 0, bytes);
    return p;
}
