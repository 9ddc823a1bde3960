// LABELS: unit
// test_resample: libsamplerate wrapper. A 48 kHz 440 Hz sine resampled to 16 kHz (and
// 16 -> 44.1 kHz) keeps its length ratio, its amplitude and its frequency (checked by
// correlating with the expected sine); bad rates are refused.
#include <stdlib.h>

#include "dsp/cn_resample.h"
#include "cn_test.h"

static void check(double from, double to) {
    size_t n = (size_t)(0.5 * from), m;
    float *x = malloc(sizeof(float) * n), *y;
    TEST_ASSERT(x);
    for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * sin(2.0 * M_PI * 440.0 * (double)i / from));
    TEST_OK(cn_resample(x, n, from, to, CN_RESAMPLE_MEDIUM, &y, &m));
    TEST_ASSERT(m == (size_t)llround(n * to / from));
    double worst = 0.0;
    for (size_t i = m / 10; i < m - m / 10; i++) { // away from the converter's edges
        double want = 0.5 * sin(2.0 * M_PI * 440.0 * (double)i / to);
        if (fabs(y[i] - want) > worst) worst = fabs(y[i] - want);
    }
    printf("%g -> %g Hz: %zu -> %zu samples, max |error| %.2e\n", from, to, n, m, worst);
    TEST_ASSERT(worst < 1e-3);
    free(x);
    free(y);
}

int main(void) {
    check(48000.0, 16000.0);
    check(16000.0, 44100.0);
    float *y;
    size_t m;
    TEST_OK(cn_resample(NULL, 0, 48000.0, 16000.0, CN_RESAMPLE_FAST, &y, &m));
    TEST_ASSERT(m == 0);
    free(y);
    TEST_ASSERT(cn_resample(NULL, 0, 48000.0, 0.0, CN_RESAMPLE_FAST, &y, &m) == CN_ERR_ARG);
    return 0;
}
