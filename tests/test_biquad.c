// LABELS: unit
// test_biquad: each RBJ design meets its defining values (low/high pass: 1 in the pass
// band and Q at the cutoff; peaking: the gain at the centre; shelves: the full gain at
// one end, half of it in dB at the midpoint, unity at the other end), and the filter,
// run on steady sines, has the analytic |H(e^jw)| of its coefficients at several
// frequencies.
#include <stdlib.h>

#include "dsp/cn_biquad.h"
#include "cn_test.h"

#define RATE 48000.0

// Amplitude of the steady-state response to a unit sine at f (after 0.5 s of settling,
// measured by correlation over a whole number of cycles).
static double measured(const cn_biquad_coeffs *c, double f) {
    int n = (int)RATE;
    float *x = malloc(sizeof(float) * (size_t)n);
    TEST_ASSERT(x);
    for (int i = 0; i < n; i++) x[i] = (float)sin(2.0 * M_PI * f * i / RATE);
    cn_biquad b;
    cn_biquad_init(&b, c);
    cn_biquad_process(&b, x, n / 2);
    cn_biquad_process(&b, x + n / 2, n - n / 2);
    int start = n / 2, cycles = (int)floor((n - start) * f / RATE);
    int len = (int)lround(cycles * RATE / f);
    double s = 0.0, co = 0.0;
    for (int i = start; i < start + len; i++) {
        s += x[i] * sin(2.0 * M_PI * f * i / RATE);
        co += x[i] * cos(2.0 * M_PI * f * i / RATE);
    }
    free(x);
    return 2.0 / len * sqrt(s * s + co * co);
}

static void check_curve(const cn_biquad_coeffs *c, const char *name) {
    const double fs[] = {50.0, 300.0, 1000.0, 2500.0, 8000.0, 15000.0};
    for (int i = 0; i < 6; i++) {
        double m = measured(c, fs[i]), h = cn_biquad_magnitude(c, fs[i], RATE);
        TEST_ASSERT_MSG(fabs(m - h) <= 2e-3 * h + 1e-4, "%s at %g Hz: measured %g, |H| %g", name,
                        fs[i], m, h);
    }
}

int main(void) {
    const double db6 = pow(10.0, 6.0 / 20.0);
    cn_biquad_coeffs c = cn_biquad_design(CN_BIQUAD_LOWPASS, RATE, 1000.0, 0.7071, 0.0);
    TEST_NEAR(cn_biquad_magnitude(&c, 0.0, RATE), 1.0, 1e-9);
    TEST_NEAR(cn_biquad_magnitude(&c, 1000.0, RATE), 0.7071, 1e-6);
    TEST_NEAR(cn_biquad_magnitude(&c, RATE / 2, RATE), 0.0, 1e-9);
    check_curve(&c, "lowpass");

    c = cn_biquad_design(CN_BIQUAD_HIGHPASS, RATE, 500.0, 2.0, 0.0);
    TEST_NEAR(cn_biquad_magnitude(&c, 500.0, RATE), 2.0, 1e-6);
    TEST_NEAR(cn_biquad_magnitude(&c, RATE / 2, RATE), 1.0, 1e-9);
    TEST_NEAR(cn_biquad_magnitude(&c, 0.0, RATE), 0.0, 1e-9);
    check_curve(&c, "highpass");

    c = cn_biquad_design(CN_BIQUAD_PEAKING, RATE, 2500.0, 1.0, 6.0);
    TEST_NEAR(cn_biquad_magnitude(&c, 2500.0, RATE), db6, 1e-6);
    TEST_NEAR(cn_biquad_magnitude(&c, 0.0, RATE), 1.0, 1e-9);
    check_curve(&c, "peaking");

    c = cn_biquad_design(CN_BIQUAD_LOWSHELF, RATE, 300.0, 0.7071, -6.0);
    TEST_NEAR(cn_biquad_magnitude(&c, 0.0, RATE), 1.0 / db6, 1e-9);
    TEST_NEAR(cn_biquad_magnitude(&c, 300.0, RATE), pow(10.0, -3.0 / 20.0), 1e-6);
    TEST_NEAR(cn_biquad_magnitude(&c, RATE / 2, RATE), 1.0, 1e-6);
    check_curve(&c, "lowshelf");

    c = cn_biquad_design(CN_BIQUAD_HIGHSHELF, RATE, 8000.0, 0.7071, 6.0);
    TEST_NEAR(cn_biquad_magnitude(&c, RATE / 2, RATE), db6, 1e-9);
    TEST_NEAR(cn_biquad_magnitude(&c, 8000.0, RATE), pow(10.0, 3.0 / 20.0), 1e-6);
    TEST_NEAR(cn_biquad_magnitude(&c, 0.0, RATE), 1.0, 1e-6);
    check_curve(&c, "highshelf");
    printf("biquad: designs and measured responses match\n");
    return 0;
}
