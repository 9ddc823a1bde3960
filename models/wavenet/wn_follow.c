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
    // The target at velocity 127, as the table's gain: the velocity curve on FluidSynth's level.
    const double v = 127.0 / CN_WN_LEVEL_VELOCITY;
    f->target = cn_wn_follows(m, inst) ? (float)(v * v * pow(10.0, m->target_db[inst][pitch & 127] / 20.0)) : 0.0f;
    if (!legato || f->target == 0.0f) {
        f->gain = table;
        f->ms = 0.0f;
        f->wait = legato ? 0 : (int64_t)(CN_WN_FOLLOW_WAIT_S * rate + 0.5);
    } else
        f->wait = 0;
}
