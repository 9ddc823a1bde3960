// cn_voices: what the synths (the reference synth, the WaveNet) share to play MIDI: the
// state of the 16 channels (program, volume CC7, expression CC11, pan CC10, sustain
// pedal CC64, pitch bend with its range from RPN 0) and voice allocation: every note-on
// gets a voice slot; beyond the voice limit the quietest-to-lose voice is stolen (the
// oldest released one, else the oldest held by the pedal, else the oldest held) and
// counted. A note-off releases its voice, or leaves it to the pedal while CC64 is down.
// The synth owns the sound of each slot and is told through two callbacks; it frees a
// slot when the release has faded. No allocation: safe on the worker thread.
#ifndef CN_VOICES_H
#define CN_VOICES_H

#include <stdint.h>

#include "engine/cn_plugin.h"

#define CN_VOICES_MAX 64
#define CN_MIDI_CHANNELS 16

typedef struct cn_channel_state {
    int program;        // General MIDI program 0..127 (0 until a program change)
    int volume;         // CC7, default 100
    int expression;     // CC11, default 127
    int pan;            // CC10, 0 left .. 64 centre .. 127 right
    int sustain;        // CC64 >= 64: the pedal is down
    int bend;           // -8192..8191
    int bend_range;     // semitones for a full bend (RPN 0), default 2
    int rpn;            // RPN selected by CC101/CC100 (-1: none)
} cn_channel_state;

typedef enum cn_voice_state {
    CN_VOICE_FREE = 0,
    CN_VOICE_HELD,      // key down
    CN_VOICE_SUSTAINED, // key up, pedal down
    CN_VOICE_RELEASED,  // fading out; the synth frees the slot when silent
} cn_voice_state;

typedef struct cn_voice {
    int state;          // cn_voice_state
    int channel, pitch, velocity;
    uint64_t age;       // note-on order
} cn_voice;

// How a slot starts its note (cn_voice_ops.start).
typedef enum cn_voice_start {
    CN_VOICE_NEW = 0,    // a free slot
    CN_VOICE_STOLEN = 1, // the slot was sounding another note, which must stop at once
    CN_VOICE_LEGATO = 2, // the slot's released note carries on into this one (ops.legato)
} cn_voice_start;

// The synth's side: a slot starts playing v[slot] (`how`: cn_voice_start), or enters its
// release. `legato` may be NULL (every note a voice of its own); else a note-on first asks
// it about each released voice of the note's channel whether that voice can carry on into
// `pitch` (a synth whose voice is one continuous stream, as the WaveNet learnt a melody),
// and the closest in pitch of those that can (the youngest among equals) plays the note.
typedef struct cn_voice_ops {
    void (*start)(void *synth, int slot, int how);
    void (*release)(void *synth, int slot);
    int (*legato)(void *synth, int slot, int pitch);
} cn_voice_ops;

typedef struct cn_voices {
    int limit;          // voice slots (1..CN_VOICES_MAX)
    int cap;            // voices sounding at most (1..limit; a synth lowers it when the CPU cannot keep up)
    cn_voice v[CN_VOICES_MAX];
    cn_channel_state ch[CN_MIDI_CHANNELS];
    uint64_t next_age;
    int64_t stolen;     // voices taken from a sounding note
    int64_t stolen_tails; // of those, notes already released: a release tail cut short
    int active;         // slots not free
} cn_voices;

// All voices free, every channel at its defaults.
void cn_voices_init(cn_voices *vs, int limit);
// Apply one event (any cn_event_type), calling ops for the voices it starts or releases.
void cn_voices_event(cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth);
// The synth has faded slot out: it may be reused.
void cn_voices_free(cn_voices *vs, int slot);
// Allow at most `cap` sounding voices (clamped to 1..limit): voices beyond it are stolen now
// (the synth's start/release are not called: `cut` is, then the slot is free), and counted.
void cn_voices_set_cap(cn_voices *vs, int cap, void (*cut)(void *synth, int slot), void *synth);
// The cap a CPU budget asks for (live): `load` is the share of real time that rendering takes
// (smoothed; with other voice sets of the same synth included), `own` this set's part of it,
// its voices rendered on `threads` threads (cn_voices_load_at). Over the budget: as many
// voices as it allows at the current cost (at least one, at least one fewer than sound;
// unchanged with one voice). With room under 90% of the budget for one more voice: one
// more (at most the limit). Else the cap as it is. The caller paces the changes.
int cn_voices_budget_cap(const cn_voices *vs, float load, float own, float budget, int threads);
// The load `own` of `active` voices would become with n: threads share the voices evenly,
// so the cost follows the busiest thread's count, ceil(n / threads) (own when none sound).
float cn_voices_load_at(float own, int active, int n, int threads);

// Level of a slot's note: velocity (the General MIDI curve (v/127)^2) times channel
// volume and expression, each relative to its default (CC7 100, CC11 127), so a file
// without controllers plays at the velocity's level.
float cn_voices_gain(const cn_voices *vs, int slot);
// Constant-power pan gains of a channel, scaled so that the centre is 1 on both sides
// (a centred voice sounds as it would in mono).
void cn_voices_pan(const cn_voices *vs, int channel, float *left, float *right);
// Pitch bend of a channel in semitones.
float cn_voices_bend(const cn_voices *vs, int channel);

#endif
