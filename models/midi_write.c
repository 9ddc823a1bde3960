// midi_write.c: writes a cn_melody as a format-1 Standard MIDI File (cn_midi.h).
// Track 0 is the conductor (tempo, time signature, key signature when known, an
// optional text event); track 1 holds the notes on channel 1. 480 ticks per beat, so
// one melody tick (1/12 beat) is 40 file ticks. The bytes come from the one SMF writer
// (cn_smf.h), and files are written atomically. Reading is midi_read.c.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"
#include "models/cn_smf.h"

#define PPQ 480
#define FILE_TICKS_PER_TICK (PPQ / CN_TICKS_PER_BEAT)
#define MAX_VLQ CN_SMF_MAX_VLQ
#define DEFAULT_VELOCITY 90

// ---------------------------------------------------------------- the file

static int is_pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

static cn_status check_melody(const cn_melody *mel, const char *text) {
    if (text && strlen(text) > MAX_VLQ) return cn_fail(CN_ERR_RANGE, "text of %zu bytes too long for MIDI", strlen(text));
    if (!(mel->bpm > 0.0) || 60e6 / mel->bpm > 0xffffff || 60e6 / mel->bpm < 1)
        return cn_fail(CN_ERR_RANGE, "tempo %g bpm cannot be written to MIDI (range 3.6..6e7)", mel->bpm);
    if (mel->has_key && (mel->key_sharps < -7 || mel->key_sharps > 7))
        return cn_fail(CN_ERR_RANGE, "key signature of %d sharps outside -7..7", mel->key_sharps);
    int64_t gap = 0; // ticks since the last event, for the delta-time limit
    for (int i = 0; i < mel->n; i++) {
        const cn_note *nt = &mel->notes[i];
        if (nt->pitch != CN_REST && (nt->pitch < 0 || nt->pitch > 127))
            return cn_fail(CN_ERR_RANGE, "note %d: pitch %d outside MIDI range 0..127", i, nt->pitch);
        if (nt->dur <= 0) return cn_fail(CN_ERR_RANGE, "note %d: duration %d ticks is not positive", i, nt->dur);
        gap = (nt->pitch == CN_REST ? gap : 0) + nt->dur;
        if (gap * FILE_TICKS_PER_TICK > MAX_VLQ)
            return cn_fail(CN_ERR_RANGE, "note %d: %lld ticks without an event is too long for MIDI", i, (long long)gap);
    }
    return CN_OK;
}

// Time and key signature meta events, after `delta` file ticks.
static void signatures(cn_smf *b, uint32_t delta, int meter_num, int meter_den, int has_key, int key_sharps,
                       int key_minor) {
    if (meter_num > 0 && meter_num < 256 && is_pow2(meter_den) && meter_den <= 64) {
        int log2den = 0;
        while ((1 << log2den) < meter_den) log2den++;
        uint8_t ts[4] = {(uint8_t)meter_num, (uint8_t)log2den, 24, 8}; // 24 clocks/click, 8 32nds/beat
        cn_smf_meta(b, delta, 0x58, ts, 4);
        delta = 0;
    }
    if (has_key) {
        uint8_t ks[2] = {(uint8_t)(int8_t)key_sharps, (uint8_t)(key_minor ? 1 : 0)};
        cn_smf_meta(b, delta, 0x59, ks, 2);
    }
}

static void build(const cn_melody *mel, const char *text, const cn_melody_change *change, cn_smf *b) {
    cn_smf_begin(b, 1, 2, PPQ); // format 1: conductor track + notes
    cn_smf_track_begin(b);
    uint32_t us = (uint32_t)(60e6 / mel->bpm + 0.5);
    uint8_t tempo[3] = {(uint8_t)(us >> 16), (uint8_t)(us >> 8), (uint8_t)us};
    cn_smf_meta(b, 0, 0x51, tempo, 3);
    signatures(b, 0, mel->meter_num, mel->meter_den, mel->has_key, mel->key_sharps, mel->key_minor);
    if (text && *text) cn_smf_meta(b, 0, 0x01, text, (uint32_t)strlen(text));
    if (change)
        signatures(b, (uint32_t)(change->tick * FILE_TICKS_PER_TICK), change->meter_num, change->meter_den,
                   change->has_key, change->key_sharps, change->key_minor);
    cn_smf_track_end(b);

    cn_smf_track_begin(b);
    int64_t pending = 0; // melody ticks since the last event written
    for (int i = 0; i < mel->n; i++) {
        const cn_note *nt = &mel->notes[i];
        if (nt->pitch == CN_REST) {
            pending += nt->dur;
            continue;
        }
        int vel = nt->velocity >= 1 && nt->velocity <= 127 ? nt->velocity : DEFAULT_VELOCITY;
        uint8_t on[2] = {(uint8_t)nt->pitch, (uint8_t)vel}, off[2] = {(uint8_t)nt->pitch, 64};
        cn_smf_event(b, (uint32_t)(pending * FILE_TICKS_PER_TICK), 0x90, on, 2);
        cn_smf_event(b, (uint32_t)((int64_t)nt->dur * FILE_TICKS_PER_TICK), 0x80, off, 2);
        pending = 0;
    }
    cn_smf_track_end(b); // a trailing rest is not kept: the file ends at the last note-off
}

cn_status cn_melody_to_midi_mem(const cn_melody *mel, const char *text, uint8_t **data, size_t *size) {
    cn_return_val_if_fail(mel && data && size, CN_ERR_ARG);
    *data = NULL;
    *size = 0;
    cn_status st = check_melody(mel, text);
    if (st) return st;
    cn_smf b;
    build(mel, text, NULL, &b);
    return cn_smf_finish(&b, data, size);
}

cn_status cn_melody_write_midi(const cn_melody *mel, const char *path, const char *text) {
    return cn_melody_write_midi_change(mel, path, text, NULL);
}

cn_status cn_melody_write_midi_change(const cn_melody *mel, const char *path, const char *text,
                                      const cn_melody_change *change) {
    cn_return_val_if_fail(mel && path, CN_ERR_ARG);
    cn_status st = check_melody(mel, text);
    if (!st && change && (change->tick < 0 || (uint64_t)change->tick * FILE_TICKS_PER_TICK > MAX_VLQ))
        st = cn_fail(CN_ERR_RANGE, "signature change at tick %lld is out of range", (long long)change->tick);
    if (st) return st;
    cn_smf b;
    build(mel, text, change, &b);
    return cn_smf_write_file(&b, path);
}
