// cn_wn_features: the per-sample conditioning of the WaveNet, computed from notes only:
// note features (gate, pitch, velocity, time since onset and release as decays) and a
// harmonic excitation at the note's f0 (band-limited sawtooth and square, the first four
// harmonics as sine/cosine pairs, and noise, all shaped by an attack/release envelope).
// One stepper serves training (whole files) and generation (event by event), so both see
// bit-identical features. The phase is computed from the sample count since the onset and
// the noise is a hash of the absolute frame, so no state drifts. Monophonic: a note-on
// replaces the sounding note. No allocation; safe on the audio worker thread.
#ifndef CN_WN_FEATURES_H
#define CN_WN_FEATURES_H

#include <stdint.h>

#include "core/cn_note.h"

enum {
    CN_WN_F_GATE,      // 1 while a note is held
    CN_WN_F_PITCH,     // (pitch - 60) / 24 of the sounding or releasing note (bent: to the cent)
    CN_WN_F_VEL,       // velocity / 127
    CN_WN_F_ON_FAST,   // exp(-time since onset / 10 ms)
    CN_WN_F_ON_MID,    // ... / 100 ms
    CN_WN_F_ON_SLOW,   // ... / 1 s
    CN_WN_F_RELEASE,   // exp(-time since note-off / 50 ms), 0 while held
    CN_WN_F_ENV,       // amplitude envelope: 5 ms linear attack, 80 ms exponential release
    CN_WN_F_SAW,       // band-limited sawtooth at f0 * envelope
    CN_WN_F_SQUARE,    // band-limited square at f0 * envelope
    CN_WN_F_HARM,      // sin(k phi), cos(k phi) for k = 1..4, * envelope (8 values)
    CN_WN_F_NOISE = CN_WN_F_HARM + 8, // white noise * envelope
    CN_WN_NFEAT
};


typedef struct cn_wn_featgen {
    int sample_rate;
    uint64_t noise_seed;
    int64_t t;          // frame of the next feat_next
    int has_note;       // a note has sounded (pitch and phase are valid)
    int held;
    int pitch, velocity;
    int64_t on_frame, off_frame;
    float env_at_off;   // envelope value when the note was released
    // Pitch bend (playback only; training notes have none): the excitation's cycles are
    // counted from the last change of f0, so a bend moves the phase smoothly.
    double bend;        // semitones
    double f0, cyc0;    // the current f0 (Hz) and the cycles done by frame t0
    int64_t t0;
} cn_wn_featgen;

void cn_wn_feat_init(cn_wn_featgen *g, int sample_rate, uint64_t noise_seed);
// Events take effect at the current frame (call before cn_wn_feat_next for that frame).
void cn_wn_feat_note_on(cn_wn_featgen *g, int pitch, int velocity);
void cn_wn_feat_note_off(cn_wn_featgen *g, int pitch); // ignored unless pitch is sounding
void cn_wn_feat_all_off(cn_wn_featgen *g);
// Bend the sounding note by `semitones` from now on (0: none). The pitch feature follows
// to the cent (the pitch lag of the audio inputs with it).
void cn_wn_feat_bend(cn_wn_featgen *g, double semitones);
// Features of the current frame into feat[CN_WN_NFEAT], then advance one frame.
void cn_wn_feat_next(cn_wn_featgen *g, float *feat);

// Features of frames [0, n) for a note list sorted by onset (training, evaluation):
// feat[n][CN_WN_NFEAT].
void cn_wn_features_from_notes(const cn_timed_note *notes, int n_notes, int sample_rate,
                               uint64_t noise_seed, int64_t n, float *feat);
// Frames [t0, t0 + n) only: the same values, without computing the frames before t0
// (training chunks). The generator state at t0 is set from the last note begun by then.
void cn_wn_features_range(const cn_timed_note *notes, int n_notes, int sample_rate,
                          uint64_t noise_seed, int64_t t0, int64_t n, float *feat);

#endif
