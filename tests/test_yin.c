// LABELS: unit
// test_yin: YIN finds the f0 of sines and band-limited saws at several pitches and
// sample rates (16, 24, 44.1, 48 kHz) to within 1 cent (sines) or 10 cents (saws) in every frame away from
// the buffer edges, and reports silence and white noise as unvoiced.
#include <stdint.h>
#include <stdlib.h>

#include "cn_test.h"
#include "dsp/cn_yin.h"

// A sine (harmonics = 1) or a saw made of its harmonics below rate/2 (band-limited).
static void tone(float *x, size_t n, double rate, double f0, int harmonics) {
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (int h = 1; h <= harmonics && h * f0 < rate / 2; h++)
            v += sin(2.0 * M_PI * h * f0 * (double)i / rate) / h;
        x[i] = (float)(0.3 * v);
    }
}

static void check(double rate, double f0, int harmonics) {
    size_t n = (size_t)(0.3 * rate);
    float *x = malloc(sizeof(float) * n);
    TEST_ASSERT(x);
    tone(x, n, rate, f0, harmonics);
    float *f;
    size_t nf;
    cn_yin_config c = cn_yin_config_default(rate);
    TEST_OK(cn_yin_track(&c, x, n, &f, &nf));
    TEST_ASSERT(nf == 30);
    double worst = 0.0;
    for (size_t i = 5; i + 5 < nf; i++) { // frames whose window lies inside the buffer
        TEST_ASSERT_MSG(f[i] > 0.0f, "rate %g f0 %g: frame %zu unvoiced", rate, f0, i);
        double cents = fabs(1200.0 * log2(f[i] / f0));
        if (cents > worst) worst = cents;
    }
    printf("rate %6.0f f0 %7.2f %-4s worst %.3f cents\n", rate, f0, harmonics > 1 ? "saw" : "sine",
           worst);
    double tol = harmonics > 1 ? 10.0 : 1.0; // few samples per period: the parabola fits a saw less well
    TEST_ASSERT_MSG(worst < tol, "rate %g f0 %g: %.2f cents off", rate, f0, worst);
    free(f);
    free(x);
}

int main(void) {
    const double rates[] = {16000, 24000, 44100, 48000};
    const double f0s[] = {65.41, 110.0, 261.63, 440.0, 987.77, 1760.0};
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 6; k++) {
            if (f0s[k] * 4 > rates[r] / 4) continue; // keep the default fmax < rate/4 meaningful
            check(rates[r], f0s[k], 1);
            check(rates[r], f0s[k], 20);
        }

    // Silence and white noise are unvoiced.
    size_t n = 16000;
    float *x = calloc(n, sizeof(float));
    TEST_ASSERT(x);
    float *f;
    size_t nf;
    cn_yin_config c = cn_yin_config_default(16000);
    TEST_OK(cn_yin_track(&c, x, n, &f, &nf));
    for (size_t i = 0; i < nf; i++) TEST_ASSERT(f[i] == 0.0f);
    free(f);
    uint32_t s = 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) / 16777216.0 - 0.5);
    }
    TEST_OK(cn_yin_track(&c, x, n, &f, &nf));
    size_t voiced = 0;
    for (size_t i = 0; i < nf; i++) voiced += f[i] > 0.0f;
    printf("white noise: %zu of %zu frames voiced\n", voiced, nf);
    TEST_ASSERT(voiced * 10 <= nf);
    free(f);

    // Bad configurations are refused.
    cn_yin *y;
    c.fmin = 0;
    TEST_ASSERT(cn_yin_create(&c, &y) == CN_ERR_ARG);
    free(x);
    return 0;
}
