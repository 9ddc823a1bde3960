// events.c: melody <-> note events (cn_events.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/melody/cn_events.h"

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

cn_mevent cn_event_clamped(cn_mevent e) {
    if (e.dur > CN_EV_MAX_DUR) e.dur = CN_EV_MAX_DUR;
    if (e.rest > CN_EV_MAX_REST) e.rest = CN_EV_MAX_REST;
    return e;
}

int cn_events_clamp(cn_event_seq *s) {
    int changed = 0;
    for (int i = 0; i < s->n; i++) {
        cn_mevent c = cn_event_clamped(s->ev[i]);
        changed += c.dur != s->ev[i].dur || c.rest != s->ev[i].rest;
        s->ev[i] = c;
    }
    return changed;
}

const char *const cn_meter_names[] = {"4/4", "3/4", "2/4", "6/8", "9/8", "12/8", "2/2", "3/2", "other", NULL};
const char *const cn_style_names[] = {"nottingham", "oneills", "ryans", "other", NULL};

int cn_meter_index(int num, int den) {
    char buf[32];
    snprintf(buf, sizeof buf, "%d/%d", num, den);
    for (int i = 0; cn_meter_names[i]; i++)
        if (!strcmp(buf, cn_meter_names[i])) return i;
    return -1;
}

int cn_meter_cond(int num, int den) {
    if (num <= 0 || den <= 0) return -1;
    int m = cn_meter_index(num, den);
    for (int i = 0; m < 0 && cn_meter_names[i]; i++)
        if (!strcmp(cn_meter_names[i], "other")) m = i;
    return m;
}

int cn_style_index(const char *name) {
    for (int i = 0; cn_style_names[i]; i++)
        if (!strcmp(name, cn_style_names[i])) return i;
    return -1;
}

int cn_length_bucket(int notes) {
    static const int edges[CN_NLENGTH - 1] = {32, 64, 96, 128, 192, 256, 384};
    for (int i = 0; i < CN_NLENGTH - 1; i++)
        if (notes <= edges[i]) return i;
    return CN_NLENGTH - 1;
}

cn_status cn_event_check(const cn_mevent *e) {
    if (e->pitch < 0 || e->pitch >= CN_EV_NPITCH || e->dur < 1 || e->dur > CN_EV_MAX_DUR || e->rest < 0 ||
        e->rest > CN_EV_MAX_REST)
        return cn_fail(CN_ERR_RANGE, "event (pitch %d, dur %d, rest %d) outside the vocabulary", e->pitch, e->dur,
                       e->rest);
    return CN_OK;
}
