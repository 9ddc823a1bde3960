// cn_evqueue: a lock-free single-producer single-consumer queue of note events, the
// control path into the worker thread (a melody generator on another thread pushing
// notes ahead of the playhead). ONE PRODUCER, ONE CONSUMER. Same publication scheme as
// cn_ringbuffer (free-running positions, release on publish, acquire on read). push and
// pop never allocate, lock or block: a full queue refuses the event and the caller counts
// the drop.
#ifndef CN_EVQUEUE_H
#define CN_EVQUEUE_H

#include <stdatomic.h>
#include <stddef.h>

#include "engine/cn_plugin.h"

typedef struct cn_evqueue {
    cn_note_event *buf; // [capacity]
    size_t capacity, mask;
    _Alignas(64) atomic_size_t write_pos;
    _Alignas(64) atomic_size_t read_pos;
} cn_evqueue;

// [main] capacity: a power of two >= 2.
cn_status cn_evqueue_create(size_t capacity, cn_evqueue **out);
void cn_evqueue_destroy(cn_evqueue *q); // NULL is a no-op
// [producer] 1 if queued, 0 if the queue is full.
int cn_evqueue_push(cn_evqueue *q, const cn_note_event *ev);
// [consumer] 1 and *ev filled if an event was waiting, 0 if empty.
int cn_evqueue_pop(cn_evqueue *q, cn_note_event *ev);

#endif
