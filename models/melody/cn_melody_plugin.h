// cn_melody_plugin.h: the melody model as an event-generator plugin (id "melody"): it
// continues a primer note by note (the predictor of `continue`: shipped transformer +
// adaptive n-gram, or the n-gram alone) and emits note-on/off events on the graph's
// timeline, the primer's notes first. Hosts feed its events to the audio generator
// through the graph's event queue: `play --endless` from an event thread, `render
// --primer` between blocks (cn_graph_pump_events).
//
// create() args (key=value, comma-separated; values may not hold ',' or '='):
//   primer=P        MIDI file, notation file or notation (default: the shipped demo primer)
//   model=M         transformer preset or file (default: the shipped one; without it the
//                   n-gram alone, with a notice)     ngram_only=1   the n-gram alone
//   ngram_data=DIR  the n-gram's long-term data (repeatable; default the precomputed one)
//   temperature=T top_k=K top_p=P seed=S    sampling (as `continue`)
//   bpm=B           tempo (default the primer's; at most CN_MELODY_MAX_BPM)
//   notes=N         sampled notes after the primer, then it ends (default 0: endless)
//   velocity=V      of every note (default: the primer notes' mean)   record=1   keep them
#ifndef CN_MELODY_PLUGIN_H
#define CN_MELODY_PLUGIN_H

#include <stdint.h>

#include "engine/cn_plugin.h"

#define CN_MELODY_MAX_BPM 400 // fastest tempo: even one-tick notes then fit the event queue

extern const cn_plugin_desc cn_melody_plugin;

// The cheap checks of create() (arguments, primer, that a named model exists) without
// loading the models: for errors before a device is opened.
cn_status cn_melody_plugin_check(const char *args);

// Queries on an instance (cn_graph_event_generator), for the host:
// the i-th one-line notice for the user (shortened primer, no shipped transformer) or NULL;
const char *cn_melody_plugin_notice(const void *self, int i);
// the predictor's name ("melody-folk+ngram") and the tempo in use;
const char *cn_melody_plugin_model(const void *self);
double cn_melody_plugin_bpm(const void *self);
// [any thread] notes emitted so far, and how many of them were sampled (not the primer's);
void cn_melody_plugin_counts(const void *self, int64_t *notes, int64_t *sampled);
// [main, after generation stopped] write the notes (record=1) whose onsets lie before
// `frames` as a MIDI file, with the primer's key and meter and a text event of the settings.
cn_status cn_melody_plugin_write_midi(const void *self, int64_t frames, const char *path);

#endif
