// wn_follow.c: a voice's level follower (cn_wn_follow.h).
#include "models/wavenet/cn_wn_follow.h"
#include "models/wavenet/cn_wn_levels.h"

int cn_wn_follows(const cn_wn_model *m, int inst) { return m->follow && !cn_wn_decay_set(m, inst); }

void cn_wn_follow_note(cn_wn_follow *f, const cn_wn_model *m, int inst, int pitch, int legato) {
    const double rate = m->cfg.sample_rate, range = pow(10.0, CN_WN_FOLLOW_RANGE_DB / 20.0);
    const float table = cn_wn_note_gain(m, inst, pitch, 127, legato);
    f->a_ms = (float)(1.0 - exp(-1.0 / (CN_WN_FOLLOW_MEASURE_S * rate)));
    f->a_gain = (float)(1.0 - exp(-1.0 / (CN_WN_FOLLOW_GLIDE_S * rate)));
    f->lo = (float)(table / range);
    f->hi = (float)(table * range);
    // The target at velocity 127, as the table's gain: the velocity curve on FluidSynth's
    // level; linear in amplitude between knots.
    const double v = 127.0 / CN_WN_LEVEL_VELOCITY;
    f->follows = cn_wn_follows(m, inst);
    for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) {
        f->target[k] = (float)(v * v * pow(10.0, m->target_db[inst][pitch & 127][k] / 20.0));
        f->at[k] = (int64_t)(cn_wn_decay_times[k] * rate + 0.5);
    }
    f->t = 0;
    f->seg = 0;
    if (!legato || !f->follows) {
        f->gain = table;
        f->ms = 0.0f;
        f->wait = legato ? 0 : (int64_t)(CN_WN_FOLLOW_WAIT_S * rate + 0.5);
    } else
        f->wait = 0;
}
