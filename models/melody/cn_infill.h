// cn_infill: regenerating a stretch of a tune given the music on both sides, with a
// melody transformer trained for it (train --fim; cn_transformer.h). The tune is split
// at two ticks into prefix, middle and suffix; the model reads prefix, SUFFIX(gap),
// suffix, MIDDLE and then writes the middle, each duration and rest drawn only from the
// values that still fit the gap, so the new middle meets the suffix exactly where the
// old one did. Also the bits of a tune's own middle given both sides and given the left
// side only (the same model reading left to right): the measure in docs/melody.md.
#ifndef CN_INFILL_H
#define CN_INFILL_H

#include "models/melody/cn_sample.h"
#include "models/melody/cn_transformer.h"

typedef struct cn_infill_parts {
    cn_event_seq prefix; // events with an onset before the gap; lead_rest = the tune's
    cn_event_seq middle; // the tune's own events in the gap (what infilling replaces)
    cn_event_seq suffix; // events from the first onset at or after the gap's end
    long start;          // tick where the gap starts: the first middle onset, or `from`
    int gap;             // ticks from the gap's start to the suffix's first onset (or the end)
} cn_infill_parts;

// Split a tune (events on its own timeline, unclamped) at ticks from < to: the middle is
// every event with an onset in [from, to). With no onset there, the prefix's last note
// or rest is cut at `from` so there is a gap to fill. Errors: the tune ends before
// `from`, or nothing would remain on either side (from at 0 and to past the end).
cn_status cn_infill_split(const cn_event_seq *tune, long from, long to, cn_infill_parts *out);
void cn_infill_parts_free(cn_infill_parts *p);

// How many prefix (newest) and suffix (oldest) events fit the model's context together
// with the markers and `middle_events` middle events. CN_ERR_RANGE if the middle alone
// does not fit.
cn_status cn_infill_fit(const cn_tf *m, const cn_infill_parts *p, int middle_events, int *n_prefix,
                        int *n_suffix);

// Bits of the tune's own middle: given both sides (the infilling arrangement) and given
// the left side only (left to right, the same prefix). cond may be NULL (all unknown).
cn_status cn_infill_bits(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                         double *bits_both, double *bits_left);

// Draw a new middle of exactly p->gap ticks. m must be trained for infilling (m->fim).
// With candidates > 1, that many middles are drawn and one of them is chosen in
// proportion to the probability the model, reading left to right, gives the suffix's
// first CN_INFILL_JOIN_EVENTS events after it: the infilling arrangement cannot tell
// when its last note comes, so this is what makes the middle lead into the suffix.
// out is initialised here.
#define CN_INFILL_JOIN_EVENTS 4
#define CN_INFILL_MAX_CANDIDATES 64
cn_status cn_infill_sample(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                           const cn_sample_config *cfg, int candidates, cn_rng *rng, cn_event_seq *out);

// The baseline it is measured against: the same draw, made from the left side only
// (no suffix, no markers; any model), so it fits the gap but does not aim at the suffix.
cn_status cn_infill_sample_left(const cn_tf *m, const cn_melody_cond *cond, const cn_infill_parts *p,
                                const cn_sample_config *cfg, cn_rng *rng, cn_event_seq *out);

// The whole tune with `middle` in place of p->middle: prefix, middle, suffix.
cn_status cn_infill_join(const cn_infill_parts *p, const cn_event_seq *middle, cn_event_seq *out);

#endif
