// midi_melody.c: the quantized monophonic melody of one MIDI track (cn_midi.h).
// Onsets and offsets are rounded to the nearest point of the 12-ticks-per-beat grid
// (so abc2midi's 1-tick offsets and 1024/3-tick triplets land exactly). Among notes
// starting together the highest wins; a note still sounding at the next onset is cut
// there; gaps become explicit rests, a leading rest included. A note shorter than half
// a grid step keeps one tick. Meter and key come from the first time and key
// signatures, bpm from the tempo at the first note. Parsing is midi_read.c.
#include <limits.h>
#include <stdlib.h>

#include "models/cn_midi.h"

typedef struct qnote {
    int64_t on, off; // grid ticks
    int pitch, velocity;
} qnote;

// Nearest grid point; ties round up. tick < 2^55 (10M events of 2^28 ticks), so no overflow.
static int64_t quantize(int64_t tick, int ppq) {
    return (tick * 2 * CN_TICKS_PER_BEAT + ppq) / (2 * (int64_t)ppq);
}

static int cmp_qnote(const void *a, const void *b) { // onset, then highest pitch first
    const qnote *x = a, *y = b;
    if (x->on != y->on) return x->on < y->on ? -1 : 1;
    if (x->pitch != y->pitch) return y->pitch - x->pitch;
    return (y->off > x->off) - (y->off < x->off);
}

static cn_status pick_track(const cn_midi *m, int track, int *out) {
    if (track >= m->n_tracks)
        return cn_fail(CN_ERR_ARG, "track %d does not exist (the file has %d tracks, numbered from 0)", track,
                       m->n_tracks);
    if (track >= 0) {
        *out = track;
        return CN_OK;
    }
    int *count = calloc((size_t)m->n_tracks, sizeof *count);
    if (!count) return cn_fail(CN_ERR_NOMEM, "out of memory choosing a melody track");
    for (int i = 0; i < m->n_notes; i++) count[m->notes[i].track]++;
    int best = 0;
    for (int t = 1; t < m->n_tracks; t++)
        if (count[t] > count[best]) best = t;
    free(count);
    *out = best;
    return CN_OK;
}

static cn_status push_checked(cn_melody *mel, int pitch, int64_t dur, int velocity) {
    if (dur > INT_MAX) return cn_fail(CN_ERR_RANGE, "an event of %lld ticks is too long for a melody", (long long)dur);
    return cn_melody_push(mel, pitch, (int)dur, velocity);
}

cn_status cn_melody_from_midi(const cn_midi *m, int track, cn_melody *out) {
    cn_return_val_if_fail(m && out, CN_ERR_ARG);
    cn_melody_init(out);
    cn_status st = pick_track(m, track, &track);
    if (st) return st;
    int n = 0;
    for (int i = 0; i < m->n_notes; i++) n += m->notes[i].track == track;
    if (n == 0) return cn_fail(CN_ERR_FORMAT, "track %d has no notes", track);
    qnote *q = malloc((size_t)n * sizeof *q);
    if (!q) return cn_fail(CN_ERR_NOMEM, "out of memory quantizing %d notes", n);
    int64_t first_tick = -1;
    n = 0;
    for (int i = 0; i < m->n_notes; i++) {
        const cn_midi_note *nt = &m->notes[i];
        if (nt->track != track) continue;
        if (first_tick < 0) first_tick = nt->on_tick; // notes are sorted by onset
        int64_t on = quantize(nt->on_tick, m->ppq), off = quantize(nt->off_tick, m->ppq);
        q[n++] = (qnote){on, off > on ? off : on + 1, nt->pitch, nt->velocity};
    }
    qsort(q, (size_t)n, sizeof *q, cmp_qnote);

    int64_t pos = 0; // end of the melody so far
    for (int i = 0; i < n && !st; i++) {
        if (i > 0 && q[i].on == q[i - 1].on) continue; // a lower note of the same onset
        int next = i + 1;
        while (next < n && q[next].on == q[i].on) next++;
        int64_t end = next < n && q[next].on < q[i].off ? q[next].on : q[i].off;
        if (q[i].on > pos) st = push_checked(out, CN_REST, q[i].on - pos, 0);
        if (!st) st = push_checked(out, q[i].pitch, end - q[i].on, q[i].velocity);
        pos = end;
    }
    free(q);
    if (st) {
        cn_melody_free(out);
        return st;
    }
    if (m->n_timesigs > 0) {
        out->meter_num = m->timesigs[0].num;
        out->meter_den = m->timesigs[0].den;
    }
    if (m->n_keysigs > 0) {
        out->has_key = 1;
        out->key_sharps = m->keysigs[0].sharps;
        out->key_minor = m->keysigs[0].minor;
    }
    int us = m->tempos[0].us_per_beat;
    for (int k = 1; k < m->n_tempos && m->tempos[k].tick <= first_tick; k++) us = m->tempos[k].us_per_beat;
    out->bpm = 60e6 / us;
    return CN_OK;
}
