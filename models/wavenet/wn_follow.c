// wn_follow.c: a voice's level follower (cn_wn_follow.h).
#include <stdlib.h>

#include "models/wavenet/cn_wn_follow.h"

cn_status cn_wn_follow_plan_create(const cn_wn_model *m, cn_wn_follow_plan **out) {
    *out = NULL;
    const int n = m->cfg.n_instruments;
    cn_wn_follow_plan *p = calloc(1, sizeof *p);
    if (p) p->target = malloc((size_t)(n > 0 ? n : 1) * sizeof *p->target);
    if (!p || !p->target) {
        free(p);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    }
    const double rate = m->cfg.sample_rate;
    p->follows = m->follow;
    p->a_ms = (float)(1.0 - exp(-1.0 / (CN_WN_FOLLOW_MEASURE_S * rate)));
    p->a_gain = (float)(1.0 - exp(-1.0 / (CN_WN_FOLLOW_GLIDE_S * rate)));
    p->range = (float)pow(10.0, CN_WN_FOLLOW_RANGE_DB / 20.0);
    p->wait = (int64_t)(CN_WN_FOLLOW_WAIT_S * rate + 0.5);
    p->lag = (int64_t)(CN_WN_FOLLOW_MEASURE_S * rate + 0.5);
    for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) p->at[k] = (double)(int64_t)(cn_wn_decay_times[k] * rate + 0.5);
    // The target at velocity 127, as the table's gain: the velocity curve on FluidSynth's level.
    const double v = 127.0 / CN_WN_LEVEL_VELOCITY;
    for (int i = 0; i < n; i++) {
        for (int q = 0; q < 128; q++)
            for (int k = 0; k < CN_WN_DECAY_KNOTS; k++)
                p->target[i][q][k] = (float)(v * v * pow(10.0, m->target_db[i][q][k] / 20.0));
    }
    *out = p;
    return CN_OK;
}

void cn_wn_follow_plan_destroy(cn_wn_follow_plan *p) {
    if (!p) return;
    free(p->target);
    free(p);
}

void cn_wn_follow_note(cn_wn_follow *f, const cn_wn_follow_plan *p, float table, int inst, int pitch,
                       int legato) {
    const int follows = p->follows;
    f->lo = table / p->range;
    f->hi = table * p->range;
    f->target = p->target[inst][pitch & 127];
    f->seg = 0;
    if (!legato || !follows) {
        f->gain = table;
        f->ms = 0.0f;
        f->steer = follows ? p->wait : -1; // here a follower's note is a first note
    } else
        f->steer = 0;
}
