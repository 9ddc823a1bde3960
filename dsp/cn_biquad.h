// cn_biquad: second-order IIR filters with the RBJ "Audio EQ Cookbook" designs
// (lowpass, highpass, peaking, low and high shelf), run as transposed direct form II
// with double state. Designing and processing never allocate: safe on the audio and
// worker threads. Not here: the EQ plugin (effects.c).
#ifndef CN_BIQUAD_H
#define CN_BIQUAD_H

typedef enum cn_biquad_type {
    CN_BIQUAD_LOWPASS = 0,
    CN_BIQUAD_HIGHPASS,
    CN_BIQUAD_PEAKING,
    CN_BIQUAD_LOWSHELF,
    CN_BIQUAD_HIGHSHELF,
} cn_biquad_type;

// H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
typedef struct cn_biquad_coeffs {
    double b0, b1, b2, a1, a2;
} cn_biquad_coeffs;

typedef struct cn_biquad {
    cn_biquad_coeffs c;
    double z1, z2; // TDF-II state
} cn_biquad;

// f0: cutoff / centre / shelf midpoint (Hz, clamped into (0, rate/2)); q: quality
// (0.7071 = Butterworth for low/high pass; shelves use it as the cookbook's shelf Q);
// gain_db: for peaking and shelves only.
cn_biquad_coeffs cn_biquad_design(cn_biquad_type type, double rate, double f0, double q,
                                  double gain_db);
// |H(e^{jw})| at `freq` Hz, straight from the coefficients.
double cn_biquad_magnitude(const cn_biquad_coeffs *c, double freq, double rate);

void cn_biquad_init(cn_biquad *b, const cn_biquad_coeffs *c); // zero state
void cn_biquad_set(cn_biquad *b, const cn_biquad_coeffs *c);  // keep state (smooth changes)
// In place over x[0..n-1].
void cn_biquad_process(cn_biquad *b, float *x, int n);

#endif
