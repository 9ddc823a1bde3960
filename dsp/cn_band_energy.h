// cn_band_energy: how much of a signal's energy lies in a frequency band, in dB: the mean
// over whole STFT frames (2048-point periodic Hann, hop 512) of the power in the bins from lo_hz
// up to hi_hz, per sample, so two signals of the same length compare directly (FluidSynth's
// audio and a model's: "energy above 8 kHz"). Silence gives CN_BAND_ENERGY_FLOOR_DB. Not
// real-time (plans an FFT, allocates; FFTW's planner: one thread).
#ifndef CN_BAND_ENERGY_H
#define CN_BAND_ENERGY_H

#include <stddef.h>

#include "core/cn_status.h"

#define CN_BAND_ENERGY_FLOOR_DB (-200.0)

cn_status cn_band_energy_db(const float *x, size_t n, int sample_rate, double lo_hz, double hi_hz, double *db);
// The same for n_bands adjacent bands [edges[b], edges[b + 1]] from one pass, with an
// n_fft-point window (a multiple of 4; hop n_fft / 4): a longer one resolves narrow bands
// at low frequencies (a third of an octave at 80 Hz is 18 Hz wide).
cn_status cn_band_energies_db(const float *x, size_t n, int sample_rate, int n_fft, const double *edges, int n_bands,
                              double *db);

#endif
