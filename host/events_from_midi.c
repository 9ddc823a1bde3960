// events_from_midi.c: MIDI notes, controls, program changes and bends -> events at
// absolute sample frames (cn_playback.h).
#include <math.h>
#include <stdlib.h>

#include "host/cn_playback.h"

static const int ctrl_event_type[] = {[CN_MIDI_CONTROL] = CN_EV_CONTROL, [CN_MIDI_PROGRAM] = CN_EV_PROGRAM,
                                      [CN_MIDI_BEND] = CN_EV_PITCH_BEND};

cn_status cn_note_events_from_midi(const cn_midi *m, double rate, cn_note_event **ev, int *n,
                                   int64_t *end, int *drums) {
    if (m->n_notes <= 0) return cn_fail(CN_ERR_FORMAT, "the MIDI file has no notes");
    cn_note_event *e = malloc(((size_t)m->n_notes * 2 + (size_t)m->n_ctrls) * sizeof *e);
    if (!e) return cn_fail(CN_ERR_NOMEM, "out of memory for %d notes", m->n_notes);
    int64_t last = 0;
    int k = 0, skipped = 0;
    for (int i = 0; i < m->n_notes; i++) {
        const cn_midi_note *note = &m->notes[i];
        if (note->channel == CN_MIDI_DRUM_CHANNEL) { // GM percussion: not pitches, no kit yet
            skipped++;
            continue;
        }
        int64_t on = llround(note->on_s * rate), off = llround(note->off_s * rate);
        if (off <= on) off = on + 1; // a zero-length note still sounds one sample
        int vel = note->velocity < 1 ? 1 : note->velocity > 127 ? 127 : note->velocity;
        cn_note_event a = CN_NOTE(on, CN_EV_NOTE_ON, note->pitch, vel), b = CN_NOTE(off, CN_EV_NOTE_OFF, note->pitch, 0);
        a.channel = b.channel = note->channel;
        e[k++] = a;
        e[k++] = b;
        if (off > last) last = off;
    }
    if (drums) *drums = skipped;
    if (!k) {
        free(e);
        return cn_fail(CN_ERR_FORMAT, "the MIDI file has only drum notes (channel 10), which continuo does not play yet");
    }
    for (int i = 0; i < m->n_ctrls; i++) {
        const cn_midi_ctrl *c = &m->ctrls[i];
        if (c->channel == CN_MIDI_DRUM_CHANNEL) continue;
        int64_t at = llround(c->s * rate);
        e[k++] = (cn_note_event){.frame = at > last ? last : at, .type = ctrl_event_type[c->type],
                                 .control = c->number, .value = c->value, .channel = c->channel};
    }
    *ev = e;
    *n = k;
    *end = last;
    return CN_OK;
}
