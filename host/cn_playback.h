// cn_playback.h: what `continuo render` and `continuo play` share: MIDI notes -> timed
// note events, and building the graph (generator from --synth/--instrument/--preset,
// effects from --fx) for a MIDI file.
#ifndef CN_PLAYBACK_H
#define CN_PLAYBACK_H

#include <stdint.h>

#include "engine/cn_graph.h"
#include "models/cn_midi.h"

#define CN_PLAYBACK_LIVE_BUDGET 0.8 // play's default --budget

typedef struct cn_synth_opts {
    const char *synth;      // generator id; NULL = cn_playback_synth_id's choice
    const char *instrument; // NULL or an instrument name
    const char *preset;     // NULL or a preset name/path
    const char *fx;         // NULL or an effect chain spec
    const char *seed;       // NULL or a decimal seed (validated by the caller)
    int threads;            // threads rendering the voices (generators with a "threads"
                            // parameter: the wavenet); 0 = the generator's default
    const char *weights;    // NULL or the wavenet's weights: auto, float, half, bf16, int8
    int channels;           // output channels: 1, or 2 (also when 0)
    double budget;          // played live: the share of real time a generator with a "budget"
                            // parameter may take (voices give way before samples do;
                            // CN_PLAYBACK_LIVE_BUDGET by default); 0 = offline, no budget
} cn_synth_opts;

// Every note, control change, program change and pitch bend of the file (all tracks and
// channels but the General MIDI drum channel 10,
// which continuo has no kit for: *drums counts those skipped, may be NULL) as note-on /
// note-off events at absolute frames for `rate`. *end = frame of the last note-off.
// Allocates *ev.
#define CN_MIDI_DRUM_CHANNEL 9 // channel 10, counted from 0
cn_status cn_note_events_from_midi(const cn_midi *m, double rate, cn_note_event **ev, int *n,
                                   int64_t *end, int *drums);

// The generator o asks for: o->synth, else the reference synth when o->instrument is one
// of its waveforms (sine, triangle, saw, square), else the WaveNet.
const char *cn_playback_synth_id(const cn_synth_opts *o);

// The graph alone (generator + effects, their latency compensated; no notes) at `rate`,
// with blocks of up to max_frames: for callers that feed notes through the graph's event queue (play --endless).
cn_status cn_playback_build_graph(const cn_synth_opts *opts, double rate, int max_frames,
                                  cn_graph **g);
// Frames by which the graph's effects delay the sound, as they report it (LV2 effects'
// latency ports; the built-in effects report none). cn_playback_build_graph compensates
// it with cn_graph_set_latency.
int64_t cn_playback_chain_latency(const cn_graph *g);
// Build the graph for the notes of `m` (read from `path`, named in errors).
// *total = last note-off + the generator's and effects' tails; *drums (may be NULL) =
// drum notes skipped.
cn_status cn_playback_build(const cn_midi *m, const char *path, const cn_synth_opts *opts,
                            double rate, int max_frames, cn_graph **g, int64_t *total, int *drums);

// Register the built-in plugins, then load every external plugin named in the
// environment variable CONTINUO_PLUGINS (shared objects separated by ':'), once.
cn_status cn_playback_register_plugins(void);

// PortAudio's host back-ends (ALSA, JACK) print diagnostics on stderr while probing;
// this wraps cn_pa_init with stderr silenced so the CLI keeps to its
// one-line messages.
cn_status cn_playback_pa_init_quiet(void);

#endif
