// cn_melody: the quantized monophonic melody every model works on (docs/DESIGN.md,
// "Melody representation"). Onsets and durations live on a grid of 12 ticks per beat
// (sixteenths and triplets); rests between notes are explicit note events with
// pitch CN_REST. Where notes overlap, the highest wins. This file does not read or
// write MIDI (cn_midi.h) or text (cn_notation.h).
#ifndef CN_MELODY_H
#define CN_MELODY_H

#include <stdint.h>

#include "core/cn_status.h"

#define CN_TICKS_PER_BEAT 12
#define CN_REST (-1)

typedef struct cn_note {
    int pitch;    // MIDI pitch 0..127, or CN_REST
    int dur;      // duration in ticks (12 per beat), > 0
    int velocity; // 1..127 (0 for rests); 90 when unknown
} cn_note;

typedef struct cn_melody {
    cn_note *notes; // [n]
    int n, cap;
    int meter_num, meter_den; // time signature of the start, 0/0 if unknown
    int key_sharps;           // -7..7 (flats negative), valid if has_key
    int key_minor;            // 1 = minor
    int has_key;
    double bpm;               // tempo at the start (120 if the file has none)
} cn_melody;

void cn_melody_init(cn_melody *m);          // empty melody, 4/4 unknown key, 120 bpm
void cn_melody_free(cn_melody *m);          // frees notes; m can be reused after init
cn_status cn_melody_push(cn_melody *m, int pitch, int dur, int velocity);
cn_status cn_melody_copy(cn_melody *dst, const cn_melody *src);
int cn_melody_note_count(const cn_melody *m); // non-rest events
// The mean velocity of the notes (rounded), 90 when there are none: the level at which a
// continuation carries on (the melody models do not predict velocity).
int cn_melody_mean_velocity(const cn_melody *m);
int64_t cn_melody_length_ticks(const cn_melody *m);
// Ticks in a bar of num/den; a bar of 4/4 when there is no time signature (num <= 0).
long cn_bar_ticks(int num, int den);
// Merge adjacent rests, drop zero-length events.
void cn_melody_normalize(cn_melody *m);

#endif
