// LABELS: unit
// test_mrstft_loss: the MR-STFT distance as a training loss (cn_mrstft_loss.h).
// - Its value equals a naive double-precision DFT of the same whole frames (sizes 512 and
//   1024 on a signal too short for 2048), and a signal against itself scores 0.
// - Its derivative equals central finite differences of the loss at samples spread over
//   the signal, edges and frame overlaps included, with all three resolutions in use.
// - scale multiplies the derivative, which is added to what dx held.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_mrstft.h"
#include "dsp/cn_mrstft_loss.h"
#include "models/nn/cn_rng.h"
#include "cn_test.h"

// A note with four harmonics and some noise: bins far from zero, as in music.
static void tone(float *x, size_t n, double f0, double noise, cn_rng *r) {
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000.0, v = 0.0;
        for (int h = 1; h <= 4; h++) v += 0.3 / h * sin(2.0 * M_PI * f0 * h * t + 0.7 * h);
        x[i] = (float)(v + noise * cn_rng_normal(r));
    }
}

// The loss by definition: each whole frame, a double DFT, the mean over frames and bins,
// then over the resolutions that fit.
static double naive(const float *x, const float *y, size_t n) {
    static const int sizes[] = {512, 1024, 2048};
    double total = 0.0;
    int used = 0;
    for (int r = 0; r < 3; r++) {
        const int N = sizes[r], hop = N / 4, bins = N / 2 + 1;
        if (n < (size_t)N) continue;
        size_t nf = (n - (size_t)N) / (size_t)hop + 1;
        double sum = 0.0;
        for (size_t f = 0; f < nf; f++)
            for (int k = 0; k < bins; k++) {
                double xr = 0, xi = 0, yr = 0, yi = 0;
                for (int m = 0; m < N; m++) {
                    double w = 0.5 - 0.5 * cos(2.0 * M_PI * m / N), th = 2.0 * M_PI * k * m / N;
                    xr += w * x[f * hop + m] * cos(th), xi -= w * x[f * hop + m] * sin(th);
                    yr += w * y[f * hop + m] * cos(th), yi -= w * y[f * hop + m] * sin(th);
                }
                sum += fabs(log(hypot(xr, xi) + CN_MRSTFT_EPS) - log(hypot(yr, yi) + CN_MRSTFT_EPS));
            }
        total += sum / ((double)nf * bins);
        used++;
    }
    return total / used;
}

int main(void) {
    cn_rng r;
    cn_rng_seed(&r, 3, 0);
    cn_mrstft_loss *l;
    TEST_OK(cn_mrstft_loss_create(&l));

    enum { SHORT = 1300, LONG = 2600 };
    static float x[LONG], y[LONG], dx[LONG];
    tone(x, SHORT, 220.0, 0.01, &r);
    tone(y, SHORT, 233.0, 0.02, &r);
    double got = cn_mrstft_loss_eval(l, x, y, SHORT, 0.0f, NULL), want = naive(x, y, SHORT);
    printf("  value: %.6f, naive DFT %.6f; against itself %.2g\n", got, want,
           cn_mrstft_loss_eval(l, x, x, SHORT, 0.0f, NULL));
    TEST_NEAR(got, want, 1e-4 * want);
    TEST_ASSERT(cn_mrstft_loss_eval(l, x, x, SHORT, 0.0f, NULL) == 0.0);
    TEST_ASSERT(cn_mrstft_loss_eval(l, x, y, 511, 1.0f, dx) == 0.0); // no whole frame

    tone(x, LONG, 220.0, 0.01, &r);
    tone(y, LONG, 233.0, 0.02, &r);
    for (int i = 0; i < LONG; i++) dx[i] = 1.0f;
    cn_mrstft_loss_eval(l, x, y, LONG, 2.0f, dx);
    enum { NP = 40 };
    double num = 0.0, den = 0.0;
    for (int p = 0; p < NP; p++) {
        int i = p == 0 ? 0 : p == 1 ? LONG - 1 : (int)((double)p / NP * LONG) + p;
        // A small step: thousands of bins' |log ratio| have kinks where a ratio crosses 1, and
        // a step of 3e-3 crosses enough of them to move the differences by 70%.
        const float h = 1e-4f, keep = x[i];
        x[i] = keep + h;
        double up = cn_mrstft_loss_eval(l, x, y, LONG, 0.0f, NULL);
        x[i] = keep - h;
        double down = cn_mrstft_loss_eval(l, x, y, LONG, 0.0f, NULL);
        x[i] = keep;
        double fd = (up - down) / (2.0 * h), an = (dx[i] - 1.0) / 2.0;
        num += (an - fd) * (an - fd);
        den += fd * fd;
    }
    printf("  derivative against central differences at %d samples: relative error %.2g\n", NP,
           sqrt(num / den));
    TEST_ASSERT_MSG(sqrt(num / den) < 1e-2, "the derivative is off: %g", sqrt(num / den));
    cn_mrstft_loss_destroy(l);
    return 0;
}
