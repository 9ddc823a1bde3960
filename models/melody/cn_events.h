// cn_events: the unit that melody models predict and `score` counts: one event per
// sounding note = (pitch, duration, rest after it). Rests are folded into the note
// before them, so "bits per note" sums -log2 P(event) over the pitched notes of a tune
// (a rest is part of what is predicted, not a note of its own). A leading rest (the
// pickup padding of Nottingham files) is not an event; it is kept in `lead_rest` so
// a melody can be rebuilt exactly.
#ifndef CN_EVENTS_H
#define CN_EVENTS_H

#include "models/cn_melody.h"
#include "core/cn_status.h"

// Vocabularies shared by every melody model. Durations and rests longer than the
// vocabulary are clamped by cn_events_clamp (and counted, so callers can say so).
#define CN_EV_NPITCH 128 // MIDI pitches 0..127
#define CN_EV_MAX_DUR 96 // ticks (8 beats); dur index = ticks - 1
#define CN_EV_NDUR CN_EV_MAX_DUR
#define CN_EV_MAX_REST 96 // rest index = ticks (0 = no rest)
#define CN_EV_NREST (CN_EV_MAX_REST + 1)

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
// Clamp durations and rests into the vocabularies; returns how many events changed.
int cn_events_clamp(cn_event_seq *s);
// CN_OK when e lies in the vocabularies above, else CN_ERR_RANGE with a message.
cn_status cn_event_check(const cn_mevent *e);
cn_mevent cn_event_clamped(cn_mevent e); // one event, clamped

// Conditioning vocabularies (see cn_event_model.h). Index 0.. of each table.
extern const char *const cn_meter_names[]; // "4/4", "3/4", "6/8", ... NULL-terminated
extern const char *const cn_style_names[]; // "nottingham", "oneills", "ryans", "other", NULL-terminated
int cn_meter_index(int num, int den);       // -1 if not in the table
int cn_meter_cond(int num, int den);        // the conditioning row: the table's, "other" if
                                            // unlisted, -1 (unknown) without a signature
int cn_style_index(const char *name);       // -1 if unknown
#define CN_NLENGTH 8
int cn_length_bucket(int notes);            // 0..CN_NLENGTH-1 (<=32, <=64, <=96, <=128, <=192, <=256, <=384, more)

#endif
