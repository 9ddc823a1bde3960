// cn_wn_data: WaveNet training data: notes from MIDI (monophonic, in frames), the MIDI
// copy with a General MIDI program that FluidSynth renders (scripts/render_training_audio.sh),
// and a data set of WAV + MIDI pairs (NAME.wav with NAME.mid beside it) held as 16-bit
// samples with their note lists. Features are computed per chunk on demand.
#ifndef CN_WN_DATA_H
#define CN_WN_DATA_H

#include <stdint.h>

#include "models/cn_midi.h"
#include "models/wavenet/cn_wn_features.h"

// Monophonic note list in frames at `sample_rate` (where notes overlap the later onset
// cuts the earlier note; equal onsets keep the highest pitch). *out is malloc'd.
cn_status cn_wn_notes_from_midi(const cn_midi *m, int sample_rate, cn_timed_note **out, int *n);

// Write the monophonic notes of `m` as a format-0 SMF on channel 1 with `program` (0..127)
// set at time 0, 960 ticks per second (480 per beat at 120 bpm): same note times in
// seconds, every pitch moved by `transpose` semitones (a note leaving 0..127 is an error;
// low instruments play the tunes an octave down). Atomic (temporary file + rename).
cn_status cn_wn_write_program_midi(const cn_midi *m, int program, int transpose, const char *path);

typedef struct cn_wn_clip {
    char *name;        // file name without .wav
    int instrument;    // index into the data set's instrument list
    int16_t *pcm;      // [n] the audio, 16-bit (what FluidSynth's renders hold)
    int64_t n;
    cn_timed_note *notes; // [n_notes] in frames, aligned with pcm (audio lag removed)
    int n_notes;
} cn_wn_clip;

// Sample t of a clip in [-1, 1).
static inline float cn_wn_clip_value(const cn_wn_clip *c, int64_t t) { return (float)c->pcm[t] * (1.0f / 32768.0f); }
// What a model with output head `out` hears and is scored against: the sample itself, or
// for the mu-law head the sample through the 8-bit mu-law (its classes are its world).
float cn_wn_clip_heard(const cn_wn_clip *c, int64_t t, int out);
// A view of c's first n frames (n <= c->n): the notes that start inside them (sorted by
// onset), the same audio and notes arrays.
static inline cn_wn_clip cn_wn_clip_head(const cn_wn_clip *c, int64_t n) {
    cn_wn_clip h = *c;
    h.n = n;
    while (h.n_notes > 0 && h.notes[h.n_notes - 1].on >= n) h.n_notes--;
    return h;
}

typedef struct cn_wn_dataset {
    cn_wn_clip *clips;
    int n_clips;
    int64_t total;     // samples over all clips
    int sample_rate;
} cn_wn_dataset;

// Load every DIR/NAME.wav (mono, sample_rate Hz) with DIR/NAME.mid. The instrument of a
// clip is its folder name (the last path component of DIR) unless `instrument` is not NULL.
// lag: frames the audio starts after the MIDI (FluidSynth's onset delay); the first lag
// audio frames are dropped so notes and audio line up. A rate mismatch is an error.
// names/n_names: the instrument list, extended as new folder names appear.
cn_status cn_wn_dataset_add_dir(cn_wn_dataset *ds, const char *dir, const char *instrument,
                                int lag, char names[][32], int *n_names, int max_names);
void cn_wn_dataset_free(cn_wn_dataset *ds);

// The audio of one such WAV file at full resolution (mono float, the first `lag` frames
// dropped, the same frames as the clip's pcm): *out is malloc'd, *n its frames.
cn_status cn_wn_read_audio(const char *wav, int sample_rate, int lag, float **out, int64_t *n);

#endif
