// cn_wn_levels: the loudness of each note, measured against FluidSynth. The WaveNet learns
// timbre and pitch well but not always level: some notes come out far quieter than the
// soundfont it was trained on (trumpet E4-C5 ~20 dB). A calibration table (dB per
// instrument and pitch, cn_wn_model.level_db) fixes that at playback; it is measured from
// FluidSynth renderings of chromatic runs (scripts/render_training_audio.sh, "levels")
// by `continuo train wavenet levels`.
//
// A note's level is the RMS of [onset + 50 ms, note-off) (at most 1 s) without its mean
// (playback removes the model's offsets with a DC blocker), in dB; the model side renders
// each note alone from silence at temperature 0 and velocity CN_WN_LEVEL_VELOCITY, times
// the table's gain and the velocity curve (v / CN_WN_LEVEL_VELOCITY)^2: exactly what a
// voice of the plugin plays.
#ifndef CN_WN_LEVELS_H
#define CN_WN_LEVELS_H

#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_data.h"

// The velocity the model is given, whatever the note's: its voices play at the model's
// own (calibrated) level, and the note's velocity v scales it by (v / 100)^2, the General
// MIDI curve.
#define CN_WN_LEVEL_VELOCITY 100

// Write a chromatic run for calibration: pitches low..high, 0.8 s each with 0.2 s of
// rest, at `velocity` (calibration: CN_WN_LEVEL_VELOCITY), General MIDI `program` on
// channel 1. Atomic.
cn_status cn_wn_write_chromatic_midi(int program, int low, int high, int velocity, const char *path);

// Per-note differences of a data set against the model with its table: how many notes,
// their median, the share within +-6 dB and the worst, per instrument folder.
typedef struct cn_wn_level_stats {
    int notes;
    double median_db, within6, worst_db;
} cn_wn_level_stats;
cn_status cn_wn_level_stats_of(const cn_wn_model *m, const cn_wn_dataset *ds, int name, const char *instrument,
                               cn_wn_level_stats *out);

// Per-note level difference (model with its table - clip) in dB of every note of `clip`
// long enough to measure (>= 100 ms) into diff[] (room for clip->n_notes); *n = how many.
// pitch[] (may be NULL) gets each measured note's pitch.
cn_status cn_wn_note_level_diffs(const cn_wn_model *m, const cn_wn_clip *clip, double *diff, int *pitch, int *n);

// Measure every clip of `ds` (instrument = the clip's, by index into names[]) and set
// m->level_db of the instruments it covers: per pitch the median correction, pitches
// without a note take the nearest measured one's. The previous table is replaced for
// those instruments. report(ctx, line) gets one line per instrument (may be NULL).
cn_status cn_wn_calibrate_levels(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                 void (*report)(void *ctx, const char *line), void *ctx);

#endif
