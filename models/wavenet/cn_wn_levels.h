// cn_wn_levels: the loudness of each note, measured against FluidSynth. The WaveNet learns
// timbre and pitch well but not always level: some notes come out far quieter than the
// soundfont it was trained on (trumpet E4-C5 ~20 dB). A calibration table (dB per
// instrument and pitch, cn_wn_model.level_db) fixes that at playback; it is measured from
// FluidSynth renderings of chromatic runs (scripts/render_training_audio.sh, "levels")
// by `continuo train wavenet levels`.
//
// A note's level is the RMS of [onset + 50 ms, note-off) (at most 1 s) without its mean
// (playback removes the model's offsets with a DC blocker), in dB; the model side renders
// the notes as the plugin's voices play them (cn_wn_voice_render: a phrase of notes one
// stream, a note after a rest from silence) at temperature 0 and velocity
// CN_WN_LEVEL_VELOCITY, times
// the table's gain, the decay table's, the spectrum table (cn_wn_eq.h) and the velocity
// curve (v / CN_WN_LEVEL_VELOCITY)^2: exactly what a voice of the plugin plays. `levels`
// calibrates the decay first, then the level table with the decay applied, the spectrum,
// and the level table again with both.
#ifndef CN_WN_LEVELS_H
#define CN_WN_LEVELS_H

#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_data.h"

// The velocity the model is given, whatever the note's: its voices play at the model's
// own (calibrated) level, and the note's velocity v scales it by (v / 100)^2, the General
// MIDI curve.
#define CN_WN_LEVEL_VELOCITY 100

// The gain a voice gives a note that the model played at CN_WN_LEVEL_VELOCITY: the level
// table's for its instrument and pitch (legato_db for a note the voice carried on into,
// `legato`, else level_db) times (velocity / CN_WN_LEVEL_VELOCITY)^2. The plugin, the
// level measurement and the spectrum calibration all use it.
float cn_wn_note_gain(const cn_wn_model *m, int inst, int pitch, int velocity, int legato);

// A voice's release (the plugin): the model's own release sounds CN_WN_RELEASE_HOLD_S at
// full level, then the voice's gate fades it out over CN_WN_RELEASE_FADE_S. A note that
// starts on its channel while the last note's release still sounds carries on in that
// voice (legato: one stream, as the model learnt a tune), else it gets a voice of its own,
// from silence.
#define CN_WN_RELEASE_HOLD_S 0.06
#define CN_WN_RELEASE_FADE_S 0.12

// The model's side of a monophonic clip as the plugin's voices play its notes at
// instrument `inst`: each phrase (with m->legato, notes each starting within
// CN_WN_RELEASE_HOLD_S + CN_WN_RELEASE_FADE_S of the last one's note-off, not before it;
// without, every note alone) one stream from silence,
// at `temperature` (calibration: 0) and velocity CN_WN_LEVEL_VELOCITY, from its first onset to its last
// note-off; then the tables (cn_wn_voice_tables) that `tables` names. No level gain and
// the offset kept; out[0..clip->n), zero between phrases.
// note_s > 0 ends each phrase at most note_s after its last onset (zero after it): the
// samples before are the same, as rendering is causal (a level measurement needs no more).
// legato (may be NULL) gets, per note, 1 when it carries on in its phrase's voice, 0 for a
// phrase's first note.
// The tables: each note's part (its onset to the next note's, or the phrase's end) through
// its decay table from its onset; each phrase through the spectrum table from its start.
#define CN_WN_VOICE_DECAY 1
#define CN_WN_VOICE_EQ 2
cn_status cn_wn_voice_render(const cn_wn_model *m, int inst, const cn_wn_clip *clip, int tables, double note_s,
                             float temperature, float *out, unsigned char *legato);
// The tables `tables` names applied to out[0..clip->n), a rendering without them (the
// same phrases and note_s): after it, out holds what cn_wn_voice_render with them gives.
// The tables only filter the model's output (it never hears them), so one rendering serves both.
void cn_wn_voice_tables(const cn_wn_model *m, int inst, const cn_wn_clip *clip, int tables, double note_s,
                        float *out);

// Median of x[0..n) (n >= 1), sorting x.
double cn_wn_median(double *x, int n);

// A calibration score: pitches low, low + step, ... <= high, each held `hold` seconds
// followed by hold / 4 of rest, at `velocity` (calibration: CN_WN_LEVEL_VELOCITY), General
// MIDI `program` on channel 1. Atomic. The chromatic run: step 1, CN_WN_LEVEL_HOLD_S; the
// held run: every CN_WN_DECAY_PITCH_STEP semitones, CN_WN_DECAY_HOLD_S.
#define CN_WN_LEVEL_HOLD_S 0.8
// With `legato` no rest: the pitches up, then down again (the legato run: every pitch
// carried on from the one below and the one above, for the legato table).
cn_status cn_wn_write_run_midi(int program, int low, int high, int step, double hold, int velocity, int legato,
                               const char *path);

