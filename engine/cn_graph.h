// cn_graph: the processing graph: one generator plugin instance, an effect chain
// processed in place after it, and a sorted list of note events delivered to the
// generator at their exact sample (blocks are split at event frames).
//
// Channels: the graph's output has 1 or 2 channels (interleaved frames). Inside, a mono
// generator's signal stays mono until a stereo node (cn_plugin_channels() == 2); from
// there on a mono effect runs as two instances, one per channel (dual mono). A mono
// graph mixes a stereo node's output down to (L + R) / 2; a stereo graph plays a mono
// signal on both channels.
//
// Lifecycle [main]: cn_graph_create -> cn_graph_set_generator -> cn_graph_add_effect /
// cn_graph_add_chain -> cn_graph_set_events -> process/render -> cn_graph_destroy.
// Everything is allocated and prepared in those setup calls; cn_graph_process never
// allocates, locks, prints or blocks (given real-time safe plugins), so the live worker
// thread can call it. The same graph and input always produce the same samples.
#ifndef CN_GRAPH_H
#define CN_GRAPH_H

#include <stdint.h>

#include "core/cn_note.h"
#include "core/cn_progress.h"
#include "engine/cn_plugin.h"
#include "engine/cn_sink.h"

#define CN_GRAPH_MAX_EFFECTS 16
#define CN_GRAPH_EVENT_QUEUE 1024 // queue of a graph with an event generator (power of two)
#define CN_GRAPH_PUMP_BLOCK 64    // events taken from an event generator per call
#define CN_GRAPH_UNTIL_END (-1)   // cn_graph_render: until the event generator's end + tails

typedef struct cn_graph cn_graph;

// [main] rate in Hz, max_frames = the largest block cn_graph_process will be asked for,
// channels of the output (1 or 2).
cn_status cn_graph_create(double rate, int max_frames, int channels, cn_graph **out);
void cn_graph_destroy(cn_graph *g); // NULL is a no-op

// [main] Create and prepare a plugin instance (the generator before the effects). `args` is "key=value,key=value" or NULL:
// keys naming one of the plugin's parameters are applied with set_param (range-checked,
// a clear error when outside), the other pairs are passed to the plugin's create().
cn_status cn_graph_set_generator(cn_graph *g, const cn_plugin_desc *gen, const char *args);
cn_status cn_graph_add_effect(cn_graph *g, const cn_plugin_desc *fx, const char *args);
// [main] Add effects from a chain spec, looking ids up in the registry:
//   CHAIN  = EFFECT ("," EFFECT)*      EFFECT = ID [":" URI] (":" KEY=VALUE)*
// and a bare KEY=VALUE item continues the previous effect, so both
// "eq:gain=3:freq=800,reverb:mix=0.2,limiter" and "eq:gain=3,freq=800,limiter" work. A
// URI (a scheme such as "http:", then up to the first ":KEY=") keeps its own ':' and
// reaches the plugin's create() as uri=URI, %-escaped: "lv2:http://x.org/eq#mono:gain=3".
// On an error the effects added before the bad item stay in the graph (callers give up).
cn_status cn_graph_add_chain(cn_graph *g, const char *chain);
int cn_graph_effect_count(const cn_graph *g);
// [main] The i-th effect's instance (NULL when there is none) and, if desc is not NULL,
// its descriptor: for plugin-specific queries (an LV2 effect's latency).
void *cn_graph_effect(const cn_graph *g, int i, const cn_plugin_desc **desc);
// [main] The generator's instance (NULL when none) and, if desc is not NULL, its
// descriptor: a host that sets the generator's parameters while it plays (the LV2
// instrument's ports; set_param is [worker]-safe).
void *cn_graph_generator(const cn_graph *g, const cn_plugin_desc **desc);
// [worker] Live hosts that queue the output ahead of the device: the seconds of audio
// queued when the next block starts. A generator with a parameter named "queued" gets it
// (set_param), so that it can tell a slow stretch the queue absorbs from one that would
// run it dry (the WaveNet's voice budget). Before the device starts (a prefill) nothing
// drains the queue: CN_GRAPH_QUEUED_IDLE. Offline renders never call it.
#define CN_GRAPH_QUEUED_IDLE 60.0
void cn_graph_set_queued(cn_graph *g, double seconds);
// [main] The effect chain delays the sound by `frames` (plugins' reported latency). Before
// its first output (and after each cn_graph_set_events) the graph runs the generator and
// the chain that many frames ahead and drops that output, so that output frame t is the
// chain's response to generator frame t: a render is time-aligned with its notes, and
// ends no earlier. Set it before processing; 0 (the default) = nothing to compensate.
cn_status cn_graph_set_latency(cn_graph *g, int64_t frames);

