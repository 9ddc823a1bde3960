// cn_recorder: recording off the real-time path. The worker thread pushes each rendered
// block into the recorder's own SPSC ring buffer (never blocking, never allocating); a
// writer thread drains it into a sink (a file: it may stall on a slow disk without
// costing the worker anything). When the ring buffer is full the block's remainder is
// dropped and counted, so a long stall gives a counted, reported gap, never an xrun.
#ifndef CN_RECORDER_H
#define CN_RECORDER_H

#include <stdint.h>

#include "engine/cn_sink.h"

typedef struct cn_recorder cn_recorder;

// [main] Start the writer thread for `sink` (owned by the caller, not finished here) with
// room for `capacity` frames (rounded up to a power of two).
cn_status cn_recorder_create(cn_sink *sink, size_t capacity, cn_recorder **out);
// [worker] Queue n frames for the writer; what does not fit is dropped and counted.
void cn_recorder_push(cn_recorder *r, const float *buf, int n);
// [main] Write what is still queued, stop the writer, and return the first write error.
// *dropped (may be NULL) = frames that did not fit.
cn_status cn_recorder_finish(cn_recorder *r, int64_t *dropped);
void cn_recorder_destroy(cn_recorder *r); // NULL is a no-op; finishes first if needed

#endif
