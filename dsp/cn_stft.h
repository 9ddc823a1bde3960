// cn_stft: short-time Fourier transform magnitudes with FFTW (real FFT, periodic Hann
// window). Frame i covers x[i*hop .. i*hop + n_fft - 1], zero-padded past the end, so a
// buffer of n > 0 samples has (n - 1) / hop + 1 frames (none for n = 0). For analysis
// and evaluation, not the real-time path: create() plans FFTs and allocates (FFTW's
// planner is not thread-safe: create instances on one thread); an instance then
// analyses one signal at a time.
#ifndef CN_STFT_H
#define CN_STFT_H

#include <stddef.h>

#include "core/cn_status.h"

typedef struct cn_stft cn_stft;

cn_status cn_stft_create(int n_fft, int hop, cn_stft **out); // n_fft even, >= 4
void cn_stft_destroy(cn_stft *s);

int cn_stft_bins(const cn_stft *s);                  // n_fft / 2 + 1
size_t cn_stft_n_frames(const cn_stft *s, size_t n); // frames of an n-sample buffer
const float *cn_stft_window(const cn_stft *s);       // the n_fft window samples

// |X_k| (unnormalised DFT of the windowed frame) of frame `frame` into mag[0..bins-1].
void cn_stft_frame(cn_stft *s, const float *x, size_t n, size_t frame, float *mag);
// The last frame's X_k (after cn_stft_frame), real and imaginary parts interleaved: bins
// pairs, valid until the next frame.
const float *cn_stft_spectrum(const cn_stft *s);
// Every frame: mag[frame * bins + k].
void cn_stft_magnitude(cn_stft *s, const float *x, size_t n, float *mag);

#endif
