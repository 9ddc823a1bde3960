// test_band_energy.c: cn_band_energy_db against power a test signal is known to have: a
// sine of amplitude A holds A^2/2 per sample in its band and (almost) nothing elsewhere,
// white noise spreads its variance evenly over the band, silence is the floor; several
// bands from one pass (cn_band_energies_db) resolve sines a third of an octave apart.
#include <math.h>
#include <stdlib.h>

#include "dsp/cn_band_energy.h"
#include "models/nn/cn_rng.h"
#include "tests/cn_test.h"

int main(void) {
    const int rate = 48000;
    const size_t n = 48000;
    float *x = malloc(n * sizeof *x);
    TEST_ASSERT(x);
    for (size_t t = 0; t < n; t++) x[t] = (float)(0.5 * sin(2.0 * M_PI * 10000.0 * (double)t / rate));
    double hi, lo;
    TEST_OK(cn_band_energy_db(x, n, rate, 8000, 24000, &hi));
    TEST_OK(cn_band_energy_db(x, n, rate, 0, 8000, &lo));
    TEST_NEAR(hi, 10.0 * log10(0.125), 0.1); // -9.03 dB
    TEST_ASSERT_MSG(lo < hi - 60.0, "leak below the band: %.1f dB vs %.1f dB", lo, hi);
    cn_rng r;
    cn_rng_seed(&r, 3, 0);
    for (size_t t = 0; t < n; t++) x[t] = 0.1f * cn_rng_normal(&r); // variance 0.01: -20 dB
    TEST_OK(cn_band_energy_db(x, n, rate, 8000, 24000, &hi));
    TEST_NEAR(hi, -20.0 + 10.0 * log10(2.0 / 3.0), 0.2); // two thirds of the spectrum
    for (size_t t = 0; t < n; t++) x[t] = 0.0f;
    TEST_OK(cn_band_energy_db(x, n, rate, 8000, 24000, &hi));
    TEST_NEAR(hi, CN_BAND_ENERGY_FLOOR_DB, 0.0);
    TEST_ASSERT(cn_band_energy_db(x, n, rate, 8000, 4000, &hi) != CN_OK); // empty band

    // Several bands in one pass, a long window: sines at 80 and 100 Hz (a third of an
    // octave apart) land each in its own band, at A^2/2.
    for (size_t t = 0; t < n; t++)
        x[t] = (float)(0.5 * sin(2.0 * M_PI * 80.0 * (double)t / rate) + 0.1 * sin(2.0 * M_PI * 100.0 * (double)t / rate));
    const double edges[4] = {20.0, 89.1, 112.2, 24000.0};
    double db[3];
    TEST_OK(cn_band_energies_db(x, n, rate, 8192, edges, 3, db));
    printf("80 Hz band %.2f dB, 100 Hz band %.2f dB, above %.1f dB\n", db[0], db[1], db[2]);
    TEST_NEAR(db[0], 10.0 * log10(0.125), 0.1);
    TEST_NEAR(db[1], 10.0 * log10(0.005), 0.1);
    TEST_ASSERT(db[2] < db[1] - 40.0);
    TEST_ASSERT(cn_band_energies_db(x, n, rate, 8192, (const double[]){20.0, 89.1, 50.0}, 2, db) != CN_OK); // edges must rise
    free(x);
    printf("test_band_energy: ok\n");
    return 0;
}