// [main] Copy the events (any order; sorted by frame; on one frame note-offs, then
// controls, program changes and bends, then note-ons; stable otherwise) and rewind the
// playhead to frame 0.
cn_status cn_graph_set_events(cn_graph *g, const cn_note_event *ev, int n);
// [main] Play notes (sorted or not) offline through generator `gen` (create() args) in a
// mono graph at `rate` without effects, as `continuo render` plays them: out[0..n).
cn_status cn_graph_render_notes(const cn_plugin_desc *gen, const char *args, const cn_timed_note *notes, int n_notes,
                                double rate, int64_t n, float *out);
// Frame of the last event (0 if none) and the frames the generator and effects keep
// sounding after it (sum of their tail_frames).
int64_t cn_graph_last_event_frame(const cn_graph *g);
int64_t cn_graph_tail_frames(const cn_graph *g);
// [main] Voices the generator stole so far (0 when it does not say).
int64_t cn_graph_voices_stolen(const cn_graph *g);
// Of those, voices whose note had been released (their release tail cut short).
int64_t cn_graph_voices_stolen_tails(const cn_graph *g);

// Live events (endless mode: a melody generator on another thread feeds notes ahead of
// the playhead). [main] cn_graph_enable_queue makes an SPSC queue of `capacity` events
// (a power of two) and reserves room for them, before the worker starts. [producer, one
// thread] cn_graph_queue_event never blocks: 1 if queued, 0 if the queue was full: the
// event is then not queued (the caller may keep it and try again) and the refusal is
// counted in cn_graph_dropped_events. (cn_graph_pump_events keeps refused events itself
// and does not count them.) The worker drains the queue at the start of each
// cn_graph_process and places each event at its frame (a late one sounds at once).
cn_status cn_graph_enable_queue(cn_graph *g, int capacity);
int cn_graph_queue_event(cn_graph *g, const cn_note_event *ev);
int64_t cn_graph_dropped_events(const cn_graph *g);
// Note-ons that reached the worker after their frame had been rendered (they sounded late).
int64_t cn_graph_late_events(const cn_graph *g);

// An event generator (the melody model) as the graph's source of notes: it feeds the
// event queue (enabled with CN_GRAPH_EVENT_QUEUE if it is not yet), so offline renders,
// live playback and plugin hosts all take its notes the same way.
// [main] Create and prepare it (args as for cn_graph_set_generator).
cn_status cn_graph_set_event_generator(cn_graph *g, const cn_plugin_desc *d, const char *args);
// Its instance, for plugin-specific queries (NULL when none).
void *cn_graph_event_generator(const cn_graph *g);
// [events, one thread] Ask the event generator for its notes before frame `until` and
// queue them; when the queue is full the rest waits in the graph for the next call.
// *queued (may be NULL) = events queued now. Never called from the worker.
cn_status cn_graph_pump_events(cn_graph *g, int64_t until, int *queued);
// 1 when generated events still wait for room in the queue.
int cn_graph_events_pending(const cn_graph *g);
// Frame where the notes end: the event generator's end once it has finished (-1 while it
// may still add notes), or the last given event without one.
int64_t cn_graph_events_end(const cn_graph *g);

// [worker] Render the next `frames` (1..max_frames) frames into out (frames * channels
// floats, interleaved) and advance.
void cn_graph_process(cn_graph *g, float *out, int frames);
// [any thread] Frames output so far (published after each cn_graph_process).
int64_t cn_graph_position(const cn_graph *g);
int cn_graph_max_frames(const cn_graph *g);
int cn_graph_channels(const cn_graph *g);
double cn_graph_rate(const cn_graph *g);

// [main] Offline render: process `frames` samples from the current position in blocks of
// max_frames, as fast as possible, writing each block to the sink (not finished here).
// With an event generator its notes are pumped before each block, and frames may be
// CN_GRAPH_UNTIL_END: until its notes end, plus the tails. `progress` (NULL: none) gets
// frames done (of a total known once the notes end).
cn_status cn_graph_render(cn_graph *g, cn_sink *sink, int64_t frames, const cn_progress_cb *progress);

#endif
