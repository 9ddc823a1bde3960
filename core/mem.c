// mem.c: resident allocations (cn_mem.h).
#include <stdlib.h>

#include "core/cn_mem.h"

void *cn_calloc_resident(size_t n, size_t size) {
    unsigned char *p = calloc(n, size);
    if (!p) return NULL;
    // A volatile write per page: the compiler may not drop it as calloc's zeros.
    volatile unsigned char *v = p;
    for (size_t i = 0; i < n * size; i += 4096) v[i] = 0;
    return p;
}
