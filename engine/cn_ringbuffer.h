// cn_ringbuffer: a lock-free single-producer single-consumer ring buffer of float samples.
//
// ONE PRODUCER, ONE CONSUMER. Exactly one thread may call the write-side functions
// (write, acquire_write, commit_write, write_available) and exactly one other thread the
// read-side functions (read, acquire_read, commit_read, read_available). Anything else
// (two writers, a reader that also writes) is a data race.
//
// The capacity is a power of two and the storage belongs to the caller (allocate it in
// prepare/setup, never in the audio thread). The read and write positions are free-running
// counters, masked on access, so all `capacity` slots are usable. The producer publishes
// with memory_order_release after filling the slots; the consumer reads the write position
// with memory_order_acquire before touching them (and the mirror image for freeing slots).
// No function allocates, locks, blocks or prints: safe in a real-time audio callback.
#ifndef CN_RINGBUFFER_H
#define CN_RINGBUFFER_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/cn_status.h"

typedef struct cn_ringbuffer {
    float *data;     // [capacity], caller-owned
    size_t capacity; // power of two
    size_t mask;     // capacity - 1
    // The two positions live on separate cache lines so producer and consumer do not
    // invalidate each other's line on every update (false sharing).
    _Alignas(64) atomic_size_t write_pos; // advanced only by the producer
    _Alignas(64) atomic_size_t read_pos;  // advanced only by the consumer
} cn_ringbuffer;

// Two contiguous regions covering `n` slots: the first up to the end of the storage, the
// second (possibly empty) from its start.
typedef struct cn_rb_regions {
    float *p1;
    size_t n1;
    float *p2;
    size_t n2;
} cn_rb_regions;

// [setup] capacity must be a power of two >= 2; storage must hold `capacity` floats.
cn_status cn_ringbuffer_init(cn_ringbuffer *rb, float *storage, size_t capacity);
// [setup] Empty the buffer. Only while neither side is running.
void cn_ringbuffer_reset(cn_ringbuffer *rb);

// [producer] Free slots / [consumer] filled slots. Each side's view is conservative:
// the other side may only make it larger meanwhile.
size_t cn_ringbuffer_write_available(const cn_ringbuffer *rb);
size_t cn_ringbuffer_read_available(const cn_ringbuffer *rb);

// [producer] Copy up to n samples in; returns how many were written (min(n, free)).
size_t cn_ringbuffer_write(cn_ringbuffer *rb, const float *src, size_t n);
// [consumer] Copy up to n samples out; returns how many were read (min(n, filled)).
size_t cn_ringbuffer_read(cn_ringbuffer *rb, float *dst, size_t n);

// [producer] In-place writing: get up to n free slots as two regions, fill them, then
// commit how many were filled (<= the acquired total). Returns the acquired total.
size_t cn_ringbuffer_acquire_write(cn_ringbuffer *rb, size_t n, cn_rb_regions *r);
void cn_ringbuffer_commit_write(cn_ringbuffer *rb, size_t n);
// [consumer] In-place reading: the mirror image.
size_t cn_ringbuffer_acquire_read(cn_ringbuffer *rb, size_t n, cn_rb_regions *r);
void cn_ringbuffer_commit_read(cn_ringbuffer *rb, size_t n);

#endif
