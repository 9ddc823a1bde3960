// cn_sample: running a melody predictor (cn_event_model) over events: scoring a tune
// in bits, drawing the next event factor by factor (pitch, then duration given the
// pitch, then rest given both) with temperature / top-k / top-p, and beam search for
// the continuation of highest total log-probability (beam.c). Every random draw comes
// from the caller's cn_rng, so the same seed gives the same events.
#ifndef CN_SAMPLE_H
#define CN_SAMPLE_H

#include "core/cn_progress.h"
#include "models/melody/cn_event_model.h"
#include "models/nn/cn_rng.h"
#include "core/cn_status.h"

// Total bits of a tune: reset(cond or all unknown when NULL), then for each event
// -log2 P(event | events before it), observed after being scored.
cn_status cn_event_model_score(cn_event_model *m, const cn_melody_cond *cond,
                               const cn_event_seq *tune, double *bits);

typedef struct cn_sample_config {
    double temperature; // > 0; 1 = the model's distribution
    int top_k;          // keep the k most likely values of each factor (0 = all)
    double top_p;       // keep the smallest set with this much mass (1 = all), in (0, 1]
} cn_sample_config;

cn_sample_config cn_sample_config_default(void);
// CN_ERR_RANGE with a message when a field is out of range.
cn_status cn_sample_config_check(const cn_sample_config *cfg);

// Draw an index of probs[n] after temperature, top-k and top-p.
int cn_sample_index(const float *probs, int n, const cn_sample_config *cfg, cn_rng *rng);

// The indices of the k largest of probs[n] (n <= 128), most likely first, ties by
// index; returns min(k, n).
int cn_top_indices(const float *probs, int n, int k, int *idx);

// How long a continuation is: max_events events (0 = no limit), and/or until the
// continuation spans at least max_ticks (0 = no limit; the last event is then cut
// so it ends exactly there). At least one limit must be set.
typedef struct cn_gen_limit {
    int max_events;
    int max_ticks;
    cn_progress_cb progress; // optional: events (or ticks, with max_ticks) done so far
} cn_gen_limit;
// Account for e, the next event after *ticks of continuation: when it reaches
// lim->max_ticks, shorten it (rest first) to end exactly there and return 1.
int cn_gen_limit_step(const cn_gen_limit *lim, long long *ticks, cn_mevent *e);

// Sample a continuation of what m has observed; each drawn event is observed.
// out is initialised here.
cn_status cn_sample_continue(cn_event_model *m, const cn_sample_config *cfg, cn_rng *rng,
                             const cn_gen_limit *lim, cn_event_seq *out);

// Beam search (beam.c): the continuation maximising total log2-probability, keeping
// `width` hypotheses and expanding each with its `width` best pitches, durations and
// rests. Deterministic. Needs m->clone; m itself is left as it was (not observed).
cn_status cn_beam_continue(cn_event_model *m, int width, const cn_gen_limit *lim,
                           cn_event_seq *out, double *log2p);

#endif
