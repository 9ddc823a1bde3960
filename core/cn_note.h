// cn_note.h: the one timed note of continuo: a note on a timeline of sample frames, as
// the synths play it, the WaveNet is conditioned on it and the pitch metric checks it.
// The other note shapes are a MIDI file's records (cn_midi_note: file ticks and seconds,
// channel, track), a melody's score notes (cn_note: ticks, rests), the melody models'
// events (cn_mevent) and the engine's on/off events (cn_note_event); docs/DESIGN.md
// ("Vocabulary") lists them and every conversion.
#ifndef CN_NOTE_H
#define CN_NOTE_H

#include <stdint.h>

typedef struct cn_timed_note {
    int64_t on, off;    // frames (off > on)
    int pitch;          // MIDI pitch (69 = A4 = 440 Hz)
    int velocity;       // 1..127
} cn_timed_note;

#endif
