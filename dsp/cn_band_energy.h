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

#endif
