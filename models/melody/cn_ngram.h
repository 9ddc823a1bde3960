// cn_ngram: the adaptive variable-order Markov model of melodies (IDyOM-like), as a
// cn_event_model. Each factor of the next event is predicted by PPM viewpoints:
//   pitch           <- previous pitches; previous intervals (predicting the interval)
//   dur | pitch     <- previous (dur, rest) pairs; the same plus the current interval
//   rest | pitch,dur <- the current dur plus previous (dur, rest) pairs
// Each viewpoint is an interpolated PPM model with escape method C (counts blended from
// the longest context down to order 0 and a uniform order -1), in two copies: the
// long-term model (LTM, counts from a training corpus, shared and read-only) and the
// short-term model (STM, counts from the tune being predicted only, updated by every
// observe()). The STM's order -1 is the LTM's viewpoint distribution, not uniform,
// when both are used. Viewpoints, then LTM and STM, are combined per factor with IDyOM's
// entropy weights w = (H / H_max)^-bias (arithmetic or geometric). The conditioning
// (key, meter, style) is ignored: the model learns the tune's key from the tune.
// See docs/scoring.md for the choices and the numbers they gave.
#ifndef CN_NGRAM_H
#define CN_NGRAM_H

#include "models/melody/cn_event_model.h"
#include "core/cn_status.h"

#define CN_NGRAM_MAX_ORDER 24

typedef struct cn_ngram_config {
    int order;          // longest context of the short-term model, in events
    int ltm_order;      // longest context of the long-term model (<= the LTM's own order)
    int use_ltm;        // predict with the long-term model (needs an LTM)
    int use_stm;        // predict with the short-term model
    double vp_bias;     // entropy-weight exponent combining viewpoints
    double ltm_stm_bias; // entropy-weight exponent combining LTM and STM
    int geometric;      // 1: geometric combination, 0: arithmetic
} cn_ngram_config;

cn_ngram_config cn_ngram_config_default(void);

// The long-term model: counts of a corpus. Create, add tunes, then share (read-only)
// between any number of models; it must outlive them.
typedef struct cn_ngram_ltm cn_ngram_ltm;
cn_status cn_ngram_ltm_create(int order, cn_ngram_ltm **out);
cn_status cn_ngram_ltm_add(cn_ngram_ltm *ltm, const cn_event_seq *tune);
int cn_ngram_ltm_order(const cn_ngram_ltm *ltm);
int cn_ngram_ltm_tunes(const cn_ngram_ltm *ltm); // tunes added so far
void cn_ngram_ltm_destroy(cn_ngram_ltm *ltm);

// Train an LTM of `order` on every .mid file under the given files/directories.
cn_status cn_ngram_ltm_train(int order, const char *const *paths, int n_paths,
                             cn_ngram_ltm **out);

// Save / load an LTM's counts (the shipped default is precomputed: loading it is much
// faster than counting the corpus at every start). A loaded LTM predicts bit for bit as
// the saved one.
cn_status cn_ngram_ltm_save(const cn_ngram_ltm *ltm, const char *path);
cn_status cn_ngram_ltm_load(const char *path, cn_ngram_ltm **out);

// A predictor over ltm (may be NULL when !cfg->use_ltm). The model's destroy() frees
// the model, not the LTM. name is copied (NULL = "ngram").
cn_status cn_ngram_create(const cn_ngram_config *cfg, const cn_ngram_ltm *ltm,
                          const char *name, cn_event_model **out);

#endif
