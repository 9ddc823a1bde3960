// cn_synth_reference: the reference synth, a generator plugin (engine/cn_plugin.h) for
// tests and as a fallback to the WaveNet: 32 voices (the oldest is stolen when all are
// busy), band-limited oscillators (PolyBLEP saw and square, sine, triangle), a linear
// ADSR per note, velocity scaling and an output gain. Note events take effect at their
// exact frame; a note-off releases every voice playing its pitch. The output is a pure
// function of the events and parameters (deterministic: no noise, no randomness).
// tail_frames() is the release time.
// create() args: none (NULL or "" accepted).
#ifndef CN_SYNTH_REFERENCE_H
#define CN_SYNTH_REFERENCE_H

#include "engine/cn_plugin.h"

#define CN_SYNTH_VOICES 32
#define CN_SYNTH_MAX_EVENTS 1024 // pending note events per instance; more are dropped

// Parameter indices (descriptor order).
enum {
    CN_SYNTH_P_WAVEFORM = 0, // 0 sine, 1 triangle, 2 saw, 3 square
    CN_SYNTH_P_ATTACK,       // seconds
    CN_SYNTH_P_DECAY,        // seconds
    CN_SYNTH_P_SUSTAIN,      // level 0..1
    CN_SYNTH_P_RELEASE,      // seconds
    CN_SYNTH_P_GAIN,         // linear output gain
    CN_SYNTH_N_PARAMS
};

extern const cn_plugin_desc cn_synth_reference_plugin;

#endif
