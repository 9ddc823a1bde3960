// melody_repr.c: the quantized monophonic melody container (cn_melody.h).
#include <stdlib.h>
#include <string.h>

#include "models/cn_melody.h"

void cn_melody_init(cn_melody *m) {
    memset(m, 0, sizeof *m);
    m->bpm = 120.0;
}

void cn_melody_free(cn_melody *m) {
    free(m->notes);
    m->notes = NULL;
    m->n = m->cap = 0;
}

cn_status cn_melody_push(cn_melody *m, int pitch, int dur, int velocity) {
    if (pitch != CN_REST && (pitch < 0 || pitch > 127))
        return cn_fail(CN_ERR_RANGE, "pitch %d outside MIDI range 0..127", pitch);
    if (dur <= 0) return cn_fail(CN_ERR_RANGE, "duration %d ticks is not positive", dur);
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 64;
        cn_note *p = realloc(m->notes, (size_t)cap * sizeof *p);
        if (!p) return cn_fail(CN_ERR_NOMEM, "out of memory growing a melody to %d notes", cap);
        m->notes = p;
        m->cap = cap;
    }
    m->notes[m->n++] = (cn_note){pitch, dur, pitch == CN_REST ? 0 : velocity};
    return CN_OK;
}

cn_status cn_melody_copy(cn_melody *dst, const cn_melody *src) {
    cn_melody_init(dst);
    *dst = *src;
    dst->notes = NULL;
    dst->n = dst->cap = 0;
    for (int i = 0; i < src->n; i++) {
        cn_status st = cn_melody_push(dst, src->notes[i].pitch, src->notes[i].dur, src->notes[i].velocity);
        if (st) {
            cn_melody_free(dst);
            return st;
        }
    }
    return CN_OK;
}

int cn_melody_note_count(const cn_melody *m) {
    int c = 0;
    for (int i = 0; i < m->n; i++) c += m->notes[i].pitch != CN_REST;
    return c;
}

int cn_melody_mean_velocity(const cn_melody *m) {
    long sum = 0;
    int n = 0;
    for (int i = 0; i < m->n; i++)
        if (m->notes[i].pitch != CN_REST && m->notes[i].velocity >= 1 && m->notes[i].velocity <= 127) {
            sum += m->notes[i].velocity;
            n++;
        }
    return n ? (int)((sum + n / 2) / n) : 90;
}

long cn_bar_ticks(int num, int den) {
    if (num <= 0 || den <= 0) num = den = 4;
    return (long)num * 4 * CN_TICKS_PER_BEAT / den;
}

int64_t cn_melody_length_ticks(const cn_melody *m) {
    int64_t t = 0;
    for (int i = 0; i < m->n; i++) t += m->notes[i].dur;
    return t;
}

void cn_melody_normalize(cn_melody *m) {
    int w = 0;
    for (int i = 0; i < m->n; i++) {
        cn_note nt = m->notes[i];
        if (nt.dur <= 0) continue;
        if (nt.pitch == CN_REST && w > 0 && m->notes[w - 1].pitch == CN_REST) {
            m->notes[w - 1].dur += nt.dur;
            continue;
        }
        m->notes[w++] = nt;
    }
    m->n = w;
}
