// cn_tf_ensemble: the transformer heard as a transposition ensemble, as a cn_event_model:
// the tune at -spread..+spread semitones (cn_transposed.h), the answers mixed with equal
// weights (cn_mixture.h). The members step together as one cn_tf_batch, so each weight
// matrix is read once per event for all of them.
#ifndef CN_TF_ENSEMBLE_H
#define CN_TF_ENSEMBLE_H

#include "models/melody/cn_event_model.h"
#include "models/melody/cn_transformer.h"
#include "core/cn_status.h"

// 2 * spread + 1 <= CN_TF_MAX_BATCH members; tf must outlive the model. Name "transformer".
cn_status cn_tf_ensemble_create(cn_tf *tf, int spread, cn_event_model **out);

#endif
