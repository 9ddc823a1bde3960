// cn_wn_run.h: a whole WaveNet training run, as `continuo train wavenet` does it: load or
// create the model (fine-tuning grows the instrument table), read the WAV + MIDI folders,
// train, checkpoint, score checkpoints for pitch accuracy on validation folders and keep
// the best weights. Nothing here prints: everything goes to the progress callback.
#ifndef CN_WN_RUN_H
#define CN_WN_RUN_H

#include "core/cn_progress.h"
#include "models/wavenet/cn_wn_train.h"

typedef struct cn_wn_run_config {
    cn_wn_train_opts o;      // optimizer, batches, threads, seed
    cn_wn_config arch;       // a fresh model's architecture (instruments come from the data)
    const char *const *data; // training folders DIR/NAME.wav + NAME.mid; the instrument is
    int n_data;              // the folder name
    const char *const *eval; // validation folders (may be none)
    int n_eval;
    const char *init;        // fine-tune from this model, or NULL
    const char *resume;      // continue this checkpoint, or NULL (not with init)
    const char *out;         // checkpoints (weights + optimizer state)
    const char *best;        // the best-scoring checkpoint's weights, or NULL (needs eval)
    double max_seconds;      // > 0: stop after this long, with a checkpoint
    long stop_at;            // > 0: stop after this step, with a checkpoint (the learning-rate
                             // and noise schedules still run to o.steps)
    double lag_ms;           // onset delay of the renderings: frames dropped per file
    double eval_seconds;     // scored from the start of each validation file
    float eval_temperature;  // sampling temperature of that scoring
    long ckpt_every;         // steps between checkpoints and evaluations
    const char *free_run_skip; // NULL or instrument names, separated by commas, whose chunks
                               // play no free run (o.free_run_skip from them)
    const char *free_run_boost; // NULL or NAME=F pairs, separated by commas: instrument NAME's
                                // balance loss weighs F x o.free_run (o.free_run_boost)
    cn_progress_cb progress;
} cn_wn_run_config;

// Defaults: cn_wn_train_opts_default, cn_wn_config_default, lag 7 ms, 6 s scored per file
// at temperature 0, checkpoints every 200 steps.
void cn_wn_run_config_default(cn_wn_run_config *c);

// Reports, in "steps": "start" (detail: the model and data), "progress" after each step
// (loss and its moving average in nats/sample, items_per_s = samples/s), "checkpoint"
// (path), "eval" (valid = mean pitch accuracy, detail = both means, whether it is in tune
// and per-file pitch accuracy / MR-STFT distance; done = 0 for the existing best file of a
// resumed run),
// "best" (path, valid = its pitch accuracy, detail = its scores; cn_wn_best's rule).
cn_status cn_wn_train_run(const cn_wn_run_config *c);

// A model's scores on its validation set `ev` (clips of its instruments): the first
// `seconds` of each clip played at `temperature` as the plugin's voices play it
// (cn_wn_voice_render: velocity CN_WN_LEVEL_VELOCITY, legato phrases where the model has
// them), rendered on `threads`. Pitch accuracy is read through the model's decay and
// spectrum tables, as a listener hears it (the fine-tuned trumpet's E4 is in tune without
// its spectrum table and reads an octave and a fifth high through it); the MR-STFT distance
// to the recording and the notes that swell (cn_wn_note_shape.h) without them: the tables are
// fitted to the model they were calibrated on, and a fine-tune carries its init's until it
// is calibrated again, and through them its timbre is judged against a correction made for
// another model (docs/wavenet.md, "Validation and the kept checkpoint"). Returns the means over the clips and whether it is in tune (below);
// detail (size bytes) gets the same with what is out of tune, the swelling notes per
// instrument and each clip's figures. pitch = -1 when a clip failed (detail says why).
typedef struct cn_wn_score {
    double pitch, mrstft; // means over the validation clips; pitch < 0: none / failed
    int in_tune;          // every instrument >= CN_WN_BEST_PITCH_SHARE of its recordings' accuracy
} cn_wn_score;
cn_wn_score cn_wn_validate(const cn_wn_model *m, const cn_wn_dataset *ev, double seconds, float temperature,
                           int threads, char *detail, size_t size);

// Which checkpoint `best` keeps: in tune first, then the closest spectrum. A checkpoint
// is in tune when on every instrument of the validation its pitch accuracy is at least
// CN_WN_BEST_PITCH_SHARE of the recording's own (the quality target of docs/wavenet.md;
// the tracker misreads some real notes too); the in-tune one with the lowest MR-STFT
// distance to the recording is kept, so a run that stays in tune keeps its closest-sounding
// checkpoint, late or early. Until one is in tune, a checkpoint is eligible while its mean
// pitch accuracy is within CN_WN_BEST_PITCH_TOL of the best of the run so far, and the
// eligible one with the lowest distance is kept.
#define CN_WN_BEST_PITCH_SHARE 0.95
#define CN_WN_BEST_PITCH_TOL 0.01
typedef struct cn_wn_best {
    double pitch, mrstft; // the kept checkpoint's scores (pitch < 0: none yet)
    int in_tune;          // the kept one is in tune
    double max_pitch;     // the best pitch accuracy offered so far
} cn_wn_best;
void cn_wn_best_init(cn_wn_best *b);
// Offer a checkpoint's scores (pitch < 0: its evaluation failed); returns 1 when it
// becomes the kept one.
int cn_wn_best_offer(cn_wn_best *b, double pitch, double mrstft, int in_tune);

// A copy of *pm with room for `names` as instruments (existing rows kept, new rows the
// mean of the old ones), for fine-tuning on new instruments; *pm is replaced.
cn_status cn_wn_grow_instruments(cn_wn_model **pm, char names[][CN_WN_NAME_MAX], int n_names);

// A copy of *pm with only the instruments `names` (in that order; each must exist): their
// embeddings and level tables, every other weight shared; *pm is replaced. For shipping
// some instruments of a checkpoint (export --instruments).
cn_status cn_wn_keep_instruments(cn_wn_model **pm, char names[][CN_WN_NAME_MAX], int n_names);
// Add src's weights times w to dst's (checkpoint averaging: dst = sum of w_i m_i). Both must
// have the same configuration (architecture, head, rate, instruments in order), else
// CN_ERR_ARG saying what differs.
cn_status cn_wn_add_weights(cn_wn_model *dst, const cn_wn_model *src, float w);

#endif
