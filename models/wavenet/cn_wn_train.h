// cn_wn_train: WaveNet training by teacher forcing on random chunks of a WAV + MIDI data
// set: hand-written forward/backward (cn_wavenet.h) on OpenBLAS, gradients of the chunks
// of a step computed on `threads` workers and summed in a fixed order, gradient clipping,
// AdamW with a warm-up + cosine schedule, atomic checkpoints that --resume continues, and
// pitch-accuracy scoring of checkpoints on held-out notes. One step at a time: the caller
// drives the loop (a whole run with progress reports is cn_wn_run.h). Nothing here prints.
#ifndef CN_WN_TRAIN_H
#define CN_WN_TRAIN_H

#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_data.h"
#include "models/wavenet/cn_wn_free_run.h"
#include "models/wavenet/cn_wn_harmonics.h"

typedef struct cn_wn_train_opts {
    long steps;         // total optimizer steps (a resumed run continues to this count)
    int batch;          // chunks per step
    int chunk;          // samples per chunk
    int warm;           // first samples of a chunk that only fill the receptive field (no loss)
    float lr, lr_min;   // peak and final learning rate
    long warmup;        // linear warm-up steps
    float weight_decay;
    float clip;         // max gradient L2 norm (0: off)
    float input_noise;  // std of noise added to the input samples (robustness to own errors)
    float input_noise_end; // >= 0: the std moves linearly from input_noise at step 0 to this
                           // at the last step (noise growing late in training keeps a model
                           // that fits the data ever closer robust to its own samples); < 0: constant
    float harmonic_noise; // std, relative to the chunk's RMS, of a random mix of the note's
                          // first four harmonics added to the heard samples (0 = off)
    float harmonic_cut; // the note's first and second harmonics in a chunk's heard samples
                        // are each scaled by a random gain in [1 - this, 1], the chunk's
                        // RMS kept (0 = off)
    float harmonic_loss; // weight of cn_wn_harmonic_loss (the levels of the first two
                         // harmonics in the predicted means against the recording's) added
                         // to the likelihood (0 = off; the Gaussian head only)
    float free_run;     // weight of the harmonic balance loss on what the model plays from its
                        // own output from warm on (cn_wn_free_run.h; 0 = off; the Gaussian head only)
    float free_run_spectrum; // weight of the MR-STFT distance of that output to the recording
                             // (0 = off); the free run plays when either weight is on
    int free_run_passes; // loops through its own output the derivative follows (0 = none)
    uint32_t free_run_skip; // bit i set: instrument i's chunks play no free run (the likelihood alone)
    float free_run_boost[CN_WN_MAX_INSTRUMENTS]; // instrument i's chunks weigh the balance loss
                            // free_run x this (default 1); late in a run that loss speeds the
                            // guitar's and clarinet's drift out of tune (docs/wavenet.md)
    float self_feed;    // share of a chunk's heard samples replaced by the model's own
                        // (parallel scheduled sampling, Duckworth et al. 2019): 0 = off
    int self_feed_passes; // forward passes that make those samples, each hearing the last's
    int threads;        // workers (1..CN_PARALLEL_MAX)
    uint64_t seed;
} cn_wn_train_opts;

// batch 8, chunk 4096, warm 1024, lr 2e-3 -> 1e-4, warm-up 100, wd 0.01, clip 1, noise 0
// (constant), no self-feeding (1 pass when on), no free run (4 passes when on), 1 thread,
// seed 1.
void cn_wn_train_opts_default(cn_wn_train_opts *o);
// The input noise std of step `step` (0-based) under o's schedule.
float cn_wn_input_noise_at(const cn_wn_train_opts *o, long step);

struct cn_rng;
// Parallel scheduled sampling of one chunk of T samples (feat[T][CN_WN_NFEAT] its note
// features): `passes` times (0: none), one forward pass over the inputs built from heard
// + noise (both [CN_WN_HISTORY + T - 1], the chunk's history first; noise may be NULL),
// then each sample of the chunk from warm on is replaced in heard, with probability p
// (draws from r), by the model's temperature-0 prediction of it: what generation at the
// shipped temperature feeds back. Ends by writing past = heard + noise and the chunk's
// audio inputs audio[T][CN_WN_NAUDIO] from it. a: activations for T samples.
void cn_wn_self_feed(const cn_wn_model *m, cn_wn_acts *a, const float *feat, int instrument, int T,
                     int warm, float p, int passes, struct cn_rng *r, float *heard, const float *noise,
                     float *past, float *audio);

typedef struct cn_wn_trainer cn_wn_trainer;

// The trainer takes the model and the optional moments (from cn_wn_load; NULL = zeros;
// the trainer owns and frees them, also when create fails) and trains on ds (both must outlive it). Instrument indices of ds are model indices.
cn_status cn_wn_trainer_create(cn_wn_model *m, const cn_wn_dataset *ds,
                               const cn_wn_train_opts *o, float *adam_m, float *adam_v,
                               long step, cn_wn_trainer **out);
void cn_wn_trainer_destroy(cn_wn_trainer *t);
// One optimizer step; *loss = its mean loss (nats per sample). Under MPI (models/nn/cn_dist.h)
// it is collective: each rank computes its share of the batch's chunks, one allreduce sums
// the gradients, and every rank takes the same AdamW step. Fails only when that fails.
cn_status cn_wn_trainer_step(cn_wn_trainer *t, float *loss);
long cn_wn_trainer_steps_done(const cn_wn_trainer *t);
// The free-run losses of the last step (cn_wn_free_run.h), unweighted: each one's mean over
// the chunks that had one, over the ranks; 0 when off or none did.
cn_wn_free_run_losses cn_wn_trainer_free_run_losses(const cn_wn_trainer *t);
// Whether options o play the free run (either of its weights on).
int cn_wn_train_free_run_on(const cn_wn_train_opts *o);
// Seconds since the first step began, as rank 0 measured them during the last step: the
// same number on every rank, for a time budget that stops all ranks at the same step.
double cn_wn_trainer_clock(const cn_wn_trainer *t);
// Checkpoint with optimizer state and the step (atomic).
cn_status cn_wn_trainer_save(const cn_wn_trainer *t, const char *path, const char *provenance);

// ---- evaluation ------------------------------------------------------------------------------
// Render n frames of notes (seed, temperature) into audio[n], one stream as a voice alone
// plays them (no tables), and score its pitch accuracy
// (dsp/cn_pitch_accuracy.h: YIN, 10 ms frames inside notes, 50 cents, unvoiced = miss).
cn_status cn_wn_eval_pitch(const cn_wn_model *m, int instrument, const cn_timed_note *notes,
                           int n_notes, int64_t n, float temperature, uint64_t seed,
                           float *audio, double *accuracy);
// Pitch accuracy of given audio against notes in frames.
cn_status cn_wn_pitch_accuracy(const float *audio, int64_t n, int sample_rate,
                               const cn_timed_note *notes, int n_notes, double *accuracy);

#endif
