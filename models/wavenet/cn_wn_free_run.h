// cn_wn_free_run: losses on what the model plays from its own output, and their derivative
// through that output (`train wavenet --free-run W --free-run-spectrum S`). In one chunk
// the model generates from `warm` on at temperature 0 (the Gaussian head's mean, as the
// presets play), hearing the recording before warm and its own samples after. Two losses
// compare what it played with the recording:
// - the harmonic balance loss (cn_wn_harmonics.h): the first four harmonics' shares of the
//   power and the level. A fundamental that fades in the model's own loop over tens of
//   periods (a note that then sounds an octave or a twelfth up) is what this loss sees and
//   teacher forcing does not;
// - the MR-STFT distance (cn_mrstft_loss.h), the spectral metric itself, over the whole
//   frames of the played samples: every partial and the noise between them, not only the
//   first four harmonics (the balance loss alone, strong enough to hold the tuning, made
//   every instrument duller).
//
// The derivative: the generated samples x solve x = F(x), F the teacher-forced forward on
// inputs x (causal: sample t reads only earlier ones). With g = dL/dx the derivative by
// the parameters is lambda . dF/dtheta, where lambda = g + J^T lambda and J = dF/dx. Pass
// k of `passes` computes lambda_k = g + J^T lambda_(k-1) (lambda_0 = g) with one backward,
// adding one more loop through the model's own output: 0 passes hold the model's past
// fixed (it learns what to play after hearing its own output), and passes >= the
// generated length give the exact derivative, J being strictly causal.
#ifndef CN_WN_FREE_RUN_H
#define CN_WN_FREE_RUN_H

#include "models/wavenet/cn_wavenet.h"

typedef struct cn_wn_free_run cn_wn_free_run;

// The losses' weights (0: off) and how many loops through the model's own output the
// derivative follows.
typedef struct {
    float balance, spectrum;
    int passes;
} cn_wn_free_run_weights;

// The last step's losses, unweighted (0 when a loss is off or had nothing to score).
typedef struct {
    float balance, spectrum;
} cn_wn_free_run_losses;

// Scratch for chunks of up to max_t samples of model m's shape.
cn_status cn_wn_free_run_create(const cn_wn_model *m, int max_t, cn_wn_free_run **out);
void cn_wn_free_run_destroy(cn_wn_free_run *f);

// One chunk of T samples (feat[T][CN_WN_NFEAT] its note features, instrument a model
// index): heard[CN_WN_HISTORY + T - 1] is the recording its inputs read (the chunk's
// history first), target[T] its samples, 0 <= warm < T. Generates, runs the forward in a
// (overwriting what it held), and adds scale x d(the weighted sum of the losses)/d(params)
// to grad (the flat layout of m->mem). The balance loss is 0 when no block of a held,
// audible note fits after warm, the spectrum's when no 512-sample frame does; when both
// are, grad is untouched. Fails only for memory. The Gaussian head only.
cn_status cn_wn_free_run_step(cn_wn_free_run *f, const cn_wn_model *m, cn_wn_acts *a, const float *feat,
                              int instrument, int T, int warm, const float *heard, const float *target,
                              const cn_wn_free_run_weights *w, float *grad, float scale,
                              cn_wn_free_run_losses *loss);

// What the last step played: [CN_WN_HISTORY + T - 1], the recording before warm (tests).
const float *cn_wn_free_run_samples(const cn_wn_free_run *f);

#endif
