// LABELS: unit;tsan
// test_recorder: recording off the real-time path (engine/cn_recorder.h). A producer pushes
// 48 kHz audio in 256-frame blocks at real-time pace into a recorder whose sink stalls
// 200 ms on every 40th write (a slow disk): every push returns within a millisecond (the
// worker never waits: no xrun), and the recording is complete and exact. With a queue too
// small for the stall, the frames that did not fit are counted, and the recording is
// exactly the pushed audio less those frames.
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cn_clock.h"
#include "engine/cn_recorder.h"
#include "cn_test.h"

#define RATE 48000
#define BLOCK 256
#define BLOCKS 600 // 3.2 s

typedef struct {
    cn_sink base;
    float *buf;
    int writes;
} stall_sink;

static cn_status stall_write(cn_sink *s, const float *b, int n) {
    stall_sink *k = (stall_sink *)s;
    if (++k->writes % 40 == 0) {
        struct timespec ts = {0, 200 * 1000000L}; // the disk stalls 200 ms
        nanosleep(&ts, NULL);
    }
    memcpy(k->buf + s->frames, b, (size_t)n * sizeof *b);
    s->frames += n;
    return CN_OK;
}
static cn_status stall_finish(cn_sink *s) { (void)s; return CN_OK; }
static void stall_destroy(cn_sink *s) { (void)s; }

static void sleep_until(double t) {
    double d = t - cn_clock_now();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

// Push BLOCKS blocks at real-time pace; returns the longest push in seconds.
static double run(size_t capacity, float *signal, stall_sink *sink, int64_t *dropped) {
    cn_recorder *r;
    TEST_OK(cn_recorder_create(&sink->base, capacity, &r));
    double t0 = cn_clock_now(), worst = 0;
    for (int b = 0; b < BLOCKS; b++) {
        sleep_until(t0 + (double)b * BLOCK / RATE);
        double t = cn_clock_now();
        cn_recorder_push(r, signal + (size_t)b * BLOCK, BLOCK);
        t = cn_clock_now() - t;
        if (t > worst) worst = t;
    }
    TEST_OK(cn_recorder_finish(r, dropped));
    cn_recorder_destroy(r);
    return worst;
}

int main(void) {
    const size_t n = (size_t)BLOCKS * BLOCK;
    float *signal = malloc(n * sizeof *signal), *rec = malloc(n * sizeof *rec);
    TEST_ASSERT(signal && rec);
    for (size_t i = 0; i < n; i++) signal[i] = (float)(i % 1000) / 1000.0f;

    stall_sink s = {{.write = stall_write, .finish = stall_finish, .destroy = stall_destroy, .channels = 1}, rec, 0};
    int64_t dropped;
    double worst = run(RATE, signal, &s, &dropped); // 1 s of queue for 0.2 s stalls
    printf("1 s queue: longest push %.3f ms, %lld frames dropped, %lld recorded of %zu\n", worst * 1e3,
           (long long)dropped, (long long)s.base.frames, n);
    TEST_ASSERT(dropped == 0 && s.base.frames == (int64_t)n && !memcmp(rec, signal, n * sizeof *rec));
    // far below the 200 ms stall (a loaded machine may preempt a push for a few ms)
    TEST_ASSERT_MSG(worst < 0.02, "a push took %.3f ms: the worker waited", worst * 1e3);

    stall_sink t = {{.write = stall_write, .finish = stall_finish, .destroy = stall_destroy, .channels = 1}, rec, 0};
    worst = run(4096, signal, &t, &dropped); // 85 ms of queue: the stalls overflow it
    printf("85 ms queue: longest push %.3f ms, %lld frames dropped, %lld recorded\n", worst * 1e3,
           (long long)dropped, (long long)t.base.frames);
    TEST_ASSERT(dropped > 0 && t.base.frames + dropped == (int64_t)n);
    TEST_ASSERT_MSG(worst < 0.02, "a push took %.3f ms with a full queue", worst * 1e3);
    free(signal);
    free(rec);
    printf("test_recorder: ok\n");
    return 0;
}
