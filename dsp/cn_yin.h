// cn_yin: fundamental frequency (f0) estimation with YIN (de Cheveigné & Kawahara
// 2002): difference function (computed with an FFTW cross-correlation), cumulative
// mean normalised difference (CMND), absolute threshold, parabolic interpolation, and
// a voiced/unvoiced decision. Used by evaluation (pitch accuracy) and tests, not by the
// real-time path: create() allocates FFTW plans and buffers, analysis is single-threaded
// per instance.
//
// Frames: frame i is centred on sample round(i * hop_s * rate) and reads window_s +
// 1/fmin seconds around it (samples outside the buffer count as silence), so a buffer of
// n samples gives floor((n - 1) / (hop_s * rate)) + 1 frames. f0 = 0 marks an unvoiced
// frame: too quiet (RMS below silence_db), or no CMND dip below `voicing`.
#ifndef CN_YIN_H
#define CN_YIN_H

#include <stddef.h>

#include "core/cn_status.h"

typedef struct cn_yin_config {
    double rate;       // sample rate, Hz
    double hop_s;      // frame hop, seconds (0.010)
    double window_s;   // integration window W, seconds (0.025)
    double fmin, fmax; // f0 search range, Hz (50 .. 2000)
    double threshold;  // YIN absolute threshold on the CMND (0.10)
    double voicing;    // best CMND dip above this: unvoiced (0.35)
    double silence_db; // frame RMS below this many dBFS: unvoiced (-60)
} cn_yin_config;

typedef struct cn_yin cn_yin;

cn_yin_config cn_yin_config_default(double rate);
cn_status cn_yin_create(const cn_yin_config *cfg, cn_yin **out);
void cn_yin_destroy(cn_yin *y);

// Samples one frame reads: W + tau_max.
int cn_yin_frame_length(const cn_yin *y);
// Number of frames for a buffer of n samples.
size_t cn_yin_n_frames(const cn_yin *y, size_t n);

// f0 (Hz, 0 = unvoiced) of frame[0 .. cn_yin_frame_length()-1]. *cmnd (may be NULL)
// gets the CMND value at the chosen lag (0 = perfectly periodic, ~1 = noise).
float cn_yin_estimate(cn_yin *y, const float *frame, float *cmnd);

// f0 of every frame of x[0..n-1] into f0[0 .. cn_yin_n_frames(n)-1].
void cn_yin_analyze(cn_yin *y, const float *x, size_t n, float *f0);

// One-shot: create, analyse into a malloc'd *f0 (free() it), destroy.
cn_status cn_yin_track(const cn_yin_config *cfg, const float *x, size_t n, float **f0,
                       size_t *n_frames);

#endif
