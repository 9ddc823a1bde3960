// biquad.c: RBJ cookbook biquads (cn_biquad.h).
#include "dsp/cn_biquad.h"

#include <complex.h>
#include <math.h>

cn_biquad_coeffs cn_biquad_design(cn_biquad_type type, double rate, double f0, double q,
                                  double gain_db) {
    if (f0 < 1e-3) f0 = 1e-3;
    if (f0 > 0.499 * rate) f0 = 0.499 * rate;
    if (q < 1e-3) q = 1e-3;
    double A = pow(10.0, gain_db / 40.0), w0 = 2.0 * M_PI * f0 / rate;
    double cs = cos(w0), alpha = sin(w0) / (2.0 * q), sa = 2.0 * sqrt(A) * alpha;
    double b0, b1, b2, a0, a1, a2;
    switch (type) {
    case CN_BIQUAD_LOWPASS:
        b0 = b2 = (1.0 - cs) / 2.0;
        b1 = 1.0 - cs;
        a0 = 1.0 + alpha, a1 = -2.0 * cs, a2 = 1.0 - alpha;
        break;
    case CN_BIQUAD_HIGHPASS:
        b0 = b2 = (1.0 + cs) / 2.0;
        b1 = -(1.0 + cs);
        a0 = 1.0 + alpha, a1 = -2.0 * cs, a2 = 1.0 - alpha;
        break;
    case CN_BIQUAD_PEAKING:
        b0 = 1.0 + alpha * A, b1 = -2.0 * cs, b2 = 1.0 - alpha * A;
        a0 = 1.0 + alpha / A, a1 = -2.0 * cs, a2 = 1.0 - alpha / A;
        break;
    case CN_BIQUAD_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * cs + sa);
        b1 = 2 * A * ((A - 1) - (A + 1) * cs);
        b2 = A * ((A + 1) - (A - 1) * cs - sa);
        a0 = (A + 1) + (A - 1) * cs + sa;
        a1 = -2 * ((A - 1) + (A + 1) * cs);
        a2 = (A + 1) + (A - 1) * cs - sa;
        break;
    default: // CN_BIQUAD_HIGHSHELF
        b0 = A * ((A + 1) + (A - 1) * cs + sa);
        b1 = -2 * A * ((A - 1) + (A + 1) * cs);
        b2 = A * ((A + 1) + (A - 1) * cs - sa);
        a0 = (A + 1) - (A - 1) * cs + sa;
        a1 = 2 * ((A - 1) - (A + 1) * cs);
        a2 = (A + 1) - (A - 1) * cs - sa;
        break;
    }
    cn_biquad_coeffs c = {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    return c;
}

double cn_biquad_magnitude(const cn_biquad_coeffs *c, double freq, double rate) {
    double complex z1 = cexp(-I * 2.0 * M_PI * freq / rate), z2 = z1 * z1;
    return cabs((c->b0 + c->b1 * z1 + c->b2 * z2) / (1.0 + c->a1 * z1 + c->a2 * z2));
}

void cn_biquad_init(cn_biquad *b, const cn_biquad_coeffs *c) {
    b->c = *c;
    b->z1 = b->z2 = 0.0;
}

void cn_biquad_set(cn_biquad *b, const cn_biquad_coeffs *c) { b->c = *c; }

// Audio thread safe: no allocation, locks or I/O.
void cn_biquad_process(cn_biquad *b, float *x, int n) {
    const cn_biquad_coeffs c = b->c;
    double z1 = b->z1, z2 = b->z2;
    for (int i = 0; i < n; i++) {
        double in = x[i], out = c.b0 * in + z1;
        z1 = c.b1 * in - c.a1 * out + z2;
        z2 = c.b2 * in - c.a2 * out;
        x[i] = (float)out;
    }
    b->z1 = z1;
    b->z2 = z2;
}
