// cn_wn_harmonics: the note's first harmonics in a chunk of training audio, as the WaveNet
// trainer changes what the model hears (noise, cuts) and scores what it predicts (the
// harmonic loss). Each harmonic is fitted by least squares on the 8 sine and cosine
// columns of the note features (feat[t][CN_WN_NFEAT] from CN_WN_F_HARM: sin, cos of the
// first harmonic, then of the second, ..., each times the note's envelope).
#ifndef CN_WN_HARMONICS_H
#define CN_WN_HARMONICS_H

#include "models/wavenet/cn_wavenet.h"

struct cn_rng;

// Harmonic input noise: adds to heard[i] (i < T - 1, heard[i] = the sample of chunk
// position i) sum_k a_k sin(k phi_i) + b_k cos(k phi_i) over the first four harmonics of
// the note (the excitation features feat[T][CN_WN_NFEAT], which carry its envelope), with
// the 8 coefficients normal draws from r of std `amount` x rms. The past then holds a
// note whose harmonics are off by a fixed amount while the target is the recording: the
// model learns to pull each harmonic back to what the notes ask for instead of keeping
// whatever its own past holds (generation losing the fundamental, and a note that then
// sounds an octave or a twelfth up).
void cn_wn_harmonic_noise(const float *feat, int T, float amount, float rms, struct cn_rng *r,
                          float *heard);

// Harmonic cut: scales the note's harmonic k + 1 (k = 0..3) in heard[i] (i < T - 1, the
// sample of chunk position i) by gain[k], then all of heard[0..T-2] so that its RMS is what
// it was. Each harmonic's amplitude and phase at i is the
// least-squares fit of the 8 sine and cosine columns of feat[T][CN_WN_NFEAT] (which carry
// the envelope) over the CN_WN_CUT_WINDOW samples around i. Generation that loses its
// fundamental (a note that then sounds an octave or a twelfth up) hears such a past;
// trained against the recording, the model learns to bring those harmonics back. Keeping
// the RMS makes it a matter of balance, not loudness: without it the model learned to add
// to harmonics it heard at full level too, and played 11 dB loud (clipping); cuts and boosts
// around 1 (gains in [0, 2]) put it out of tune. work: T floats.
#define CN_WN_CUT_WINDOW 1024
void cn_wn_harmonic_cut(const float *feat, int T, const float gain[4], float *heard, float *work);

// Harmonic loss (`train wavenet --harmonic-loss W`): over each whole block of `block`
// samples of one held note within [from, T), past its first 20 ms (a block across a note
// change or a new onset would fit one harmonic to two notes), the mean power of the note's first and second
// harmonics in the model's predicted means (out[t * K], the Gaussian head's outputs)
// against the recording target[t], as the squared difference of their logarithms, each
// power floored at 1e-3 x the block's mean square. A fundamental 4 dB too weak costs as
// much on a quiet note as on a loud one, where the likelihood hardly notices it, and a
// weak fundamental is what a loop that loses it turns an octave up. Returns the mean over
// those blocks (0 when none) and writes its derivative by each out[t * K] into dmean[T]
// (0 outside the blocks). Blocks quieter than CN_WN_HARM_LOSS_FLOOR (mean square, -40 dBFS)
// do not count: in decayed tails the model's predictions sit at its noise floor (the
// Gaussian's smallest scale), 20 dB under the recording's harmonics even in teacher forcing,
// and a log ratio there would outweigh every note that is heard.
#define CN_WN_HARM_LOSS_FLOOR 1e-4
float cn_wn_harmonic_loss(const float *feat, int T, int from, int block, const float *target, const float *out,
                          int K, float *dmean);
// The same as balance and level apart, over all four harmonics: each harmonic's power as a
// share of its own signal's mean square in the block (the predicted means', the recording's), and the log
// ratio of those two mean squares, each squared and summed. A note played 6 dB quiet with
// the recording's balance costs (ln 4)^2 once, not per harmonic; a fundamental faded in a
// note at the right level costs in its share. Without the level term a free-running
// model's level ran away (`--free-run 1`: +24 dB and clipping by 500 steps).
float cn_wn_harmonic_balance_loss(const float *feat, int T, int from, int block, const float *target,
                                  const float *out, int K, float *dmean);

#endif
