// cn_predictor: the melody predictor that `continue` and `score` use, built from a
// --model argument: the shipped transformer (a preset name or a .safetensors file)
// mixed with the adaptive n-gram (long-term model trained on a corpus at start-up plus
// the short-term model of the tune), the n-gram alone, or the transformer alone. The
// transformer is heard as a transposition ensemble: the tune at -2..+2 semitones, the
// five answers mixed (cn_transposed.h), unless single_pass asks for one pass.
#ifndef CN_PREDICTOR_H
#define CN_PREDICTOR_H

#include "models/melody/cn_event_model.h"
#include "models/melody/cn_ngram.h"
#include "core/cn_status.h"
#include "models/melody/cn_transformer.h"

#define CN_PREDICTOR_DEFAULT_MODEL "melody"
// The transformer's transposition ensemble: -SPREAD..+SPREAD semitones, equal weights.
#define CN_PREDICTOR_SPREAD 2
// The arithmetic mixture of transformer and n-gram, re-weighted per note by entropy,
// with weights learnt within each tune (cn_mixture_set_adapt): chosen with `continuo
// bench mixture` on nottingham/valid and on O'Neill's validation fifth, a style the
// transformer may not know (docs/scoring.md).
#define CN_PREDICTOR_TF_WEIGHT 2.0
#define CN_PREDICTOR_NGRAM_WEIGHT 1.0
#define CN_PREDICTOR_ENTROPY_BIAS 0.5
#define CN_PREDICTOR_ADAPT_RATE 0.4

typedef struct cn_predictor_opts {
    const char *model;               // preset name, preset .json or .safetensors; NULL = default
    int ngram_only;                  // no transformer
    int transformer_only;            // no n-gram (nothing trained at start-up)
    const char *const *ngram_data;   // LTM training files/dirs; NULL = nottingham/train
    int n_ngram_data;
    int single_pass;                 // the transformer heard once, not as an ensemble
} cn_predictor_opts;

typedef struct cn_predictor {
    cn_event_model *model;  // the predictor to use
    cn_tf *tf;              // NULL with ngram_only
    cn_ngram_ltm *ltm;      // NULL with transformer_only
    char model_path[1024];  // the transformer file ("" with ngram_only)
    char name[160];         // e.g. "melody-folk+ngram", "ngram", "melody-folk"
} cn_predictor;

// Resolve a --model argument to a transformer file: an existing file (a preset .json is
// read), else a preset found by cn_preset_find (<name>.json or <name>.safetensors in
// $CONTINUO_PRESETS, then in the shipped presets). A preset is a JSON object whose
// "model" (or "weights") names the .safetensors file, relative to the preset's folder.
cn_status cn_predictor_resolve(const char *model, char *path, size_t size);
// Default LTM training data, in the shipped folder: the Nottingham training split.
#define CN_PREDICTOR_NGRAM_DATA "data/melody/nottingham/train"
cn_status cn_predictor_default_ngram_data(char *path, size_t size);
// The default LTM: the shipped precomputed counts of that data (CN_PREDICTOR_NGRAM_LTM,
// made at build time by 'continuo train ngram'), or, when missing, counted at start-up.
#define CN_PREDICTOR_NGRAM_LTM "ngram-nottingham.ltm"
cn_status cn_predictor_default_ltm(int order, cn_ngram_ltm **out);

// The transformer heard at -spread..+spread semitones, mixed with equal weights (spread
// 0: heard once). The model destroys its parts; tf must outlive it.
cn_status cn_predictor_tf_ensemble(cn_tf *tf, int spread, cn_event_model **out);

// The shipped mixture of a transformer model and an n-gram model (own: as
// cn_mixture_create).
cn_status cn_predictor_mix(cn_event_model *tf, cn_event_model *ngram, int own, const char *name,
                           cn_event_model **out);

cn_status cn_predictor_open(const cn_predictor_opts *opts, cn_predictor *out);
void cn_predictor_close(cn_predictor *p);

#endif
