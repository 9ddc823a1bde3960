// recorder.c: recording through a writer thread (cn_recorder.h).
#include "engine/cn_recorder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/cn_ringbuffer.h"

struct cn_recorder {
    cn_sink *sink;
    int channels;           // the sink's samples per frame
    cn_ringbuffer rb;       // interleaved samples, whole frames
    float *storage;
    pthread_t thread;
    int running;
    atomic_int quit;        // main -> writer: drain and stop
    atomic_llong dropped;   // worker -> main
    cn_status status;       // writer's first error, read after join
    char error[512];
};

static void nap_ms(long ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

// Write everything queued now; 0 when there was nothing.
static size_t drain(cn_recorder *r) {
    cn_rb_regions reg;
    size_t n = cn_ringbuffer_acquire_read(&r->rb, cn_ringbuffer_read_available(&r->rb), &reg);
    if (!n) return 0;
    if (!r->status) { // after an error the data is only discarded, so the worker never waits
        // Whole frames only ever enter the buffer, and its capacity is a multiple of the
        // frame, so both regions hold whole frames.
        cn_status st = r->sink->write(r->sink, reg.p1, (int)(reg.n1 / (size_t)r->channels));
        if (!st && reg.n2) st = r->sink->write(r->sink, reg.p2, (int)(reg.n2 / (size_t)r->channels));
        if (st) {
            r->status = st;
            snprintf(r->error, sizeof r->error, "%s", cn_error_message());
        }
    }
    cn_ringbuffer_commit_read(&r->rb, n);
    return n;
}

static void *writer(void *arg) {
    cn_recorder *r = arg;
    while (!atomic_load_explicit(&r->quit, memory_order_acquire))
        if (!drain(r)) nap_ms(5);
    while (drain(r)) { // what the worker pushed before it stopped
    }
    return NULL;
}

cn_status cn_recorder_create(cn_sink *sink, size_t capacity, cn_recorder **out) {
    cn_return_val_if_fail(sink && capacity > 0 && out, CN_ERR_ARG);
    *out = NULL;
    const int ch = sink->channels == 2 ? 2 : 1;
    size_t cap = 2;
    while (cap < capacity * (size_t)ch) cap <<= 1;
    cn_recorder *r = calloc(1, sizeof *r);
    if (!r || !(r->storage = malloc(cap * sizeof *r->storage))) {
        free(r);
        return cn_fail(CN_ERR_NOMEM, "out of memory for the recording buffer (%zu samples)", cap);
    }
    r->sink = sink;
    r->channels = ch;
    atomic_init(&r->quit, 0);
    atomic_init(&r->dropped, 0);
    cn_status st = cn_ringbuffer_init(&r->rb, r->storage, cap);
    if (!st && pthread_create(&r->thread, NULL, writer, r))
        st = cn_fail(CN_ERR_STATE, "cannot start the recording thread");
    if (st) {
        free(r->storage);
        free(r);
        return st;
    }
    r->running = 1;
    *out = r;
    return CN_OK;
}

void cn_recorder_push(cn_recorder *r, const float *buf, int n) {
    const size_t ch = (size_t)r->channels;
    size_t room = cn_ringbuffer_write_available(&r->rb) / ch, w = (size_t)n < room ? (size_t)n : room;
    cn_ringbuffer_write(&r->rb, buf, w * ch);
    if (w < (size_t)n) atomic_fetch_add_explicit(&r->dropped, (long long)((size_t)n - w), memory_order_relaxed);
}

cn_status cn_recorder_finish(cn_recorder *r, int64_t *dropped) {
    if (r->running) {
        atomic_store_explicit(&r->quit, 1, memory_order_release);
        pthread_join(r->thread, NULL);
        r->running = 0;
    }
    if (dropped) *dropped = atomic_load(&r->dropped);
    return r->status ? cn_fail(r->status, "%s", r->error) : CN_OK;
}

void cn_recorder_destroy(cn_recorder *r) {
    if (!r) return;
    cn_recorder_finish(r, NULL);
    free(r->storage);
    free(r);
}
