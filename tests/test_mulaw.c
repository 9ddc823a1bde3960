// LABELS: unit
// test_mulaw: mu-law 256 encode/decode. Every level decodes into its own bin and
// re-encodes to itself; the round-trip error of a dense sweep of [-1, 1] stays within
// half a level, whose width in x is (1 + mu|x|) ln(1 + mu) / mu / 256; the codes are
// monotonic and symmetric; out-of-range and NaN inputs clamp; fractional levels decode
// between their neighbours' centres, monotonically.
#include <stdint.h>

#include "dsp/cn_mulaw.h"
#include "cn_test.h"

int main(void) {
    for (int q = 0; q < 256; q++) {
        TEST_ASSERT(cn_mulaw_encode(cn_mulaw_decode((uint8_t)q)) == q);
        TEST_NEAR(cn_mulaw_decode((uint8_t)q), -cn_mulaw_decode((uint8_t)(255 - q)), 1e-6);
    }
    const double mu = 255.0, k = log(1.0 + mu) / mu / 256.0;
    double worst = 0.0;
    int prev = 0;
    for (int i = -100000; i <= 100000; i++) {
        float x = (float)i / 100000.0f;
        uint8_t q = cn_mulaw_encode(x);
        TEST_ASSERT(q >= prev); // monotonic
        prev = q;
        float y = cn_mulaw_decode(q);
        double big = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
        double bound = (1.0 + mu * big) * k * 1.001 + 1e-7;
        double err = fabs((double)x - y);
        TEST_ASSERT_MSG(err <= bound, "x %g -> %d -> %g: error %g > %g", x, q, y, err, bound);
        if (err > worst) worst = err;
    }
    printf("mu-law worst round-trip error %.6f (near 0: %.6f)\n", worst,
           fabs(cn_mulaw_decode(cn_mulaw_encode(1e-5f)) - 1e-5f));
    TEST_ASSERT(worst < 0.0220);
    TEST_ASSERT(cn_mulaw_encode(0.0f) == 128);
    TEST_ASSERT(cn_mulaw_encode(5.0f) == 255 && cn_mulaw_encode(-5.0f) == 0);
    TEST_ASSERT(cn_mulaw_encode(NAN) == 0);

    float xs[4] = {-0.5f, 0.0f, 0.25f, 1.0f}, ys[4];
    uint8_t qs[4];
    cn_mulaw_encode_buf(xs, qs, 4);
    cn_mulaw_decode_buf(qs, ys, 4);
    for (int i = 0; i < 4; i++) TEST_ASSERT(qs[i] == cn_mulaw_encode(xs[i]) && ys[i] == cn_mulaw_decode(qs[i]));
    float last = -2.0f;
    for (int i = 0; i <= 2550; i++) { // levels 0, 0.1, ..., 255
        float q = (float)i / 10.0f, v = cn_mulaw_decode_level(q);
        TEST_ASSERT(v > last);
        last = v;
        if (i % 10 == 0) TEST_ASSERT(v == cn_mulaw_decode((uint8_t)(i / 10)));
        else TEST_ASSERT(v > cn_mulaw_decode((uint8_t)(i / 10)) && v < cn_mulaw_decode((uint8_t)(i / 10 + 1)));
    }
    return 0;
}
