// cn_wn_io: WaveNet checkpoints as safetensors (docs/DESIGN.md "Model files"). Metadata:
// format "continuo-wavenet", version, the config (layers, cycle, res, gate, skip, emb,
// sample_rate, instruments as a comma-separated list) and free-form training provenance.
// Training checkpoints also carry the AdamW moments ("adam.m", "adam.v") and the step, so
// --resume continues exactly. Writes are atomic (cn_st_write).
#ifndef CN_WN_IO_H
#define CN_WN_IO_H

#include "models/wavenet/cn_wavenet.h"

#define CN_WN_FORMAT "continuo-wavenet"
#define CN_WN_VERSION 2 // 2: pitch-lag audio inputs (in.w, pred.w got CN_WN_NAUDIO columns)
#define CN_WN_LEVELS_TENSOR "level.db" // optional: the level calibration (cn_wn_model.level_db)
#define CN_WN_LEGATO_TENSOR "legato.db" // optional: its table for legato notes (cn_wn_model.legato_db)
#define CN_WN_TARGET_TENSOR "target.db" // optional: the voices' target levels (cn_wn_model.target_db)
#define CN_WN_TARGET_MAX_DB 200           // its values lie within +-200 dB
#define CN_WN_DECAY_TENSOR "decay.db"  // optional: the decay calibration (cn_wn_model.decay_db)
#define CN_WN_EQ_TENSOR "eq.db"        // optional: the spectrum calibration (cn_wn_model.eq_db)

// adam_m/adam_v may be NULL (weights only); provenance may be NULL.
cn_status cn_wn_save(const cn_wn_model *m, const char *path, const float *adam_m,
                     const float *adam_v, long step, const char *provenance);

// Load a model. When adam_m/adam_v are not NULL they receive malloc'd moments (zeros if
// the file has none); *step, when step is not NULL, the step count (0 if none). Every
// tensor's name, shape and values (finite) are checked; errors name the file.
cn_status cn_wn_load(const char *path, cn_wn_model **out, float **adam_m, float **adam_v,
                     long *step);

#endif
