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

// Learn the weights within each tune (rate > 0), factor by factor:
// after every observed event each part's weight for the pitch, and its extra factors for
// the duration and the rest (1 at first, which is the exact joint mixture above), move by
// one gradient step of size <= rate on the log probability that factor of the mixture
// gave the event. reset() forgets what was learnt; rate 0 (the default) keeps the
// weights fixed. Each learnt factor stays within e^+-CN_MIXTURE_ADAPT_MAX.
#define CN_MIXTURE_ADAPT_MAX 8.0
cn_status cn_mixture_set_adapt(cn_event_model *mixture, double rate);

#endif
