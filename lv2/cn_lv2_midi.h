// cn_lv2_midi: one raw MIDI message (an LV2 midi:MidiEvent's bytes) as a note event of the
// plugin ABI, so the LV2 instrument's voices hear what the render path's do: note on and
// off (a note-on of velocity 0 is an off), control change, program change, pitch bend,
// each with its channel.
#ifndef CN_LV2_MIDI_H
#define CN_LV2_MIDI_H

#include <stdint.h>

#include "engine/cn_plugin.h"

// 1 and *ev set when the message is one of those (running status is not part of LV2
// events), 0 for anything else (system messages, aftertouch, short messages).
int cn_lv2_midi_event(const uint8_t *msg, uint32_t size, int64_t frame, cn_note_event *ev);

#endif
