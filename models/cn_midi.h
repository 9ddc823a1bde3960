// cn_midi: Standard MIDI File reading and writing (docs/DESIGN.md).
// Reader: format 0 and 1, running status, sysex/meta skipped or parsed (tempo, time and
// key signatures, text), note-on with velocity 0 as note-off, control and program changes
// and pitch bends kept (aftertouch skipped), any track layout. Every
// length and offset is checked: a malformed file is CN_ERR_FORMAT with a message saying
// where, never a crash. Writer: format 1, 480 ticks per beat, tempo, time and key
// signature when known, an optional text meta event (used to record seeds/settings).
// Writes go to a temporary file renamed into place: never a half-written file.
#ifndef CN_MIDI_H
#define CN_MIDI_H

#include <stddef.h>
#include <stdint.h>

#include "models/cn_melody.h"
#include "core/cn_status.h"

typedef struct cn_midi_note {
    int64_t on_tick, off_tick; // in the file's ticks
    double on_s, off_s;        // seconds via the tempo map
    int pitch, velocity, channel, track;
} cn_midi_note;

// A channel message other than a note: control change, program change or pitch bend.
typedef enum cn_midi_ctrl_type { CN_MIDI_CONTROL = 0, CN_MIDI_PROGRAM = 1, CN_MIDI_BEND = 2 } cn_midi_ctrl_type;
typedef struct cn_midi_ctrl {
    int64_t tick;       // first, like the other tick-sorted events
    double s;           // seconds via the tempo map
    int type;           // cn_midi_ctrl_type
    int channel, track;
    int number;         // controller number (CN_MIDI_CONTROL), else 0
    int value;          // controller value 0..127, program 0..127, bend -8192..8191
} cn_midi_ctrl;

typedef struct cn_midi_tempo {
    int64_t tick;
    int us_per_beat;
} cn_midi_tempo;

typedef struct cn_midi_timesig {
    int64_t tick;
    int num, den;
} cn_midi_timesig;

typedef struct cn_midi_keysig {
    int64_t tick;
    int sharps, minor;
} cn_midi_keysig;

typedef struct cn_midi {
    int format, n_tracks, ppq; // ppq: ticks per quarter note (SMPTE time division refused)
    cn_midi_note *notes;       // sorted by on_tick, then pitch
    int n_notes;
    cn_midi_tempo *tempos;     // sorted; tick 0 = 500000 us when the file has none
    int n_tempos;
    cn_midi_timesig *timesigs;
    int n_timesigs;
    cn_midi_keysig *keysigs;
    int n_keysigs;
    cn_midi_ctrl *ctrls;       // sorted by tick, file order at equal ticks
    int n_ctrls;
    char *text;                // concatenated text meta events ("" if none)
} cn_midi;

cn_status cn_midi_read_mem(const uint8_t *data, size_t size, cn_midi **out);
cn_status cn_midi_read_file(const char *path, cn_midi **out);
void cn_midi_destroy(cn_midi *m);
double cn_midi_tick_to_seconds(const cn_midi *m, int64_t tick);
double cn_midi_duration_seconds(const cn_midi *m); // last note-off

// The quantized monophonic melody of one track (track < 0: the track with most notes).
cn_status cn_melody_from_midi(const cn_midi *m, int track, cn_melody *out);

// Write a melody as format-1 SMF, 480 ticks/beat. text may be NULL.
cn_status cn_melody_write_midi(const cn_melody *mel, const char *path, const char *text);
// The same with a key and/or time signature change at melody tick `tick` (where a
// continuation starts in another key or meter than its primer).
typedef struct cn_melody_change {
    int64_t tick;
    int meter_num, meter_den;          // 0: no time signature change
    int has_key, key_sharps, key_minor; // has_key 0: no key change
} cn_melody_change;
cn_status cn_melody_write_midi_change(const cn_melody *mel, const char *path, const char *text,
                                      const cn_melody_change *change);
// Same into a malloc'd buffer (for tests and fuzzers).
cn_status cn_melody_to_midi_mem(const cn_melody *mel, const char *text, uint8_t **data, size_t *size);

#endif
