// cn_melody_train: training and fine-tuning of the melody transformer on a tune set
// (cn_tokenizer.h). Each step draws `batch` random windows of at most ctx events
// (tunes drawn in proportion to their length), transposes each by a random -5..+5
// semitones (key shifted too), hides each conditioning field with probability
// cond_dropout (so "unknown" is learned), and runs forward/backward split over
// `threads` workers, each with its own activations and gradients, summed in worker order:
// the run is a deterministic function of the seed and the thread count. Then gradient
// clipping, warm-up + cosine learning rate, AdamW. Every step draws its data from an
// rng seeded by (seed, step), so resuming from a checkpoint continues the same run.
// With a time budget (max_seconds) the schedule follows the elapsed time instead, so
// a shared machine still ends the run annealed and on time.
// Nothing here prints: progress goes to a callback.
#ifndef CN_MELODY_TRAIN_H
#define CN_MELODY_TRAIN_H

#include <stdint.h>

#include "core/cn_progress.h"
#include "models/melody/cn_tokenizer.h"
#include "models/melody/cn_transformer.h"

// Progress goes to the one callback of long jobs (core/cn_progress.h), in "steps":
// "progress" after every step (loss = this batch's bits/note, teacher-forced, with
// dropout; lr, grad_norm, items_per_s = training tokens/s of this run), "eval" after a
// validation (valid and best in bits/note), "checkpoint" after saving one (path).

typedef struct cn_mtrain_config {
    cn_tf_config arch;        // ignored with init_path / resume_path (taken from the file)
    long steps;               // total optimizer steps (an upper bound with max_seconds)
    double max_seconds;       // > 0: also stop after this much wall time, with the cosine
                              // schedule stretched over the time budget (not deterministic)
    int batch;                // windows per step
    float lr, lr_min;         // peak and final learning rate
    long warmup;              // warm-up steps
    float weight_decay, clip; // AdamW decay on matmul weights; max gradient norm
    float cond_dropout;       // probability of hiding each conditioning field
    int transpose;            // max |semitones| of the augmentation (0 = off)
    float fim_rate;           // share of windows arranged for infilling (prefix, suffix,
                              // then the middle; cn_transformer.h), 0 = none
    uint64_t seed;
    int threads;              // workers (1..CN_PARALLEL_MAX)
    long eval_every;          // steps between validation runs (0 = only at the end)
    long ckpt_every;          // steps between checkpoints (0 = only at the end)
    const char *out_path;     // weights: the best on validation, or the last without one
    const char *ckpt_path;    // resumable checkpoints (weights + AdamW state), NULL = none
    const char *init_path;    // start from these weights (fine-tuning), NULL = random init
    const char *resume_path;  // continue this checkpoint, NULL = fresh; the best validation
                              // score it records is kept, so out_path is only replaced by
                              // better weights
    const char *const *meta;  // extra metadata pairs for saved files (provenance)
    cn_progress_cb progress;
} cn_mtrain_config;

typedef struct cn_mtrain_result {
    long steps;
    float best_val, last_val; // NAN without validation
    double tokens_per_s, elapsed_s;
    size_t n_params;
    float final_lr; // the learning rate of the last step (lr_min when the schedule ended)
} cn_mtrain_result;

// Defaults: 192/4/6/256 transformer, 3000 steps, batch 16, lr 1e-3 -> 1e-4, warm-up 200,
// weight decay 0.1, clip 1, cond dropout 0.3, transpose 5, seed 1, 2 threads, eval every
// 250, checkpoint every 250.
void cn_mtrain_config_default(cn_mtrain_config *c);
cn_status cn_mtrain_run(const cn_mtrain_config *c, const cn_tune_set *train,
                        const cn_tune_set *valid, cn_mtrain_result *res);

// Bits per note of a model on a tune set, every field of the conditioning unknown (as
// `continuo score`), each tune cut into consecutive windows of ctx events (a tune longer
// than the window restarts its context). Work is split over `threads` workers.
cn_status cn_tf_eval_bits(const cn_tf *m, const cn_tune_set *set, int threads, double *bits);

#endif
