// cn_synth_reference: the reference synth, a stereo generator plugin (engine/cn_plugin.h)
// for tests and as a fallback to the WaveNet: up to 32 voices by default (parameter
// "voices"; beyond it a voice is stolen, dsp/cn_voices.h), band-limited oscillators
// (PolyBLEP saw and square, sine, triangle), a linear ADSR per note, and the MIDI
// controls of cn_voices: velocity, channel volume and expression, pan, sustain pedal,
// pitch bend. Events take effect at their exact frame. The output is a pure function of
// the events and parameters (deterministic: no noise, no randomness).
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
    CN_SYNTH_P_VOICES,       // voice limit 1..CN_VOICES_MAX
    CN_SYNTH_N_PARAMS
};

extern const cn_plugin_desc cn_synth_reference_plugin;

#endif
