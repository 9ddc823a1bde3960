// event_model.c: helpers over the cn_event_model interface.
#include <math.h>

#include "models/melody/cn_event_model.h"

double cn_event_model_log2p(cn_event_model *m, const cn_mevent *e) {
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    m->pitch_probs(m->self, p);
    m->dur_probs(m->self, e->pitch, d);
    m->rest_probs(m->self, e->pitch, e->dur, r);
    double pr = (double)p[e->pitch] * d[e->dur - 1] * r[e->rest];
    return log2(pr > 1e-300 ? pr : 1e-300);
}