// ---- decay ----
// The model sustains its own samples, so a struck or plucked note stays near its attack
// level while held (the piano's C4 loses 3 dB in 3.5 s where FluidSynth's loses 34). The
// decay table (cn_wn_model.decay_db) corrects that: dB at CN_WN_DECAY_KNOTS times after
// the onset, cn_wn_decay_times (dense early, where a piano's high notes fall 20 dB in a
// quarter second; 0 dB at the first: the attack is the model's), linear between knots,
// the last value after the last knot. Measured from held notes (>= CN_WN_DECAY_HOLD_S) of
// FluidSynth against the model: per knot, FluidSynth's level minus the model's over
// CN_WN_DECAY_WINDOW around it, relative to the first knot.
extern const double cn_wn_decay_times[CN_WN_DECAY_KNOTS];

// The value at time t of knots v[k] at times[k] (CN_WN_DECAY_KNOTS of them, in any unit):
// v[0] up to the first, linear between knots, the last after the last. *k is the segment
// the search starts at (t never earlier than its start when *k > 0) and is left at t's, so
// a note walked forward costs one pass over the knots. The decay table (in seconds, dB)
// and the followers' targets (in samples, amplitude) share it.
static inline float cn_wn_knots_at(const float *v, const double *times, double t, int *k) {
    if (t <= times[0]) return v[0];
    while (*k < CN_WN_DECAY_KNOTS - 1 && t >= times[*k + 1]) (*k)++;
    if (*k == CN_WN_DECAY_KNOTS - 1) return v[*k];
    const double f = (t - times[*k]) / (times[*k + 1] - times[*k]);
    return (float)((1.0 - f) * v[*k] + f * v[*k + 1]);
}
#define CN_WN_DECAY_WINDOW 0.05
#define CN_WN_DECAY_HOLD_S 4.0
#define CN_WN_DECAY_PITCH_STEP 1
#define CN_WN_DECAY_MAX_DB 90 // table values are clamped to [-90, +12] dB; files beyond +-90 are corrupt
#define CN_WN_DECAY_UP_DB 12
#define CN_WN_DECAY_MIN_FALL_DB 10 // instruments whose FluidSynth notes fall less while held sustain: no table

// Whether instrument `inst` has a decay table (any knot not 0).
int cn_wn_decay_set(const cn_wn_model *m, int inst);
// The table's dB for a note of (inst, pitch) `t` seconds after its onset.
float cn_wn_decay_db(const cn_wn_model *m, int inst, int pitch, double t);
// Multiply x[0..n), the samples since_onset.. of a note of (inst, pitch) at the model's
// rate, by the table's gain; a pure function of the sample's index, so any split of a note
// into blocks gives the same samples. No allocation: safe on the audio path.
void cn_wn_decay_apply(const cn_wn_model *m, int inst, int pitch, int64_t since_onset, float *x, int n);
// Measure the held notes of every clip of `ds` (instrument = the clip's, by index into
// names[]) and set m->decay_db of the instruments it covers: per measured pitch the median
// over its notes per knot, pitches between measured ones interpolated linearly, pitches
// outside the nearest one's. An instrument without a held note, or whose FluidSynth notes
// fall less than CN_WN_DECAY_MIN_FALL_DB over the knots (median), gets no table (all 0).
// report(ctx, line) gets one line per instrument (may be NULL).
cn_status cn_wn_calibrate_decay(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                void (*report)(void *ctx, const char *line), void *ctx);

// Per-note differences (cn_wn_audio_level_diffs) of the clips of folder `name` of a data
// set, each played by the WaveNet plugin on the model file `model_path` (m: the same,
// loaded) as `instrument` at temperature 0: how many notes, their median, the share within
// +-6 dB and the worst.
typedef struct cn_wn_level_stats {
    int notes;
    double median_db, within6, worst_db;
} cn_wn_level_stats;
cn_status cn_wn_level_stats_of(const char *model_path, const cn_wn_model *m, const cn_wn_dataset *ds, int name,
                               const char *instrument, cn_wn_level_stats *out);

// Per-note level difference in dB of audio[0..clip->n) (what the plugin played, at the
// model's rate) against the clip's recording at full resolution, for every note of `clip`
// long enough to measure (>= 100 ms; the level as above), into diff[] (room for
// clip->n_notes); *n = how many. The notes as a listener hears them: with the voices' level
// followers (cn_wn_follow.h), DC blocker and gate.
cn_status cn_wn_audio_level_diffs(const cn_wn_model *m, const cn_wn_clip *clip, const float *audio, double *diff,
                                  int *n);

// Measure every clip of `ds` (instrument = the clip's, by index into names[]) and set
// m->level_db of the instruments it covers (an instrument with a decay table over the
// table's first window: its reference): per pitch the median correction, pitches
// without a note take the nearest measured one's. The previous table is replaced for
// those instruments. report(ctx, line) gets one line per instrument (may be NULL).
cn_status cn_wn_calibrate_levels(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                 void (*report)(void *ctx, const char *line), void *ctx);

// All of it, as `continuo train wavenet levels` does: for each instrument of names[], its
// previous spectrum table dropped, the decay table, the level table, then (per_octave > 0)
// the spectrum table in that layout (cn_wn_calibrate_eq) and the level table again through
// it (the first level lines say "before the spectrum table: "). An instrument's tables
// depend on its own notes alone, so the instruments are shared among `threads` threads
// (the same tables on any count); report may then be called from several at once, and the
// lines of different instruments interleave. On failure the error of the first failing
// instrument in names[] order.
cn_status cn_wn_calibrate_all(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names, int per_octave,
                              int threads, void (*report)(void *ctx, const char *line), void *ctx);

#endif
