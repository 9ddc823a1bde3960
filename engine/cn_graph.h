// cn_graph: the processing graph: one generator plugin instance, an effect chain
// processed in place after it, and a sorted list of note events delivered to the
// generator at their exact sample (blocks are split at event frames).
//
// Lifecycle [main]: cn_graph_create -> cn_graph_set_generator -> cn_graph_add_effect /
// cn_graph_add_chain -> cn_graph_set_events -> process/render -> cn_graph_destroy.
// Everything is allocated and prepared in those setup calls; cn_graph_process never
// allocates, locks, prints or blocks (given real-time safe plugins), so the live worker
// thread can call it. The same graph and input always produce the same samples.
#ifndef CN_GRAPH_H
#define CN_GRAPH_H

#include <stdint.h>

#include "core/cn_progress.h"
#include "engine/cn_plugin.h"
#include "engine/cn_sink.h"

#define CN_GRAPH_MAX_EFFECTS 16

typedef struct cn_graph cn_graph;

// [main] rate in Hz, max_frames = the largest block cn_graph_process will be asked for.
cn_status cn_graph_create(double rate, int max_frames, cn_graph **out);
void cn_graph_destroy(cn_graph *g); // NULL is a no-op

// [main] Create and prepare a plugin instance. `args` is "key=value,key=value" or NULL:
// keys naming one of the plugin's parameters are applied with set_param (range-checked,
// a clear error when outside), the other pairs are passed to the plugin's create().
cn_status cn_graph_set_generator(cn_graph *g, const cn_plugin_desc *gen, const char *args);
cn_status cn_graph_add_effect(cn_graph *g, const cn_plugin_desc *fx, const char *args);
// [main] Add effects from a chain spec, looking ids up in the registry:
//   CHAIN  = EFFECT ("," EFFECT)*      EFFECT = ID (":" KEY=VALUE)*
// and a bare KEY=VALUE item continues the previous effect, so both
// "eq:gain=3:freq=800,reverb:mix=0.2,limiter" and "eq:gain=3,freq=800,limiter" work.
// On an error the effects added before the bad item stay in the graph (callers give up).
cn_status cn_graph_add_chain(cn_graph *g, const char *chain);
int cn_graph_effect_count(const cn_graph *g);

// [main] Copy the events (any order; sorted by frame, note-offs before note-ons at the
// same frame, stable otherwise) and rewind the playhead to frame 0.
cn_status cn_graph_set_events(cn_graph *g, const cn_note_event *ev, int n);
// Frame of the last event (0 if none) and the frames the generator and effects keep
// sounding after it (sum of their tail_frames).
int64_t cn_graph_last_event_frame(const cn_graph *g);
int64_t cn_graph_tail_frames(const cn_graph *g);

// Live events (endless mode: a melody generator on another thread feeds notes ahead of
// the playhead). [main] cn_graph_enable_queue makes an SPSC queue of `capacity` events
// (a power of two) and reserves room for them, before the worker starts. [producer, one
// thread] cn_graph_queue_event never blocks: 1 if queued, 0 if the queue was full (the
// event is dropped and counted). The worker drains the queue at the start of each
// cn_graph_process and places each event at its frame (a late one sounds at once).
cn_status cn_graph_enable_queue(cn_graph *g, int capacity);
int cn_graph_queue_event(cn_graph *g, const cn_note_event *ev);
int64_t cn_graph_dropped_events(const cn_graph *g);

// [worker] Render the next `frames` (1..max_frames) samples into out and advance.
void cn_graph_process(cn_graph *g, float *out, int frames);
// [any thread] Frames rendered so far (published after each cn_graph_process).
int64_t cn_graph_position(const cn_graph *g);
int cn_graph_max_frames(const cn_graph *g);
double cn_graph_rate(const cn_graph *g);

// [main] Offline render: process `frames` samples from the current position in blocks of
// max_frames, as fast as possible, writing each block to the sink (not finished here).
// `progress` (NULL: none) gets frames done of `frames`.
cn_status cn_graph_render(cn_graph *g, cn_sink *sink, int64_t frames, const cn_progress_cb *progress);

#endif
