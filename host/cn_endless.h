// cn_endless.h: playing the melody model live (`continuo play --endless`). The melody
// event-generator plugin (models/melody/cn_melody_plugin.h) sits in the graph; an event
// thread (neither the audio callback nor the render worker) pumps its notes into the
// graph's event queue, staying CN_ENDLESS_AHEAD_MS ahead of the playhead
// (cn_graph_position). `render --primer` takes the same plugin's notes between blocks
// instead. See docs/live.md.
#ifndef CN_ENDLESS_H
#define CN_ENDLESS_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/cn_graph.h"
#include "host/cn_playback.h"
#include "models/melody/cn_melody_plugin.h"
#include "models/melody/cn_sample.h"

#define CN_ENDLESS_AHEAD_MS 3000 // how far ahead of the playhead notes are queued
#define CN_ENDLESS_MAX_BPM CN_MELODY_MAX_BPM

typedef struct cn_endless_opts {
    const char *primer;       // MIDI file, text-notation file or notation; NULL = demo primer
    const char *model;        // transformer preset/file; NULL = the shipped one if present
    int ngram_only;           // the adaptive n-gram alone
    const char *const *ngram_data; // the n-gram's training files/dirs; NULL = the default
    int n_ngram_data;
    cn_sample_config sample;
    uint64_t seed;
    double bpm;               // 0 = the primer's tempo (120 for notation)
    long notes;               // sampled notes after the primer, 0 = endless
    const char *melody_out;   // NULL, or a MIDI file for the melody that was played
} cn_endless_opts;

// The melody plugin's create() arguments for these options (values holding ',' or '='
// are refused).
cn_status cn_endless_plugin_args(const cn_endless_opts *o, char *buf, size_t size);

typedef struct cn_endless cn_endless;

// [main] Check the options, the primer and the --model file: cheap errors, reported
// before any device is opened or model loaded. *out is NULL on failure.
cn_status cn_endless_create(const cn_endless_opts *opts, cn_endless **out);
// [main] Build the graph for the synth options at `rate` with the melody plugin as its
// event generator (this loads the models).
cn_status cn_endless_prepare(cn_endless *e, const cn_synth_opts *synth, double rate,
                             int max_frames, cn_graph **g);
// [main] Queue the first CN_ENDLESS_AHEAD_MS, then start the event thread. If generation
// fails, the thread sets *stop (ending playback) and cn_endless_stop returns its error.
cn_status cn_endless_start(cn_endless *e, atomic_int *stop);
// [main] Stop and join the event thread; its error, if it had one.
cn_status cn_endless_stop(cn_endless *e);
// [main] After stopping: write primer + continuation up to the first `frames` (the notes
// that started while playing) to opts->melody_out, if set.
cn_status cn_endless_write_melody(cn_endless *e, int64_t frames);
// Notes queued, how many were sampled (not the primer's), and how many note-ons reached
// the worker after their onset had been rendered (sounded late: generation fell behind).
void cn_endless_counts(const cn_endless *e, int64_t *notes, int64_t *sampled, int64_t *late);
const char *cn_endless_model_name(const cn_endless *e);
// The i-th one-line notice for the user (a shortened primer, no shipped transformer), or
// NULL: the CLI prints them after cn_endless_prepare.
const char *cn_endless_notice(const cn_endless *e, int i);
void cn_endless_destroy(cn_endless *e); // NULL is a no-op; stops the thread

#endif
