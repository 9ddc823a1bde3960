// cn_sink: where rendered audio goes. Two shapes:
//  - push sinks (libsndfile file, null) take blocks from the render loop or the worker
//    thread through write(); a file sink writes to a temporary name and only finish()
//    renames it into place, so destroying an unfinished sink leaves no output file;
//  - the PortAudio sink pulls from a ring buffer inside the audio callback (cn_pa_*).
// Audio is float frames of `channels` samples (1 or 2, interleaved); the PortAudio sink
// maps them to the device's channels.
#ifndef CN_SINK_H
#define CN_SINK_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/cn_ringbuffer.h"
#include "core/cn_status.h"

// ---- push sinks ------------------------------------------------------------------------

typedef struct cn_sink cn_sink;
struct cn_sink {
    // Write `frames` frames (frames * channels floats). Errors (disk full...) via cn_fail.
    cn_status (*write)(cn_sink *s, const float *buf, int frames);
    // Flush and publish (file sink: close and rename over the final name).
    cn_status (*finish)(cn_sink *s);
    // Free; an unfinished file sink removes its temporary file. NULL is a no-op.
    void (*destroy)(cn_sink *s);
    int channels;    // samples per frame: 1 or 2
    int64_t frames;  // frames written so far
    int64_t clipped; // of those, samples beyond full scale [-1, 1] (file sink: clipped there)
};

static inline void cn_sink_destroy(cn_sink *s) {
    if (s) s->destroy(s);
}

// Counts frames of `channels` samples and drops them (benchmarks).
cn_status cn_sink_null_create(int channels, cn_sink **out);

typedef enum cn_file_format {
    CN_FILE_AUTO = 0, // from the file extension: .wav -> wav16, .flac -> flac
    CN_FILE_WAV16,
    CN_FILE_WAV24,
    CN_FILE_WAV_FLOAT,
    CN_FILE_FLAC, // 24-bit FLAC
} cn_file_format;

// "wav16" | "wav24" | "float" | "flac" -> format; CN_ERR_ARG otherwise.
cn_status cn_file_format_parse(const char *name, cn_file_format *out);
// File of `channels` (1 or 2) at `rate` written through libsndfile to a temporary name
// (cn_atomic_file.h), renamed on finish().
cn_status cn_sink_sndfile_create(const char *path, int rate, int channels, cn_file_format fmt,
                                 cn_sink **out);

// ---- PortAudio --------------------------------------------------------------------------

typedef struct cn_pa_device_info {
    int index;
    const char *name, *host_api;
    int max_output_channels;
    double default_rate;
    double default_low_latency_s;
    int is_default;
} cn_pa_device_info;

// Initialise PortAudio (reference counted with cn_pa_terminate).
cn_status cn_pa_init(void);
void cn_pa_terminate(void);
// Number of devices / one device's description (valid until cn_pa_terminate).
int cn_pa_device_count(void);
cn_status cn_pa_device_get(int index, cn_pa_device_info *out);
// Output device from a spec: NULL/"" = default output, a decimal index, or a
// case-insensitive substring of "host api: name" (first output device that matches).
cn_status cn_pa_device_find(const char *spec, int *index);

// Counters shared between the audio callback (writer) and the main thread (reader).
typedef struct cn_live_stats {
    atomic_llong frames_played; // real samples delivered to the device
    atomic_llong xruns;         // callbacks that found the ring buffer short (engine late)
    atomic_llong device_xruns;  // callbacks flagged paOutputUnderflow: the device or audio
                                // server missed a deadline (e.g. a loaded machine)
    atomic_int drained;         // set by the producer: no more data will come, a short
                                // ring buffer is the end of the stream, not an xrun
    atomic_llong last_callback_ns, max_gap_ns; // callback clock: the largest interval
                                               // between two callbacks (the server's jitter)
} cn_live_stats;

typedef struct cn_pa_config {
    int device;        // PortAudio device index
    double rate;       // sample rate
    double latency_s;  // suggested device latency
    int block;         // frames per callback (0 = let PortAudio choose)
    int channels;      // samples per frame in the ring buffer (1 or 2)
} cn_pa_config;

typedef struct cn_pa_sink cn_pa_sink;
// Open an output stream whose callback reads `rb` (the consumer side: interleaved frames
// of cfg->channels) and updates `stats`. Stereo content on a mono device is mixed down,
// mono content on a stereo device plays on both sides.
cn_status cn_pa_sink_open(const cn_pa_config *cfg, cn_ringbuffer *rb, cn_live_stats *stats,
                          cn_pa_sink **out);
cn_status cn_pa_sink_start(cn_pa_sink *s);
// Stop after the buffers already queued have played (Pa_StopStream).
cn_status cn_pa_sink_stop(cn_pa_sink *s);
// Output latency the device reports for the open stream, seconds.
double cn_pa_sink_device_latency(const cn_pa_sink *s);
int cn_pa_sink_channels(const cn_pa_sink *s);
void cn_pa_sink_close(cn_pa_sink *s);

#endif
