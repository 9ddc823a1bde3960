// live.c: the worker thread and the start/stop sequence of live playback (cn_live.h).
// Worker: while frames remain, top the ring buffer up to the target fill in blocks of at
// most max_frames, rendering in place into the acquired regions; when it is full, sleep
// a fraction of a block. Main: prefill, start the stream, wait, stop, join.
#include "engine/cn_live.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

// How the worker spent its time (cn_live_result's worker_* fields): rendering (wall and
// CPU), the busiest second of audio, and the longest waits for the CPU, so that a report
// of xruns shows whether the renders were too slow or the machine did not run them.
typedef struct {
    double render_wall, render_cpu; // seconds spent in produce()
    double window_wall, window_audio, peak; // the current second of audio; busiest so far
    double max_wait;                // the longest wall - CPU of one produce() or nap overrun
} worker_timing;

typedef struct {
    cn_graph *g;
    cn_ringbuffer rb;          // interleaved frames of `channels` samples
    size_t channels;
    cn_live_stats stats;
    size_t target;             // fill target in frames
    int64_t frames;            // to produce in total
    cn_recorder *record;       // or NULL: the writer thread's queue
    atomic_int quit;           // main -> worker
    atomic_llong produced;     // worker -> main (progress, prefill)
    worker_timing timing;      // worker only; read by main after the join
} live_state;

void cn_live_config_default(cn_live_config *cfg) {
    cfg->device = -1;
    cfg->latency_ms = 50.0;
    cfg->block = 256;
    cfg->frames = 0;
    cfg->record = NULL;
}

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

// Render n frames in place into the producer regions of the ring buffer; a recording gets
// a copy through its own queue (the file is written on the recorder's thread).
static void produce(live_state *ls, size_t n) {
    const size_t ch = ls->channels;
    cn_rb_regions r; // whole frames: the capacity is a multiple of the frame
    n = cn_ringbuffer_acquire_write(&ls->rb, n * ch, &r) / ch;
    const int n1 = (int)(r.n1 / ch), n2 = (int)(r.n2 / ch);
    cn_graph_process(ls->g, r.p1, n1);
    if (n2) cn_graph_process(ls->g, r.p2, n2);
    if (ls->record) {
        cn_recorder_push(ls->record, r.p1, n1);
        if (n2) cn_recorder_push(ls->record, r.p2, n2);
    }
    cn_ringbuffer_commit_write(&ls->rb, n * ch);
    atomic_fetch_add_explicit(&ls->produced, (long long)n, memory_order_release);
}

// Seconds on `clock`: CLOCK_MONOTONIC is a vDSO read; the thread's CPU clock is a system
// call that takes no lock, read twice per block.
static double clock_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void note_render(worker_timing *t, double wall, double cpu, double audio) {
    t->render_wall += wall;
    t->render_cpu += cpu;
    if (wall - cpu > t->max_wait) t->max_wait = wall - cpu;
    t->window_wall += wall;
    t->window_audio += audio;
    if (t->window_audio >= 1.0) {
        if (t->window_wall / t->window_audio > t->peak) t->peak = t->window_wall / t->window_audio;
        t->window_wall = t->window_audio = 0.0;
    }
}

static void *worker(void *arg) {
    live_state *ls = arg;
    const int max = cn_graph_max_frames(ls->g);
    const double rate = cn_graph_rate(ls->g), nap = 0.25 * max / rate;
    int64_t left = ls->frames;
    while (left > 0 && !atomic_load_explicit(&ls->quit, memory_order_relaxed)) {
        size_t fill = cn_ringbuffer_read_available(&ls->rb) / ls->channels;
        if (fill >= ls->target) {
            const double t0 = clock_s(CLOCK_MONOTONIC);
            sleep_s(nap);
            const double over = clock_s(CLOCK_MONOTONIC) - t0 - nap;
            if (over > ls->timing.max_wait) ls->timing.max_wait = over;
            continue;
        }
        size_t n = ls->target - fill;
        if (n > (size_t)max) n = (size_t)max;
        if ((int64_t)n > left) n = (size_t)left;
        // Until the device plays its first frame nothing drains the queue (the prefill).
        const int draining = atomic_load_explicit(&ls->stats.frames_played, memory_order_relaxed) > 0;
        cn_graph_set_queued(ls->g, draining ? (double)fill / rate : CN_GRAPH_QUEUED_IDLE);
        const double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        produce(ls, n);
        const double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID), w1 = clock_s(CLOCK_MONOTONIC);
        note_render(&ls->timing, w1 - w0, c1 - c0, (double)n / rate);
        left -= (int64_t)n;
    }
    // From now on a short ring buffer is the end of the stream, not an underrun.
    atomic_store_explicit(&ls->stats.drained, 1, memory_order_release);
    return NULL;
}

