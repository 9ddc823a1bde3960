// cn_fft.h: FFTW plans made and destroyed one thread at a time. Only fftwf_execute is
// thread-safe in FFTW; its planner keeps global state, and plans are made on several
// threads at once (instruments calibrated side by side, the live worker's effects while
// the main thread scores). Every plan of the project goes through these.
#ifndef CN_FFT_H
#define CN_FFT_H

#include <fftw3.h>

fftwf_plan cn_fft_plan_r2c(int n, float *in, fftwf_complex *out);
fftwf_plan cn_fft_plan_c2r(int n, fftwf_complex *in, float *out);
void cn_fft_destroy(fftwf_plan p); // NULL: nothing

#endif
