// cn_wn_follow: a voice's level follower (the WaveNet plugin). The model's level is
// sticky: a note that a voice carries on into (legato) keeps much of the last note's
// level, so the 48 kHz trumpet's D4 after a D5 sounds 10.7 dB over FluidSynth's and its
// F#4 after that D4 12.2 dB under, which no per-pitch table can correct. Where the model
// has target levels (cn_wn_model.follow: FluidSynth's level per pitch) and the
// instrument sustains (no decay table), a voice measures the model's level as it plays
// (the mean square of its samples before the gain, time constant CN_WN_FOLLOW_MEASURE_S)
// and its level gain glides (CN_WN_FOLLOW_GLIDE_S) to the one that puts the note at its
// target at that time after its onset (FluidSynth's violin and cello swell over half a
// second: linear between the target's knots, cn_wn_decay_times), within
// +-CN_WN_FOLLOW_RANGE_DB of the level table's. It measures a voice's
// first note but waits CN_WN_FOLLOW_WAIT_S (the attack, which the level measurement
// leaves out) before it steers, and it holds through the release (the model's own
// release must fade). Elsewhere the gain is the table's. Audio path: no allocation.
#ifndef CN_WN_FOLLOW_H
#define CN_WN_FOLLOW_H

#include <math.h>
#include <stdint.h>

#include "models/wavenet/cn_wavenet.h"

#define CN_WN_FOLLOW_MEASURE_S 0.02
#define CN_WN_FOLLOW_GLIDE_S 0.02
#define CN_WN_FOLLOW_WAIT_S 0.05
#define CN_WN_FOLLOW_RANGE_DB 12.0

typedef struct cn_wn_follow {
    float ms;     // the model's mean square, measured
    float gain;   // the level gain applied now (at velocity 127, as cn_wn_note_gain)
    float lo, hi; // its range for this note
    int follows;  // 0: the table's gain
    float target[CN_WN_DECAY_KNOTS]; // the note's target level (RMS at velocity 127) at each knot
    int64_t at[CN_WN_DECAY_KNOTS];   // the knots, in samples after the onset
    int64_t t;    // samples since the onset
    int seg;      // the knot segment of t
    int64_t wait; // samples before it steers
    float a_ms, a_gain; // per-sample coefficients at the model's rate
} cn_wn_follow;

// Whether instrument `inst`'s voices follow their target levels.
int cn_wn_follows(const cn_wn_model *m, int inst);
// A note begins: its table gain (cn_wn_note_gain at velocity 127, legato or not) and
// target. A voice's first note (!legato) starts from silence at the table's gain; a legato
// note goes on from the voice's measured level and gain.
void cn_wn_follow_note(cn_wn_follow *f, const cn_wn_model *m, int inst, int pitch, int legato);

// The level gain for the voice's next sample x (before the gain, without its offset);
// `held`: the note has not been released.
static inline float cn_wn_follow_step(cn_wn_follow *f, float x, int held) {
    if (f->follows && held) {
        f->ms += f->a_ms * (x * x - f->ms);
        const int64_t t = f->t++;
        while (f->seg < CN_WN_DECAY_KNOTS - 1 && t >= f->at[f->seg + 1]) f->seg++;
        if (f->wait > 0) f->wait--;
        else {
            const int k = f->seg;
            float target = f->target[k];
            if (t > f->at[0] && k < CN_WN_DECAY_KNOTS - 1)
                target += (f->target[k + 1] - f->target[k]) * (float)(t - f->at[k]) / (float)(f->at[k + 1] - f->at[k]);
            float want = target / sqrtf(f->ms + 1e-20f);
            want = want < f->lo ? f->lo : want > f->hi ? f->hi : want;
            f->gain += f->a_gain * (want - f->gain);
        }
    }
    return f->gain;
}

#endif
