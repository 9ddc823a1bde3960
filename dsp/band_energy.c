// band_energy.c: energy of a frequency band in dB (cn_band_energy.h).
#include "dsp/cn_band_energy.h"

#include <math.h>
#include <stdlib.h>

#include "dsp/cn_stft.h"

#define BE_FFT 2048
#define BE_HOP 512

cn_status cn_band_energy_db(const float *x, size_t n, int sample_rate, double lo_hz, double hi_hz, double *db) {
    cn_return_val_if_fail(x && db && sample_rate > 0 && lo_hz >= 0 && hi_hz > lo_hz, CN_ERR_ARG);
    cn_stft *s;
    cn_status st = cn_stft_create(BE_FFT, BE_HOP, &s);
    if (st) return st;
    const int bins = cn_stft_bins(s);
    float *mag = malloc((size_t)bins * sizeof *mag);
    if (!mag) {
        cn_stft_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "band energy: out of memory");
    }
    // The window's energy turns |X|^2 into power per sample.
    const float *w = cn_stft_window(s);
    double wsum = 0.0;
    for (int i = 0; i < BE_FFT; i++) wsum += (double)w[i] * w[i];
    int k0 = (int)ceil(lo_hz * BE_FFT / sample_rate), k1 = (int)floor(hi_hz * BE_FFT / sample_rate);
    if (k1 > bins - 1) k1 = bins - 1;
    // Whole frames only (a zero-padded last frame would add the cut's click to the band).
    size_t frames = n >= BE_FFT ? (n - BE_FFT) / BE_HOP + 1 : cn_stft_n_frames(s, n);
    double sum = 0.0;
    for (size_t f = 0; f < frames; f++) {
        cn_stft_frame(s, x, n, f, mag);
        for (int k = k0; k <= k1; k++) sum += (double)mag[k] * mag[k];
    }
    // one-sided spectrum: bins other than DC and Nyquist count twice (Parseval)
    double p = frames ? 2.0 * sum / ((double)frames * wsum * BE_FFT) : 0.0;
    *db = p > 0.0 ? 10.0 * log10(p) : CN_BAND_ENERGY_FLOOR_DB;
    if (*db < CN_BAND_ENERGY_FLOOR_DB) *db = CN_BAND_ENERGY_FLOOR_DB;
    free(mag);
    cn_stft_destroy(s);
    return CN_OK;
}
