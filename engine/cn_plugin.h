// cn_plugin: the plugin ABI (docs/DESIGN.md, "Plugin ABI"). A plugin is a const
// descriptor whose first field is the ABI version, then function pointers, each tagged
// with the thread that may call it:
//   [main]   setup/teardown thread (may allocate, may fail)
//   [worker] the generator worker thread, or the offline render loop: no allocation,
//            no locks, no I/O, no printing (real-time safe)
//   [events] the host's event thread (live), or the render loop between blocks: never
//            the worker, so it may allocate and take its time (a melody model's step)
// Audio is float at the rate given to prepare(), mono through process() or, for an
// instance whose channels() is 2, stereo through process_stereo() (separate left and
// right buffers). Generators write `frames` samples; effects process in place (in == out
// allowed); the graph runs a mono effect in a stereo chain as two instances, one per
// channel. Event generators emit note events, which reach the audio generator through
// the graph's event queue. Built-in
// plugins are registered outside engine/ (host/builtins.c); external ones come from
// dlopen of a shared object exporting `cn_plugin_entry`.
//
// ABI 2 added `generate` at the end of the descriptor, ABI 3 `channels` and
// `process_stereo` and the event's channel; version 1 and 2 descriptors (prefixes of this
// one) are still accepted for mono audio generators and effects (cn_plugin_channels).
#ifndef CN_PLUGIN_H
#define CN_PLUGIN_H

#include <stdint.h>

#include "core/cn_status.h"

#define CN_PLUGIN_ABI_VERSION 4u

typedef enum cn_plugin_kind {
    CN_PLUGIN_GENERATOR = 1, // audio generator driven by note events (synth, WaveNet)
    CN_PLUGIN_EFFECT = 2,    // audio in -> audio out (dsp/)
    CN_PLUGIN_EVENT_GENERATOR = 3, // emits note events (the melody transformer)
} cn_plugin_kind;

typedef struct cn_param_desc {
    const char *name;  // "cutoff"
    const char *help;  // one line, with unit
    float min, max, def;
} cn_param_desc;

typedef enum cn_event_type {
    CN_EV_NOTE_ON = 1,
    CN_EV_NOTE_OFF = 2,
    CN_EV_ALL_OFF = 3,    // every voice of every channel released (end of a stream)
    CN_EV_CONTROL = 4,    // MIDI control change: control 0..127, value 0..127
    CN_EV_PROGRAM = 5,    // MIDI program change: value = General MIDI program 0..127
    CN_EV_PITCH_BEND = 6, // value -8192..8191 (0 = none)
} cn_event_type;

// The MIDI messages a generator plays, at their sample frame. Notes use pitch/velocity,
// the other types control/value (the unions name the same fields).
typedef struct cn_note_event {
    int64_t frame;    // absolute sample frame at which the event takes effect
    int type;         // cn_event_type
    union {
        int pitch;    // MIDI pitch 0..127
        int control;  // CN_EV_CONTROL: controller number
    };
    union {
        int velocity; // 1..127 for note-on
        int value;    // CN_EV_CONTROL, CN_EV_PROGRAM, CN_EV_PITCH_BEND
    };
    int channel;      // MIDI channel 0..15 (ABI 3; older plugins read only the fields above)
} cn_note_event;

// Initialiser of a note event on channel 0 (note-on, note-off; all-off with 0, 0):
// cn_note_event e = CN_NOTE(frame, CN_EV_NOTE_ON, 60, 100), or (cn_note_event)CN_NOTE(...).
#define CN_NOTE(frame_, type_, pitch_, velocity_) \
    { .frame = (frame_), .type = (type_), .pitch = (pitch_), .velocity = (velocity_), .channel = 0 }

typedef struct cn_plugin_desc {
    uint32_t abi_version;        // CN_PLUGIN_ABI_VERSION; checked before anything else
    const char *id;              // short id used on the command line: "reference"
    const char *name;            // human-readable name
    const char *description;     // one line
    cn_plugin_kind kind;
    const cn_param_desc *params; // [n_params]
    int n_params;

    // [main] Create an instance. args: "key=value,key=value" or NULL (e.g. instrument,
    // model path). Errors via cn_fail.
    cn_status (*create)(const char *args, void **out);
    // [main] Size every buffer for this rate and block size. The only place that allocates.
    // Parameters set before it (set_param may be called between create and prepare) are
    // in force from the first process().
    cn_status (*prepare)(void *self, double rate, int max_frames);
    // [worker] Render or process `frames` (<= max_frames) samples starting at absolute
    // frame `start`. Generators ignore `in` (NULL). Events for this block were already
    // delivered with note_event. Never allocates. NULL for event generators.
    void (*process)(void *self, int64_t start, const float *in, float *out, int frames);
    // [worker] A note event whose frame lies in the next process() block.
    void (*note_event)(void *self, const cn_note_event *ev);
    // [worker] Set a parameter by index (clamped to its range).
    void (*set_param)(void *self, int index, float value);
    // [main] Extra samples the instance keeps sounding after the last note-off (release,
    // reverb tail), so offline renders know when to stop. Event generators: the frame
    // where their output ends (the last note-off) once they have emitted everything,
    // -1 while more may come (endless).
    int64_t (*tail_frames)(void *self);
    // [main] Free everything. NULL is a no-op.
    void (*destroy)(void *self);

    // ---- ABI 2 ----
    // [events] Event generators only: the next note events whose frames lie before
    // `until`, in time order, into ev[0..max) (max >= 2; a note's on and off come
    // together): how many (0 when none is due yet or it has finished), -1 on failure
    // (cn_fail).
    int (*generate)(void *self, int64_t until, cn_note_event *ev, int max);

    // ---- ABI 3 ----
    // [main] Audio channels of this instance after prepare(): 1 (process) or 2
    // (process_stereo). NULL means 1.
    int (*channels)(void *self);
    // [worker] process() for a 2-channel instance: left and right buffers (in_l == out_l
    // and in_r == out_r allowed; generators get NULL inputs).
    void (*process_stereo)(void *self, int64_t start, const float *in_l, const float *in_r,
                           float *out_l, float *out_r, int frames);
    // [main] Polyphonic generators: notes that took a sounding voice because all were busy
    // (reported to the user). NULL: none.
    int64_t (*voices_stolen)(void *self);

    // ---- ABI 4 ----
    // [main] Of voices_stolen, those whose note had already been released: a release tail
    // cut short rather than a note lost. NULL: none.
    int64_t (*voices_stolen_tails)(void *self);
} cn_plugin_desc;

// Channels of an instance, reading ABI 3 fields only from descriptors that have them.
static inline int cn_plugin_channels(const cn_plugin_desc *d, void *self) {
    return d->abi_version >= 3 && d->channels && d->process_stereo && d->channels(self) == 2 ? 2 : 1;
}

// External plugins export this symbol (returns NULL-terminated array of descriptors).
typedef const cn_plugin_desc *const *(*cn_plugin_entry_fn)(void);
#define CN_PLUGIN_ENTRY_SYMBOL "cn_plugin_entry"

#endif
