// cn_melody_stream: an endless melody as timed note events, for live endless mode.
// A melody predictor (cn_event_model) continues a primer one event at a time, each
// sampled event observed (the same draws as cn_sample_continue with the same rng), and
// every note is placed on one absolute frame timeline at a fixed tempo: note-on at its
// onset, note-off after its duration. The primer's notes come first, then sampled ones.
//
// An endless tune would grow the models' memory without bound (the n-gram's short-term
// model keeps every event of the tune), so after `max_tune` events the stream starts a
// new tune: reset() with the same conditioning, then observe the newest `keep` events.
// The transformer slides its own window (cn_tf_window_len); this only bounds the rest.
//
// Not thread-safe: one thread (the endless-mode generator) owns a stream. It never
// touches the audio graph; the caller queues the events.
#ifndef CN_MELODY_STREAM_H
#define CN_MELODY_STREAM_H

#include <stdint.h>

#include "models/melody/cn_event_model.h"
#include "engine/cn_plugin.h"
#include "models/melody/cn_sample.h"

typedef struct cn_mstream_config {
    double rate;             // frames per second of the timeline
    double bpm;              // quarter notes per minute (CN_TICKS_PER_BEAT ticks each)
    int velocity;            // of every note-on, 1..127
    cn_sample_config sample; // temperature, top-k, top-p
    uint64_t seed;           // the sampler's rng (stream 0 of the seed)
    cn_melody_cond cond;     // conditioning of the tune (and of every restart)
    int max_tune;            // events in one tune before a restart (> keep)
    int keep;                // newest events a restarted tune observes again (>= 1)
} cn_mstream_config;

// rate 48000, 120 bpm, velocity 90, the default sampler, seed 0, all conditioning
// unknown, restart after 1024 events keeping 255 (a full transformer window of 256).
cn_mstream_config cn_mstream_config_default(void);

typedef struct cn_mstream cn_mstream;

// reset(cond) the model and observe the primer (clamped into the vocabularies; may be
// empty). The primer's lead rest delays its first note. The model must outlive the
// stream; the primer is copied.
cn_status cn_mstream_create(const cn_mstream_config *cfg, cn_event_model *m,
                            const cn_event_seq *primer, cn_mstream **out);
void cn_mstream_destroy(cn_mstream *s); // NULL is a no-op

// The next note: the primer's notes first, then sampled ones. *e = the melody event,
// *on / *off its note-on and note-off at absolute frames (off > on; the next note-on is
// at or after this off). Returns 0 in *sampled for a primer note (may be NULL).
cn_status cn_mstream_next(cn_mstream *s, cn_mevent *e, cn_note_event *on, cn_note_event *off,
                          int *sampled);

// Onset frame of the note the next call to cn_mstream_next gives.
int64_t cn_mstream_next_frame(const cn_mstream *s);
// Frame of tick t (12 per beat) on the stream's timeline, t >= 0.
int64_t cn_mstream_tick_frame(const cn_mstream *s, int64_t t);
// Notes given so far, and how many times a new tune was started.
int64_t cn_mstream_count(const cn_mstream *s);
int64_t cn_mstream_restarts(const cn_mstream *s);

#endif
