// band_energy.c: energy of frequency bands in dB (cn_band_energy.h).
#include "dsp/cn_band_energy.h"

#include <math.h>
#include <stdlib.h>

#include "dsp/cn_stft.h"

#define BE_FFT 2048

cn_status cn_band_energies_db(const float *x, size_t n, int sample_rate, int n_fft, const double *edges, int n_bands,
                              double *db) {
    cn_return_val_if_fail(x && db && edges && sample_rate > 0 && n_bands > 0 && n_fft >= 4 && n_fft % 4 == 0, CN_ERR_ARG);
    for (int b = 0; b < n_bands; b++) cn_return_val_if_fail(edges[b] >= 0 && edges[b + 1] > edges[b], CN_ERR_ARG);
    const int hop = n_fft / 4;
    cn_stft *s;
    cn_status st = cn_stft_create(n_fft, hop, &s);
    if (st) return st;
    const int bins = cn_stft_bins(s);
    float *mag = malloc((size_t)bins * sizeof *mag);
    double *sum = calloc((size_t)n_bands, sizeof *sum);
    if (!mag || !sum) {
        free(mag);
        free(sum);
        cn_stft_destroy(s);
        return cn_fail(CN_ERR_NOMEM, "band energy: out of memory");
    }
    // The window's energy turns |X|^2 into power per sample.
    const float *w = cn_stft_window(s);
    double wsum = 0.0;
    for (int i = 0; i < n_fft; i++) wsum += (double)w[i] * w[i];
    // Whole frames only (a zero-padded last frame would add the cut's click to the band).
    size_t frames = n >= (size_t)n_fft ? (n - (size_t)n_fft) / (size_t)hop + 1 : cn_stft_n_frames(s, n);
    for (size_t f = 0; f < frames; f++) {
        cn_stft_frame(s, x, n, f, mag);
        for (int b = 0; b < n_bands; b++) {
            int k0 = (int)ceil(edges[b] * n_fft / sample_rate), k1 = (int)floor(edges[b + 1] * n_fft / sample_rate);
            if (k1 > bins - 1) k1 = bins - 1;
            for (int k = k0; k <= k1; k++) sum[b] += (double)mag[k] * mag[k];
        }
    }
    for (int b = 0; b < n_bands; b++) {
        // one-sided spectrum: bins other than DC and Nyquist count twice (Parseval)
        double p = frames ? 2.0 * sum[b] / ((double)frames * wsum * n_fft) : 0.0;
        db[b] = p > 0.0 ? 10.0 * log10(p) : CN_BAND_ENERGY_FLOOR_DB;
        if (db[b] < CN_BAND_ENERGY_FLOOR_DB) db[b] = CN_BAND_ENERGY_FLOOR_DB;
    }
    free(mag);
    free(sum);
    cn_stft_destroy(s);
    return CN_OK;
}

cn_status cn_band_energy_db(const float *x, size_t n, int sample_rate, double lo_hz, double hi_hz, double *db) {
    cn_return_val_if_fail(lo_hz >= 0 && hi_hz > lo_hz, CN_ERR_ARG);
    const double edges[2] = {lo_hz, hi_hz};
    return cn_band_energies_db(x, n, sample_rate, BE_FFT, edges, 1, db);
}
