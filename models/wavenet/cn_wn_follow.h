// cn_wn_follow: a voice's level follower (the WaveNet plugin). The model's level is
// sticky: a note that a voice carries on into (legato) keeps much of the last note's
// level, so the 48 kHz trumpet's D4 after a D5 sounds 10.7 dB over FluidSynth's and its
// F#4 after that D4 12.2 dB under, which no per-pitch table can correct; and a fine-tune's
// struck notes at one pitch can differ among themselves by more than 6 dB. Where the model
// has target levels (cn_wn_model.follow: FluidSynth's level per pitch and time after the
// onset), a voice measures the model's level as it plays (the mean square of its samples
// after the decay table and before the gain, time constant CN_WN_FOLLOW_MEASURE_S) and its
// level gain glides (CN_WN_FOLLOW_GLIDE_S) to the one that puts the note at its target at
// that time after its onset, less the measure's lag (FluidSynth's violin and cello swell
// over half a second, its piano falls: linear between the target's knots,
// cn_wn_decay_times), within +-CN_WN_FOLLOW_RANGE_DB of the level table's. It measures a voice's
// first note but waits CN_WN_FOLLOW_WAIT_S (the attack, which the level measurement
// leaves out) before it steers, and it holds through the release (the model's own
// release must fade). Elsewhere the gain is the table's.
//
// Everything that depends only on the model (whether it follows, the targets in
// amplitude, the knots in samples, the coefficients) is worked out once, in a plan made
// where the voices are (the plugin's prepare): a note-on on the audio path only copies.
#ifndef CN_WN_FOLLOW_H
#define CN_WN_FOLLOW_H

#include <math.h>
#include <stdint.h>

#include "core/cn_status.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_levels.h"

#define CN_WN_FOLLOW_MEASURE_S 0.02
#define CN_WN_FOLLOW_GLIDE_S 0.02
#define CN_WN_FOLLOW_WAIT_S 0.05
#define CN_WN_FOLLOW_RANGE_DB 12.0

typedef struct cn_wn_follow_plan {
    int follows;                          // the model has targets (cn_wn_model.follow)
    double at[CN_WN_DECAY_KNOTS];         // the knots, in model samples after the onset
    float a_ms, a_gain;                   // per-sample coefficients at the model's rate
    float range;                          // CN_WN_FOLLOW_RANGE_DB in amplitude
    int64_t wait;                         // CN_WN_FOLLOW_WAIT_S in samples
    int64_t lag;                          // CN_WN_FOLLOW_MEASURE_S in samples: the measure's lag
    float (*target)[128][CN_WN_DECAY_KNOTS]; // [instrument]: RMS at velocity 127 per knot
} cn_wn_follow_plan;

typedef struct cn_wn_follow {
    float ms;            // the model's mean square, measured
    float gain;          // the level gain applied now (at velocity 127, as cn_wn_note_gain)
    float lo, hi;        // its range for this note
    int seg;             // the knot segment of the last sample
    int64_t steer;       // the sample after the onset from which it steers; -1: never (the table's gain)
    const float *target; // the note's target at each knot (the plan's row)
} cn_wn_follow;

cn_status cn_wn_follow_plan_create(const cn_wn_model *m, cn_wn_follow_plan **out);
void cn_wn_follow_plan_destroy(cn_wn_follow_plan *p);

// A note of (inst, pitch) begins with level table gain `table` (cn_wn_note_gain at
// velocity 127, legato or not). A voice's first note (!legato) starts from silence at the
// table's gain; a legato note goes on from the voice's measured level and gain.
void cn_wn_follow_note(cn_wn_follow *f, const cn_wn_follow_plan *p, float table, int inst, int pitch,
                       int legato);

// The level gain for the voice's sample x (before the gain, without its offset), `t`
// samples after the note's onset (consecutive from 0); `held`: not released yet.
static inline float cn_wn_follow_step(cn_wn_follow *f, const cn_wn_follow_plan *p, float x, int64_t t,
                                      int held) {
    if (f->steer >= 0 && held) {
        f->ms += p->a_ms * (x * x - f->ms);
        // The measure lags the model by about its time constant, so it is held against the
        // target as it was then: against the target now, a note falling 30 dB/s (a piano's
        // early decay) would sit about 0.5 dB low.
        const float target = cn_wn_knots_at(f->target, p->at, (double)(t > p->lag ? t - p->lag : 0), &f->seg);
        if (t >= f->steer) {
            float want = target / sqrtf(f->ms + 1e-20f);
            want = want < f->lo ? f->lo : want > f->hi ? f->hi : want;
            f->gain += p->a_gain * (want - f->gain);
        }
    }
    return f->gain;
}

#endif
