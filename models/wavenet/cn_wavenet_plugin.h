// cn_wavenet_plugin: the WaveNet as a generator plugin (engine/cn_plugin.h), id "wavenet".
// Polyphonic and stereo: every note gets a voice (a WaveNet stream of its own; up to the
// "voices" parameter, default 16, then the oldest is stolen, dsp/cn_voices.h), with its
// velocity, channel volume, pan and sustain pedal. A note that starts while a released
// note of its channel and instrument still sounds (CN_WN_RELEASE_HOLD_S +
// CN_WN_RELEASE_FADE_S, cn_wn_levels.h) carries on in that voice, legato, the closest in
// pitch first: one stream, as the model learnt tunes; after a rest a voice starts from
// silence. Without
// instrument= or preset=, each MIDI channel's General MIDI program picks the instrument
// (cn_wn_gm.h), among the instruments of every shipped model. create() args (comma-separated
// key=value): instrument=NAME (uses the preset wavenet-NAME.json), preset=P (a .json path,
// or a name looked up as P.json / wavenet-P.json in the preset folder), model=FILE (a
// .safetensors model; with instrument=NAME picks that instrument, without one the
// channels' programs choose among its instruments), programs=1 (each
// channel's program chooses the instrument from the preset's or model's, as without
// arguments: for hosts that name the preset by path), presets=DIR (where the shipped
// presets are, for the no-instrument choice across models in hosts that are not continuo:
// DIR/wavenet-NAME.json), seed=S (sampling seed, default 1).
// The preset folder is $CONTINUO_PRESETS, else the source tree's presets/.
// A preset is JSON: {"model": "wavenet-gm8-48k.safetensors", "instrument": "flute",
// "temperature": 0}, the model path relative to the preset's folder. With no args every
// model the presets CN_WN_GM_PRESETS name (cn_wn_gm.h) is loaded as a part of its own,
// and each note-on goes to the part whose model has its channel's program's instrument;
// the parts' outputs are added. A model runs at its own rate (48 or 16 kHz); prepare() at
// another rate adds a streaming libsamplerate converter per channel, fed 128 model samples
// ahead (8 ms at 16 kHz), so output is delayed by that and the converter's delay.
// Pitch bend moves a voice's pitch input and excitation (to the cent). Live hosts set "budget"
// (play: 0.8): when rendering the voices takes more than that share of real time, the
// oldest voice is stolen (counted), so a slow machine loses voices, never samples; offline
// renders leave it 0 and stay deterministic. The voices sounding at once are shared among
// "threads" threads (default: one per core): the same samples on any count, so offline
// renders stay deterministic there too. "weights" picks the generator's weights
// (CN_WN_WEIGHTS_*, cn_wavenet.h: 0 as the model's size chooses, 1 float, 2 half, 3 bf16,
// 4 int8; prepare() fails on a CPU without the instructions bf16 or int8 need).
#ifndef CN_WAVENET_PLUGIN_H
#define CN_WAVENET_PLUGIN_H

#include "engine/cn_plugin.h"

enum { CN_WN_PARAM_TEMPERATURE = 0, CN_WN_PARAM_GAIN, CN_WN_PARAM_VOICES, CN_WN_PARAM_BUDGET, CN_WN_PARAM_THREADS,
       CN_WN_PARAM_WEIGHTS, CN_WN_PARAM_QUEUED, CN_WN_N_PARAMS };

extern const cn_plugin_desc cn_wavenet_plugin;

#endif