// The worker renders just ahead of the audio callback, so it must not wait behind other
// work on a busy machine: it asks for real-time (SCHED_FIFO) scheduling below the audio
// server's (JACK's clients run at 10 by default), and runs as an ordinary thread when the
// system does not allow it (no CAP_SYS_NICE or RLIMIT_RTPRIO). *realtime says which.
#define CN_LIVE_WORKER_PRIORITY 5
static int start_worker(pthread_t *th, live_state *ls, int *realtime) {
    pthread_attr_t attr;
    struct sched_param sp = {.sched_priority = CN_LIVE_WORKER_PRIORITY};
    *realtime = 0;
    if (!pthread_attr_init(&attr)) {
        int ok = !pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) &&
                 !pthread_attr_setschedpolicy(&attr, SCHED_FIFO) && !pthread_attr_setschedparam(&attr, &sp) &&
                 !pthread_create(th, &attr, worker, ls);
        pthread_attr_destroy(&attr);
        if (ok) {
            *realtime = 1;
            return 0;
        }
    }
    return pthread_create(th, NULL, worker, ls);
}

static size_t pow2_at_least(size_t n) {
    size_t c = 2;
    while (c < n) c <<= 1;
    return c;
}

cn_status cn_live_play(cn_graph *g, const cn_live_config *cfg, atomic_int *stop,
                       cn_live_result *res) {
    cn_return_val_if_fail(g && cfg && res && cfg->frames >= 0, CN_ERR_ARG);
    static atomic_int never;
    if (!stop) stop = &never;
    if (!(cfg->latency_ms >= 1 && cfg->latency_ms <= 5000))
        return cn_fail(CN_ERR_RANGE, "latency %g ms out of range (1..5000)", cfg->latency_ms);
    const double rate = cn_graph_rate(g);
    live_state *ls = calloc(1, sizeof *ls);
    if (!ls) return cn_fail(CN_ERR_NOMEM, "out of memory");
    ls->g = g;
    ls->channels = (size_t)cn_graph_channels(g);
    ls->target = (size_t)(cfg->latency_ms * rate / 1000.0 + 0.5);
    if (ls->target < (size_t)cn_graph_max_frames(g)) ls->target = (size_t)cn_graph_max_frames(g);
    ls->frames = cfg->frames;
    size_t cap = pow2_at_least((ls->target + (size_t)cn_graph_max_frames(g)) * ls->channels);
    float *storage = calloc(cap, sizeof *storage);
    cn_status st = storage ? cn_ringbuffer_init(&ls->rb, storage, cap)
                           : cn_fail(CN_ERR_NOMEM, "out of memory for the ring buffer");
    if (!st && cfg->record && cfg->record->channels != (int)ls->channels)
        st = cn_fail(CN_ERR_ARG, "the recording has %d channels, the graph %d", cfg->record->channels, (int)ls->channels);
    if (!st && cfg->record) st = cn_recorder_create(cfg->record, (size_t)(CN_LIVE_RECORD_SECONDS * rate), &ls->record);
    cn_pa_sink *pa = NULL;
    pthread_t th;
    int started = 0, running = 0;
    if (!st) {
        cn_pa_config pc = {cfg->device, rate, cfg->latency_ms / 1000.0, cfg->block, (int)ls->channels};
        st = cn_pa_sink_open(&pc, &ls->rb, &ls->stats, &pa);
    }
    if (!st && start_worker(&th, ls, &res->worker_realtime))
        st = cn_fail(CN_ERR_STATE, "cannot start the worker thread");
    else if (!st)
        started = 1;
    // Prefill to the target before the clock starts, so the first callbacks find data.
    while (!st && !atomic_load_explicit(stop, memory_order_acquire) &&
           !atomic_load_explicit(&ls->stats.drained, memory_order_acquire) &&
           cn_ringbuffer_read_available(&ls->rb) / ls->channels < ls->target)
        sleep_s(0.001);
    if (!st && !(st = cn_pa_sink_start(pa))) running = 1;
    // Wait for the last frame to reach the device (or for a stop request).
    while (!st && !atomic_load_explicit(stop, memory_order_acquire) &&
           atomic_load_explicit(&ls->stats.frames_played, memory_order_relaxed) <
                                ls->frames)
        sleep_s(0.01);
    atomic_store(&ls->quit, 1);
    if (started) pthread_join(th, NULL);
    if (running) {
        cn_status stop_st = cn_pa_sink_stop(pa);
        if (!st) st = stop_st;
    }
    res->record_dropped = 0;
    if (ls->record) { // keep playing through a recording error; report it at the end
        cn_status rec_st = cn_recorder_finish(ls->record, &res->record_dropped);
        if (!st) st = rec_st;
        cn_recorder_destroy(ls->record);
    }
    res->frames_played = atomic_load(&ls->stats.frames_played);
    res->xruns = atomic_load(&ls->stats.xruns);
    res->device_xruns = atomic_load(&ls->stats.device_xruns);
    res->max_callback_gap_ms = (double)atomic_load(&ls->stats.max_gap_ns) * 1e-6;
    const double produced = (double)atomic_load(&ls->produced) / rate;
    res->worker_load = produced > 0 ? ls->timing.render_wall / produced : 0.0;
    res->worker_cpu_load = produced > 0 ? ls->timing.render_cpu / produced : 0.0;
    res->worker_peak_load = ls->timing.peak;
    res->worker_max_wait_ms = 1000.0 * ls->timing.max_wait;
    res->rate = rate;
    res->channels = pa ? cn_pa_sink_channels(pa) : 0;
    res->latency_ms = 1000.0 * ((double)ls->target / rate + (pa ? cn_pa_sink_device_latency(pa) : 0));
    cn_pa_sink_close(pa);
    free(storage);
    free(ls);
    return st;
}
