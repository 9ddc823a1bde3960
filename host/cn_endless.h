// cn_endless.h: live endless mode of `continuo play --endless` (cli/play_endless.c).
// The melody predictor continues a primer forever: a generator thread (neither the audio
// callback nor the render worker) draws one note at a time from a cn_mstream and queues
// its note-on/off through the graph's SPSC event queue, staying CN_ENDLESS_AHEAD_MS
// ahead of the playhead (cn_graph_position). See docs/live.md.
#ifndef CN_ENDLESS_H
#define CN_ENDLESS_H

#include <stdatomic.h>
#include <stdint.h>

#include "engine/cn_graph.h"
#include "host/cn_playback.h"
#include "models/melody/cn_sample.h"

#define CN_ENDLESS_AHEAD_MS 3000   // how far ahead of the playhead notes are queued
#define CN_ENDLESS_QUEUE 1024      // graph event queue capacity (a power of two)
#define CN_ENDLESS_MAX_BPM 400     // fastest tempo: even notes of one tick then fit the queue

typedef struct cn_endless_opts {
    const char *primer;       // MIDI file, text-notation file or notation; NULL = demo primer
    const char *model;        // transformer preset/file; NULL = the shipped one if present
    int ngram_only;           // the adaptive n-gram alone
    const char *const *ngram_data; // the n-gram's training files/dirs; NULL = the default
    int n_ngram_data;
    cn_sample_config sample;
    uint64_t seed;
    double bpm;               // 0 = the primer's tempo (120 for notation)
    const char *melody_out;   // NULL, or a MIDI file for the melody that was played
} cn_endless_opts;

typedef struct cn_endless cn_endless;

// [main] Load the primer and find the --model file: cheap errors, reported before any
// device is opened or model trained. *out is NULL on failure.
cn_status cn_endless_create(const cn_endless_opts *opts, cn_endless **out);
// [main] Open the predictor (when no shipped transformer exists and none was asked for,
// it continues with the n-gram alone and adds a notice), then build the graph for the synth options at `rate`, with an event queue and no events.
cn_status cn_endless_prepare(cn_endless *e, const cn_synth_opts *synth, double rate,
                             int max_frames, cn_graph **g);
// [main] Queue the first CN_ENDLESS_AHEAD_MS, then start the generator thread.
// If generation fails, the thread sets *stop (ending playback) and cn_endless_stop
// returns its error.
cn_status cn_endless_start(cn_endless *e, atomic_int *stop);
// [main] Stop and join the generator; its error, if it had one.
cn_status cn_endless_stop(cn_endless *e);
// [main] After stopping: write primer + continuation up to the first `frames` (the notes
// that started while playing) to opts->melody_out, if set.
cn_status cn_endless_write_melody(cn_endless *e, int64_t frames);
// Notes queued, how many were sampled (not the primer's), and how many were queued after
// their onset had already been rendered (sounded late: generation fell behind).
void cn_endless_counts(const cn_endless *e, int64_t *notes, int64_t *sampled, int64_t *late);
const char *cn_endless_model_name(const cn_endless *e);
void cn_endless_destroy(cn_endless *e); // NULL is a no-op; stops the thread
// The i-th one-line notice for the user (a shortened primer, no shipped transformer), or
// NULL: the CLI prints them after cn_endless_create and cn_endless_prepare.
const char *cn_endless_notice(const cn_endless *e, int i);

#endif
