// midi.c: raw MIDI messages to note events (cn_lv2_midi.h).
#include "lv2/cn_lv2_midi.h"

int cn_lv2_midi_event(const uint8_t *msg, uint32_t size, int64_t frame, cn_note_event *ev) {
    if (size < 2 || !(msg[0] & 0x80)) return 0;
    const int kind = msg[0] & 0xf0, d1 = msg[1] & 0x7f, d2 = size > 2 ? msg[2] & 0x7f : 0;
    *ev = (cn_note_event){.frame = frame, .channel = msg[0] & 0x0f};
    switch (kind) {
    case 0x80: ev->type = CN_EV_NOTE_OFF, ev->pitch = d1, ev->velocity = d2; return size >= 3;
    case 0x90:
        ev->type = d2 ? CN_EV_NOTE_ON : CN_EV_NOTE_OFF, ev->pitch = d1, ev->velocity = d2;
        return size >= 3;
    case 0xb0: ev->type = CN_EV_CONTROL, ev->control = d1, ev->value = d2; return size >= 3;
    case 0xc0: ev->type = CN_EV_PROGRAM, ev->value = d1; return 1;
    case 0xe0: ev->type = CN_EV_PITCH_BEND, ev->value = (d2 << 7 | d1) - 8192; return size >= 3;
    default: return 0;
    }
}
