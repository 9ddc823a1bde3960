// LABELS: unit
// test_stft: STFT magnitudes obey Parseval (per frame: sum of |X_k|^2 over the two-sided
// spectrum equals n_fft times the windowed frame's energy), a bin-centred sine peaks in
// its bin at amplitude A n_fft / 4 (Hann), frame counting and zero padding hold, and
// the multi-resolution STFT distance is 0 for equal signals, log 2 for a signal and its
// half, symmetric, and unchanged by
// trailing zeros (the shorter signal is zero-padded).
#include <stdint.h>
#include <stdlib.h>

#include "dsp/cn_mrstft.h"
#include "dsp/cn_stft.h"
#include "cn_test.h"

static void noise(float *x, size_t n, uint32_t seed) {
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) / 16777216.0 - 0.5);
    }
}

int main(void) {
    const int N = 1024, hop = 256;
    cn_stft *s;
    TEST_OK(cn_stft_create(N, hop, &s));
    TEST_ASSERT(cn_stft_bins(s) == N / 2 + 1);
    TEST_ASSERT(cn_stft_n_frames(s, 0) == 0 && cn_stft_n_frames(s, 1) == 1);
    TEST_ASSERT(cn_stft_n_frames(s, 256) == 1 && cn_stft_n_frames(s, 257) == 2);

    size_t n = 8000;
    float *x = malloc(sizeof(float) * n);
    float *mag = malloc(sizeof(float) * cn_stft_n_frames(s, n) * (size_t)cn_stft_bins(s));
    TEST_ASSERT(x && mag);
    noise(x, n, 7);
    cn_stft_magnitude(s, x, n, mag);
    const float *w = cn_stft_window(s);
    for (size_t f = 0; f < cn_stft_n_frames(s, n); f++) {
        double time_e = 0.0, freq_e = 0.0;
        for (int i = 0; i < N; i++) {
            size_t k = f * hop + (size_t)i;
            double v = k < n ? (double)x[k] * w[i] : 0.0; // zero padding past the end
            time_e += v * v;
        }
        for (int k = 0; k <= N / 2; k++) {
            double m = mag[f * (size_t)(N / 2 + 1) + (size_t)k];
            freq_e += (k == 0 || k == N / 2 ? 1.0 : 2.0) * m * m;
        }
        TEST_ASSERT_MSG(fabs(freq_e - N * time_e) <= 1e-4 * N * time_e + 1e-6,
                        "frame %zu: %g vs %g", f, freq_e, N * time_e);
    }

    // Bin-centred sine: peak bin and height.
    const int k0 = 37;
    const double A = 0.8;
    for (size_t i = 0; i < n; i++) x[i] = (float)(A * sin(2.0 * M_PI * k0 * (double)i / N + 0.3));
    cn_stft_frame(s, x, n, 4, mag);
    int peak = 0;
    for (int k = 1; k <= N / 2; k++)
        if (mag[k] > mag[peak]) peak = k;
    printf("sine bin %d: peak bin %d, |X| %.3f (expected %.3f), next bins %.3f %.3f\n", k0, peak,
           mag[peak], A * N / 4, mag[k0 - 1], mag[k0 + 1]);
    TEST_ASSERT(peak == k0);
    TEST_NEAR(mag[k0], A * N / 4, 1e-3 * A * N / 4);
    TEST_NEAR(mag[k0 + 1], A * N / 8, 1e-3 * A * N / 4); // Hann main lobe: half at +-1 bin
    TEST_ASSERT(mag[k0 + 3] < 1e-3 * mag[k0]);
    cn_stft_destroy(s);

    // Multi-resolution STFT distance.
    size_t m = 16000;
    float *a = malloc(sizeof(float) * (m + 1000)), *b = malloc(sizeof(float) * m);
    TEST_ASSERT(a && b);
    noise(a, m, 11);
    for (size_t i = 0; i < m; i++) b[i] = 0.5f * a[i];
    double d0, d1, d2, d3;
    TEST_OK(cn_mrstft_distance(a, m, a, m, &d0));
    TEST_OK(cn_mrstft_distance(a, m, b, m, &d1));
    TEST_OK(cn_mrstft_distance(b, m, a, m, &d2));
    for (size_t i = m; i < m + 1000; i++) a[i] = 0.0f;
    TEST_OK(cn_mrstft_distance(a, m + 1000, a, m, &d3));
    printf("mrstft: same %.6f, half %.6f (log 2 = %.6f), swapped %.6f, padded %.6f\n", d0, d1,
           log(2.0), d2, d3);
    TEST_ASSERT(d0 == 0.0);
    TEST_NEAR(d1, log(2.0), 0.01);
    TEST_NEAR(d1, d2, 1e-9);
    TEST_ASSERT(d3 == 0.0);
    TEST_ASSERT(cn_stft_create(1023, 256, &s) == CN_ERR_ARG);
    free(a);
    free(b);
    free(x);
    free(mag);
    return 0;
}
