// evqueue.c: SPSC note-event queue (cn_evqueue.h).
#include "engine/cn_evqueue.h"

#include <stdlib.h>

cn_status cn_evqueue_create(size_t capacity, cn_evqueue **out) {
    cn_return_val_if_fail(out != NULL, CN_ERR_ARG);
    if (capacity < 2 || (capacity & (capacity - 1)))
        return cn_fail(CN_ERR_ARG, "event queue capacity %zu is not a power of two >= 2", capacity);
    cn_evqueue *q = calloc(1, sizeof *q);
    if (!q || !(q->buf = calloc(capacity, sizeof *q->buf))) {
        free(q);
        return cn_fail(CN_ERR_NOMEM, "out of memory for an event queue of %zu", capacity);
    }
    q->capacity = capacity;
    q->mask = capacity - 1;
    atomic_init(&q->write_pos, 0);
    atomic_init(&q->read_pos, 0);
    *out = q;
    return CN_OK;
}

void cn_evqueue_destroy(cn_evqueue *q) {
    if (!q) return;
    free(q->buf);
    free(q);
}

int cn_evqueue_push(cn_evqueue *q, const cn_note_event *ev) {
    size_t w = atomic_load_explicit(&q->write_pos, memory_order_relaxed);
    size_t r = atomic_load_explicit(&q->read_pos, memory_order_acquire); // slot was read
    if (w - r == q->capacity) return 0;
    q->buf[w & q->mask] = *ev;
    atomic_store_explicit(&q->write_pos, w + 1, memory_order_release); // publish the slot
    return 1;
}

int cn_evqueue_pop(cn_evqueue *q, cn_note_event *ev) {
    size_t r = atomic_load_explicit(&q->read_pos, memory_order_relaxed);
    size_t w = atomic_load_explicit(&q->write_pos, memory_order_acquire); // slot is written
    if (w == r) return 0;
    *ev = q->buf[r & q->mask];
    atomic_store_explicit(&q->read_pos, r + 1, memory_order_release); // slot may be reused
    return 1;
}
