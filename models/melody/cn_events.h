// cn_events: the unit that melody models predict and `score` counts: one event per
// sounding note = (pitch, duration, rest after it). Rests are folded into the note
// before them, so "bits per note" sums -log2 P(event) over the pitched notes of a tune
// (a rest is part of what is predicted, not a note of its own). A leading rest (the
// pickup padding of Nottingham files) is not an event; it is kept in `lead_rest` so
// a melody can be rebuilt exactly.
#ifndef CN_EVENTS_H
#define CN_EVENTS_H

#include "cn_melody.h"
#include "cn_status.h"

typedef struct cn_mevent {
    int pitch; // 0..127
    int dur;   // ticks (12 per beat), > 0
    int rest;  // ticks of silence after the note, >= 0
} cn_mevent;

typedef struct cn_event_seq {
    cn_mevent *ev; // [n]
    int n;
    int lead_rest; // ticks of silence before the first note
} cn_event_seq;

cn_status cn_events_from_melody(const cn_melody *m, cn_event_seq *out);
cn_status cn_events_to_melody(const cn_event_seq *s, int velocity, cn_melody *out);
void cn_events_free(cn_event_seq *s);

#endif
