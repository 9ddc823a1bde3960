// ringbuffer.c: the SPSC lock-free float ring buffer (see cn_ringbuffer.h for the
// threading contract). Positions are free-running size_t counters; unsigned wrap-around
// keeps `write - read` correct even when the counters overflow.
#include "engine/cn_ringbuffer.h"

#include <string.h>

cn_status cn_ringbuffer_init(cn_ringbuffer *rb, float *storage, size_t capacity) {
    cn_return_val_if_fail(rb != NULL, CN_ERR_ARG);
    cn_return_val_if_fail(storage != NULL, CN_ERR_ARG);
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return cn_fail(CN_ERR_ARG, "ring buffer capacity %zu is not a power of two >= 2", capacity);
    rb->data = storage;
    rb->capacity = capacity;
    rb->mask = capacity - 1;
    atomic_init(&rb->write_pos, 0);
    atomic_init(&rb->read_pos, 0);
    return CN_OK;
}

void cn_ringbuffer_reset(cn_ringbuffer *rb) {
    atomic_store_explicit(&rb->write_pos, 0, memory_order_relaxed);
    atomic_store_explicit(&rb->read_pos, 0, memory_order_relaxed);
}

// ---- producer side --------------------------------------------------------------------

size_t cn_ringbuffer_write_available(const cn_ringbuffer *rb) {
    size_t w = atomic_load_explicit(&rb->write_pos, memory_order_relaxed); // our own counter
    // acquire: the consumer finished reading the slots before it released them.
    size_t r = atomic_load_explicit(&rb->read_pos, memory_order_acquire);
    return rb->capacity - (w - r);
}

// The slots [pos, pos+n) as at most two regions of the storage.
static size_t split(const cn_ringbuffer *rb, size_t pos, size_t n, cn_rb_regions *r) {
    size_t i = pos & rb->mask;
    size_t first = rb->capacity - i;
    r->p1 = rb->data + i;
    if (n <= first) {
        r->n1 = n;
        r->p2 = NULL;
        r->n2 = 0;
    } else {
        r->n1 = first;
        r->p2 = rb->data;
        r->n2 = n - first;
    }
    return n;
}

size_t cn_ringbuffer_acquire_write(cn_ringbuffer *rb, size_t n, cn_rb_regions *r) {
    size_t avail = cn_ringbuffer_write_available(rb);
    if (n > avail) n = avail;
    return split(rb, atomic_load_explicit(&rb->write_pos, memory_order_relaxed), n, r);
}

void cn_ringbuffer_commit_write(cn_ringbuffer *rb, size_t n) {
    size_t w = atomic_load_explicit(&rb->write_pos, memory_order_relaxed);
    // release: the samples written into the slots become visible before the new position.
    atomic_store_explicit(&rb->write_pos, w + n, memory_order_release);
}

size_t cn_ringbuffer_write(cn_ringbuffer *rb, const float *src, size_t n) {
    cn_rb_regions r;
    n = cn_ringbuffer_acquire_write(rb, n, &r);
    memcpy(r.p1, src, r.n1 * sizeof *src);
    if (r.n2) memcpy(r.p2, src + r.n1, r.n2 * sizeof *src);
    cn_ringbuffer_commit_write(rb, n);
    return n;
}

// ---- consumer side --------------------------------------------------------------------

size_t cn_ringbuffer_read_available(const cn_ringbuffer *rb) {
    size_t r = atomic_load_explicit(&rb->read_pos, memory_order_relaxed); // our own counter
    // acquire: pairs with the producer's release in commit_write.
    size_t w = atomic_load_explicit(&rb->write_pos, memory_order_acquire);
    return w - r;
}

size_t cn_ringbuffer_acquire_read(cn_ringbuffer *rb, size_t n, cn_rb_regions *r) {
    size_t avail = cn_ringbuffer_read_available(rb);
    if (n > avail) n = avail;
    return split(rb, atomic_load_explicit(&rb->read_pos, memory_order_relaxed), n, r);
}

void cn_ringbuffer_commit_read(cn_ringbuffer *rb, size_t n) {
    size_t rp = atomic_load_explicit(&rb->read_pos, memory_order_relaxed);
    // release: our reads of the slots happen before the producer may overwrite them.
    atomic_store_explicit(&rb->read_pos, rp + n, memory_order_release);
}

size_t cn_ringbuffer_read(cn_ringbuffer *rb, float *dst, size_t n) {
    cn_rb_regions r;
    n = cn_ringbuffer_acquire_read(rb, n, &r);
    memcpy(dst, r.p1, r.n1 * sizeof *dst);
    if (r.n2) memcpy(dst + r.n1, r.p2, r.n2 * sizeof *dst);
    cn_ringbuffer_commit_read(rb, n);
    return n;
}
