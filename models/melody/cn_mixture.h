// cn_mixture: a cn_event_model that mixes two or more cn_event_models exactly, as a
// mixture of their joint event distributions P_mix(e) = sum_i w_i P_i(e), computed
// factor by factor:
//   P_mix(p)       = sum_i w_i P_i(p)
//   P_mix(d|p)     = sum_i w_i P_i(p) P_i(d|p) / P_mix(p)
//   P_mix(r|p,d)   = sum_i w_i P_i(p) P_i(d|p) P_i(r|p,d) / P_mix(p, d)
// The weights are fixed, or (entropy_bias > 0) re-weighted at every step by IDyOM's
// w_i * (H_i / H_max)^-bias from each part's pitch distribution (known before the
// event, so the mixture stays a proper distribution). This is how the transformer
// gets the memory of the tune: mixed with the n-gram's short-term model.
// The geometric mixture (a product of experts) is instead normalised factor by factor:
//   P_geo(x) = prod_i P_i(x)^a_i / Z   for x = pitch, dur | pitch, rest | pitch, dur,
// which lets a confident part veto what another finds likely (docs/scoring.md).
#ifndef CN_MIXTURE_H
#define CN_MIXTURE_H

#include "models/melody/cn_event_model.h"
#include "core/cn_status.h"

#define CN_MIXTURE_MAX 8

// parts[n] (2 <= n <= CN_MIXTURE_MAX); weights[n] > 0 (NULL = equal). With own != 0 the
// mixture destroys the parts when destroyed (also when creation fails). name is
// copied (NULL = the parts' names joined with '+').
cn_status cn_mixture_create(cn_event_model *const *parts, const double *weights, int n,
                            double entropy_bias, int own, const char *name,
                            cn_event_model **out);

// The geometric mixture with exponents a[n] > 0 (their sum need not be 1); parts, n, own
// and name as above.
cn_status cn_mixture_create_geometric(cn_event_model *const *parts, const double *a, int n,
                                      int own, const char *name, cn_event_model **out);

#endif
