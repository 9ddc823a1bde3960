// cn_mem: memory that is resident from the start. calloc'd pages are mapped on first
// write, so a large buffer filled bit by bit (a transformer's KV cache during endless
// playback) faults pages in, and grows the resident set, long after it was created: in
// the worker thread, during playback. These buffers are touched once when made instead.
#ifndef CN_MEM_H
#define CN_MEM_H

#include <stddef.h>

// calloc(n, size), every page written once (NULL when out of memory).
void *cn_calloc_resident(size_t n, size_t size);

#endif
