// midi_write.c: writes a cn_melody as a format-1 Standard MIDI File (cn_midi.h).
// Track 0 is the conductor (tempo, time signature, key signature when known, an
// optional text event); track 1 holds the notes on channel 1. 480 ticks per beat, so
// one melody tick (1/12 beat) is 40 file ticks. Files are written to PATH.tmp and
// renamed, so a failed write never leaves a partial file. Reading is midi_read.c.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"

#define PPQ 480
#define FILE_TICKS_PER_TICK (PPQ / CN_TICKS_PER_BEAT)
#define MAX_VLQ 0x0fffffffu
#define DEFAULT_VELOCITY 90

// ---------------------------------------------------------------- byte buffer

typedef struct buf {
    uint8_t *d;
    size_t n, cap;
    int failed; // an allocation failed: later writes are ignored, checked once at the end
} buf;

static void put(buf *b, const void *p, size_t n) {
    if (b->failed || n == 0) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n) cap *= 2;
        uint8_t *q = realloc(b->d, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->d = q;
        b->cap = cap;
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put_byte(buf *b, int v) {
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}

static void put_be32(buf *b, uint32_t v) {
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, p, 4);
}

static void put_vlq(buf *b, uint32_t v) { // v <= MAX_VLQ, checked by callers
    uint8_t p[4];
    int n = 0;
    do {
        p[n++] = v & 0x7f;
        v >>= 7;
    } while (v);
    while (n--) put_byte(b, p[n] | (n ? 0x80 : 0));
}

static void put_meta(buf *b, int type, const void *p, uint32_t len) {
    put_byte(b, 0xff);
    put_byte(b, type);
    put_vlq(b, len);
    put(b, p, len);
}

// A track chunk: the header with a length patched once the events are in.
static size_t begin_track(buf *b) {
    put(b, "MTrk", 4);
    put_be32(b, 0);
    return b->n;
}

static void end_track(buf *b, size_t start) {
    put_vlq(b, 0);
    put_meta(b, 0x2f, NULL, 0);
    if (b->failed) return;
    uint32_t len = (uint32_t)(b->n - start);
    uint8_t p[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    memcpy(b->d + start - 4, p, 4);
}

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

cn_status cn_melody_to_midi_mem(const cn_melody *mel, const char *text, uint8_t **data, size_t *size) {
    cn_return_val_if_fail(mel && data && size, CN_ERR_ARG);
    *data = NULL;
    *size = 0;
    cn_status st = check_melody(mel, text);
    if (st) return st;
    buf b = {0};
    put(&b, "MThd", 4);
    put_be32(&b, 6);
    uint8_t hdr[6] = {0, 1, 0, 2, PPQ >> 8, PPQ & 0xff}; // format 1, 2 tracks
    put(&b, hdr, 6);

    size_t t0 = begin_track(&b);
    uint32_t us = (uint32_t)(60e6 / mel->bpm + 0.5);
    uint8_t tempo[3] = {(uint8_t)(us >> 16), (uint8_t)(us >> 8), (uint8_t)us};
    put_vlq(&b, 0);
    put_meta(&b, 0x51, tempo, 3);
    if (mel->meter_num > 0 && mel->meter_num < 256 && is_pow2(mel->meter_den) && mel->meter_den <= 64) {
        int log2den = 0;
        while ((1 << log2den) < mel->meter_den) log2den++;
        uint8_t ts[4] = {(uint8_t)mel->meter_num, (uint8_t)log2den, 24, 8}; // 24 clocks/click, 8 32nds/beat
        put_vlq(&b, 0);
        put_meta(&b, 0x58, ts, 4);
    }
    if (mel->has_key) {
        uint8_t ks[2] = {(uint8_t)(int8_t)mel->key_sharps, (uint8_t)(mel->key_minor ? 1 : 0)};
        put_vlq(&b, 0);
        put_meta(&b, 0x59, ks, 2);
    }
    if (text && *text) {
        put_vlq(&b, 0);
        put_meta(&b, 0x01, text, (uint32_t)strlen(text));
    }
    end_track(&b, t0);

    size_t t1 = begin_track(&b);
    int64_t pending = 0; // melody ticks since the last event written
    for (int i = 0; i < mel->n; i++) {
        const cn_note *nt = &mel->notes[i];
        if (nt->pitch == CN_REST) {
            pending += nt->dur;
            continue;
        }
        int vel = nt->velocity >= 1 && nt->velocity <= 127 ? nt->velocity : DEFAULT_VELOCITY;
        put_vlq(&b, (uint32_t)(pending * FILE_TICKS_PER_TICK));
        put_byte(&b, 0x90);
        put_byte(&b, nt->pitch);
        put_byte(&b, vel);
        put_vlq(&b, (uint32_t)((int64_t)nt->dur * FILE_TICKS_PER_TICK));
        put_byte(&b, 0x80);
        put_byte(&b, nt->pitch);
        put_byte(&b, 64);
        pending = 0;
    }
    end_track(&b, t1); // a trailing rest is not kept: the file ends at the last note-off
    if (b.failed) {
        free(b.d);
        return cn_fail(CN_ERR_NOMEM, "out of memory writing MIDI");
    }
    *data = b.d;
    *size = b.n;
    return CN_OK;
}

cn_status cn_melody_write_midi(const cn_melody *mel, const char *path, const char *text) {
    cn_return_val_if_fail(mel && path, CN_ERR_ARG);
    uint8_t *data;
    size_t size;
    cn_status st = cn_melody_to_midi_mem(mel, text, &data, &size);
    if (st) return st;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp) {
        free(data);
        return cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = cn_fail(CN_ERR_IO, "%s: cannot create (%s)", tmp, strerror(errno));
    } else {
        int bad = fwrite(data, 1, size, f) != size;
        bad |= fclose(f) != 0; // a full disk shows up here at the latest
        if (bad) st = cn_fail(CN_ERR_IO, "%s: write failed (%s)", tmp, strerror(errno));
        else if (rename(tmp, path) != 0) st = cn_fail(CN_ERR_IO, "%s: cannot rename to %s (%s)", tmp, path, strerror(errno));
        if (st) remove(tmp);
    }
    free(tmp);
    free(data);
    return st;
}
