// events.c: melody <-> note events (cn_events.h).
#include <stdlib.h>

#include "cn_events.h"

cn_status cn_events_from_melody(const cn_melody *m, cn_event_seq *out) {
    out->ev = NULL;
    out->n = 0;
    out->lead_rest = 0;
    int i = 0;
    for (; i < m->n && m->notes[i].pitch == CN_REST; i++) out->lead_rest += m->notes[i].dur;
    if (m->n > 0) {
        out->ev = malloc((size_t)m->n * sizeof *out->ev);
        if (!out->ev) return cn_fail(CN_ERR_NOMEM, "out of memory for %d events", m->n);
    }
    for (; i < m->n; i++) {
        const cn_note *nt = &m->notes[i];
        if (nt->pitch == CN_REST) {
            out->ev[out->n - 1].rest += nt->dur; // n > 0: leading rests were skipped
        } else {
            out->ev[out->n++] = (cn_mevent){nt->pitch, nt->dur, 0};
        }
    }
    return CN_OK;
}

cn_status cn_events_to_melody(const cn_event_seq *s, int velocity, cn_melody *out) {
    cn_status st;
    if (s->lead_rest > 0 && (st = cn_melody_push(out, CN_REST, s->lead_rest, 0))) return st;
    for (int i = 0; i < s->n; i++) {
        if ((st = cn_melody_push(out, s->ev[i].pitch, s->ev[i].dur, velocity))) return st;
        if (s->ev[i].rest > 0 && (st = cn_melody_push(out, CN_REST, s->ev[i].rest, 0))) return st;
    }
    return CN_OK;
}

void cn_events_free(cn_event_seq *s) {
    free(s->ev);
    s->ev = NULL;
    s->n = 0;
}
