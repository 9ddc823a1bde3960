// cn_live: live playback of a graph. A worker thread runs the graph ahead of the audio
// clock and keeps the SPSC ring buffer filled to the target latency; the PortAudio
// callback (sink_portaudio.c) only reads it. Optionally every block is also recorded:
// the worker queues a copy, and a writer thread (cn_recorder) writes it to the sink, so a
// stalled disk never costs an xrun. [main] thread API.
#ifndef CN_LIVE_H
#define CN_LIVE_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/cn_graph.h"
#include "engine/cn_recorder.h"
#include "engine/cn_sink.h"

typedef struct cn_live_config {
    int device;          // PortAudio device index (cn_pa_device_find)
    double latency_ms;   // ring-buffer fill target, also the suggested device latency
    int block;           // frames per audio callback (0 = PortAudio's choice)
    int64_t frames;      // frames to play from the graph's position
    cn_sink *record;     // or NULL: also write what is generated to this sink
} cn_live_config;

typedef struct cn_live_result {
    int64_t frames_played;
    int64_t xruns;        // ring buffer found short: the engine fell behind
    int64_t device_xruns; // underflows reported by the device / audio server
    double latency_ms;   // ring-buffer target + the device's reported output latency
    int channels;
    double rate;
    int64_t record_dropped; // frames the recording lost because its writer fell behind
    double max_callback_gap_ms; // the largest interval between two audio callbacks
    int worker_realtime;  // the worker thread got real-time (SCHED_FIFO) scheduling
    // The worker's rendering, as a share of the audio it rendered: wall time, its own CPU
    // time, and the wall time of the busiest second. A load near 1 means the graph is too
    // slow for the machine; a wall load well above the CPU load, or a long wait, means the
    // machine did not run the worker (other real-time threads, a host taking the CPU).
    double worker_load, worker_cpu_load, worker_peak_load;
    double worker_max_wait_ms; // the longest wait for the CPU while rendering or after a nap
} cn_live_result;

#define CN_LIVE_RECORD_SECONDS 10 // the recording queue: a disk may stall this long

// Fills every field with defaults (latency 50 ms, block 256, default device index -1 =
// caller must set).
void cn_live_config_default(cn_live_config *cfg);

// Play `cfg->frames` frames of the graph (which must already be set up) on the device and
// return when they have played or `*stop` becomes non-zero (e.g. from a SIGINT handler).
// The graph's rate is the stream's rate. Requires cn_pa_init().
cn_status cn_live_play(cn_graph *g, const cn_live_config *cfg, atomic_int *stop,
                       cn_live_result *res);

#endif
