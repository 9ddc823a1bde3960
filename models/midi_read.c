// midi_read.c: Standard MIDI File reader and tempo map (cn_midi.h).
// Parses format 0 and 1 files into a flat, sorted note list plus tempo, time and key
// signature events and the text meta events. Every length and offset is checked
// against the buffer before use; anything malformed is CN_ERR_FORMAT naming the track
// and byte offset. It does not build melodies (midi_melody.c) or write (midi_write.c).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"

#define MAX_FILE_BYTES (64u << 20) // refuse bigger files: no melody file is near this
#define MAX_EVENTS 10000000L       // across all tracks
#define DEFAULT_US_PER_BEAT 500000 // 120 bpm, the SMF default

// ---------------------------------------------------------------- growable arrays

// Grow *p (element size sz) so that index n fits; cap doubles.
static cn_status grow(void **p, int *cap, int n, size_t sz) {
    if (n < *cap) return CN_OK;
    int c = *cap ? *cap * 2 : 64;
    void *q = realloc(*p, (size_t)c * sz);
    if (!q) return cn_fail(CN_ERR_NOMEM, "out of memory reading MIDI (%d events)", c);
    *p = q;
    *cap = c;
    return CN_OK;
}

// ---------------------------------------------------------------- parser state

typedef struct reader {
    const uint8_t *d;
    size_t size;
    cn_midi *m;
    int cap_notes, cap_tempos, cap_timesigs, cap_keysigs, cap_ctrls;
    size_t text_len, text_cap;
    long events;
    // Open notes: a FIFO per (channel, pitch) linked through `link` (indices into
    // m->notes), so repeated note-ons of one pitch are closed oldest first.
    int head[16 * 128], tail[16 * 128];
    int *link;
    int cap_link, n_open;
} reader;

typedef struct track_pos {
    size_t pos, end; // absolute offsets of the next byte and of the chunk end
    int track;
} track_pos;

static cn_status truncated(const track_pos *t) {
    return cn_fail(CN_ERR_FORMAT, "truncated track %d at byte %zu", t->track, t->pos);
}

static cn_status read_byte(reader *r, track_pos *t, uint8_t *b) {
    if (t->pos >= t->end) return truncated(t);
    *b = r->d[t->pos++];
    return CN_OK;
}

// Variable-length quantity: at most 4 bytes (28 bits), as the SMF spec allows.
static cn_status read_vlq(reader *r, track_pos *t, uint32_t *out) {
    uint32_t v = 0;
    size_t start = t->pos;
    for (int i = 0; i < 4; i++) {
        uint8_t b = 0;
        cn_status st = read_byte(r, t, &b);
        if (st) return st;
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80)) {
            *out = v;
            return CN_OK;
        }
    }
    return cn_fail(CN_ERR_FORMAT, "variable-length quantity longer than 4 bytes in track %d at byte %zu",
                   t->track, start);
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// ---------------------------------------------------------------- notes

static cn_status note_on(reader *r, int64_t tick, int ch, int pitch, int vel, int track) {
    cn_midi *m = r->m;
    cn_status st = grow((void **)&m->notes, &r->cap_notes, m->n_notes, sizeof *m->notes);
    if (!st) st = grow((void **)&r->link, &r->cap_link, m->n_notes, sizeof *r->link);
    if (st) return st;
    int i = m->n_notes++;
    m->notes[i] = (cn_midi_note){.on_tick = tick, .off_tick = -1, .pitch = pitch, .velocity = vel,
                                 .channel = ch, .track = track};
    int k = ch * 128 + pitch;
    r->link[i] = -1;
    if (r->tail[k] >= 0) r->link[r->tail[k]] = i;
    else r->head[k] = i;
    r->tail[k] = i;
    r->n_open++;
    return CN_OK;
}

// Close the oldest open note of (ch, pitch); a note-off without one is ignored.
static void note_off(reader *r, int64_t tick, int ch, int pitch) {
    int k = ch * 128 + pitch, i = r->head[k];
    if (i < 0) return;
    r->m->notes[i].off_tick = tick;
    r->head[k] = r->link[i];
    if (r->head[k] < 0) r->tail[k] = -1;
    r->n_open--;
}

// Notes still sounding at the end of a track end there.
static void close_open_notes(reader *r, int64_t tick) {
    if (r->n_open == 0) return; // the usual case: skip the scan
    r->n_open = 0;
    for (int k = 0; k < 16 * 128; k++) {
        for (int i = r->head[k]; i >= 0; i = r->link[i]) r->m->notes[i].off_tick = tick;
        r->head[k] = r->tail[k] = -1;
    }
}

static cn_status channel_ctrl(reader *r, int64_t tick, int type, int ch, int number, int value, int track) {
    cn_midi *m = r->m;
    cn_status st = grow((void **)&m->ctrls, &r->cap_ctrls, m->n_ctrls, sizeof *m->ctrls);
    if (st) return st;
    m->ctrls[m->n_ctrls++] = (cn_midi_ctrl){.tick = tick, .type = type, .channel = ch, .track = track,
                                            .number = number, .value = value};
    return CN_OK;
}

// ---------------------------------------------------------------- meta events

static cn_status append_text(reader *r, const uint8_t *p, uint32_t len) {
    size_t need = r->text_len + len + 2;
    if (need > r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap : 256;
        while (cap < need) cap *= 2;
        char *q = realloc(r->m->text, cap);
        if (!q) return cn_fail(CN_ERR_NOMEM, "out of memory collecting MIDI text (%zu bytes)", cap);
        r->m->text = q;
        r->text_cap = cap;
    }
    char *s = r->m->text;
    if (r->text_len) s[r->text_len++] = '\n'; // one line per text event
    for (uint32_t i = 0; i < len; i++) s[r->text_len++] = p[i] ? (char)p[i] : ' '; // keep it a C string
    s[r->text_len] = '\0';
    return CN_OK;
}

static cn_status meta_event(reader *r, track_pos *t, int64_t tick, int *end) {
    uint8_t type = 0;
    uint32_t len = 0;
    cn_status st = read_byte(r, t, &type);
    if (!st) st = read_vlq(r, t, &len);
    if (st) return st;
    if (len > t->end - t->pos) return truncated(t);
    const uint8_t *p = r->d + t->pos;
    size_t at = t->pos;
    t->pos += len;
    cn_midi *m = r->m;
    switch (type) {
    case 0x2f: *end = 1; return CN_OK;
    case 0x51: {
        if (len != 3) return cn_fail(CN_ERR_FORMAT, "tempo event of %u bytes (not 3) in track %d at byte %zu",
                                     len, t->track, at);
        int us = p[0] << 16 | p[1] << 8 | p[2];
        if (us == 0) return cn_fail(CN_ERR_FORMAT, "tempo of 0 us per beat in track %d at byte %zu", t->track, at);
        st = grow((void **)&m->tempos, &r->cap_tempos, m->n_tempos, sizeof *m->tempos);
        if (st) return st;
        m->tempos[m->n_tempos++] = (cn_midi_tempo){tick, us};
        return CN_OK;
    }
    case 0x58:
        if (len < 2 || p[0] == 0 || p[1] > 6)
            return cn_fail(CN_ERR_FORMAT, "bad time signature event in track %d at byte %zu", t->track, at);
        st = grow((void **)&m->timesigs, &r->cap_timesigs, m->n_timesigs, sizeof *m->timesigs);
        if (st) return st;
        m->timesigs[m->n_timesigs++] = (cn_midi_timesig){tick, p[0], 1 << p[1]};
        return CN_OK;
    case 0x59: {
        int sf = len >= 2 ? (int8_t)p[0] : 99;
        if (sf < -7 || sf > 7 || p[1] > 1)
            return cn_fail(CN_ERR_FORMAT, "bad key signature event in track %d at byte %zu", t->track, at);
        st = grow((void **)&m->keysigs, &r->cap_keysigs, m->n_keysigs, sizeof *m->keysigs);
        if (st) return st;
        m->keysigs[m->n_keysigs++] = (cn_midi_keysig){tick, sf, p[1]};
        return CN_OK;
    }
    default:
        if (type >= 0x01 && type <= 0x07 && len > 0) return append_text(r, p, len);
        return CN_OK; // other meta events carry nothing we use
    }
}

// ---------------------------------------------------------------- tracks

static cn_status read_track(reader *r, track_pos *t) {
    int64_t tick = 0;
    int running = 0, end = 0; // running status: 0 = none yet
    while (!end && t->pos < t->end) {
        if (++r->events > MAX_EVENTS)
            return cn_fail(CN_ERR_FORMAT, "more than %ld events (track %d at byte %zu): refusing", MAX_EVENTS,
                           t->track, t->pos);
        uint32_t delta = 0;
        uint8_t b = 0;
        cn_status st = read_vlq(r, t, &delta);
        if (!st) st = read_byte(r, t, &b);
        if (st) return st;
        tick += delta;
        size_t at = t->pos - 1;
        if (b == 0xff) {
            st = meta_event(r, t, tick, &end);
        } else if (b == 0xf0 || b == 0xf7) { // sysex or escape: skipped
            uint32_t len = 0;
            st = read_vlq(r, t, &len);
            if (!st && len > t->end - t->pos) st = truncated(t);
            if (!st) t->pos += len;
        } else if (b >= 0xf1) {
            st = cn_fail(CN_ERR_FORMAT, "unexpected status byte 0x%02x in track %d at byte %zu", b, t->track, at);
        } else {
            uint8_t d1 = 0, d2 = 0;
            if (b & 0x80) {
                running = b;
                st = read_byte(r, t, &d1);
            } else if (!running) {
                st = cn_fail(CN_ERR_FORMAT, "running status without a previous status byte in track %d at byte %zu",
                             t->track, at);
            } else {
                d1 = b;
            }
            int kind = running & 0xf0, ch = running & 0x0f;
            if (!st && kind != 0xc0 && kind != 0xd0) st = read_byte(r, t, &d2);
            if (!st && ((d1 | d2) & 0x80))
                st = cn_fail(CN_ERR_FORMAT, "data byte above 127 in track %d at byte %zu", t->track, at);
            if (!st && kind == 0x90 && d2 > 0) st = note_on(r, tick, ch, d1, d2, t->track);
            else if (!st && (kind == 0x80 || kind == 0x90)) note_off(r, tick, ch, d1);
            else if (!st && kind == 0xb0) st = channel_ctrl(r, tick, CN_MIDI_CONTROL, ch, d1, d2, t->track);
            else if (!st && kind == 0xc0) st = channel_ctrl(r, tick, CN_MIDI_PROGRAM, ch, 0, d1, t->track);
            else if (!st && kind == 0xe0) st = channel_ctrl(r, tick, CN_MIDI_BEND, ch, 0, (d2 << 7 | d1) - 8192, t->track);
        }
        if (st) return st;
    }
    close_open_notes(r, tick);
    return CN_OK;
}

// ---------------------------------------------------------------- sorting and timing

static int cmp_notes(const void *a, const void *b) {
    const cn_midi_note *x = a, *y = b;
    if (x->on_tick != y->on_tick) return x->on_tick < y->on_tick ? -1 : 1;
    if (x->pitch != y->pitch) return x->pitch - y->pitch;
    if (x->track != y->track) return x->track - y->track;
    if (x->channel != y->channel) return x->channel - y->channel;
    return (x->off_tick > y->off_tick) - (x->off_tick < y->off_tick);
}

// Tempo, time and key signature events all start with their int64_t tick. They are
// sorted by tick keeping file order at equal ticks (the later event wins), with a
// bottom-up merge sort: stable, and O(n log n) whatever the track layout.
static cn_status sort_by_tick(void *base, int n, size_t sz) {
    if (n < 2) return CN_OK;
    char *a = base, *tmp = malloc((size_t)n * sz);
    if (!tmp) return cn_fail(CN_ERR_NOMEM, "out of memory sorting %d MIDI events", n);
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n - w; lo += 2 * w) {
            int mid = lo + w, hi = mid + w < n ? mid + w : n, i = lo, j = mid, k = 0;
            while (i < mid && j < hi) {
                int64_t ti, tj;
                memcpy(&ti, a + (size_t)i * sz, sizeof ti);
                memcpy(&tj, a + (size_t)j * sz, sizeof tj);
                int from = tj < ti ? j++ : i++;
                memcpy(tmp + (size_t)k++ * sz, a + (size_t)from * sz, sz);
            }
            while (i < mid) memcpy(tmp + (size_t)k++ * sz, a + (size_t)i++ * sz, sz);
            memcpy(a + (size_t)lo * sz, tmp, (size_t)k * sz); // the tail [j, hi) is in place
        }
    }
    free(tmp);
    return CN_OK;
}

// Index of the last tempo at or before tick (tempos[0] is at tick 0).
static int tempo_at(const cn_midi *m, int64_t tick) {
    int lo = 0, hi = m->n_tempos - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (m->tempos[mid].tick <= tick) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

// acc[k]: microseconds times ppq from tick 0 to tempos[k].tick (NULL: summed here).
static double seconds_at(const cn_midi *m, const double *acc, int64_t tick) {
    int k = tempo_at(m, tick);
    double s = 0;
    if (acc) s = acc[k];
    else
        for (int i = 0; i < k; i++) s += (double)(m->tempos[i + 1].tick - m->tempos[i].tick) * m->tempos[i].us_per_beat;
    return (s + (double)(tick - m->tempos[k].tick) * m->tempos[k].us_per_beat) / (1e6 * m->ppq);
}

double cn_midi_tick_to_seconds(const cn_midi *m, int64_t tick) {
    return seconds_at(m, NULL, tick);
}

double cn_midi_duration_seconds(const cn_midi *m) {
    int64_t last = 0;
    for (int i = 0; i < m->n_notes; i++)
        if (m->notes[i].off_tick > last) last = m->notes[i].off_tick;
    return cn_midi_tick_to_seconds(m, last);
}

// Tempo map with a tick-0 entry, sorted event lists, and note times in seconds.
static cn_status finish(reader *r) {
    cn_midi *m = r->m;
    cn_status st = sort_by_tick(m->tempos, m->n_tempos, sizeof *m->tempos);
    if (!st) st = sort_by_tick(m->timesigs, m->n_timesigs, sizeof *m->timesigs);
    if (!st) st = sort_by_tick(m->keysigs, m->n_keysigs, sizeof *m->keysigs);
    if (!st) st = sort_by_tick(m->ctrls, m->n_ctrls, sizeof *m->ctrls);
    if (!st && (m->n_tempos == 0 || m->tempos[0].tick > 0)) {
        st = grow((void **)&m->tempos, &r->cap_tempos, m->n_tempos, sizeof *m->tempos);
        if (st) return st;
        memmove(m->tempos + 1, m->tempos, (size_t)m->n_tempos * sizeof *m->tempos);
        m->tempos[0] = (cn_midi_tempo){0, DEFAULT_US_PER_BEAT};
        m->n_tempos++;
    }
    if (!st && !m->text && !(m->text = calloc(1, 1))) st = cn_fail(CN_ERR_NOMEM, "out of memory reading MIDI");
    if (st) return st;
    if (m->n_notes > 1) qsort(m->notes, (size_t)m->n_notes, sizeof *m->notes, cmp_notes);
    double *acc = malloc((size_t)m->n_tempos * sizeof *acc);
    if (!acc) return cn_fail(CN_ERR_NOMEM, "out of memory building a tempo map of %d events", m->n_tempos);
    acc[0] = 0;
    for (int k = 1; k < m->n_tempos; k++)
        acc[k] = acc[k - 1] + (double)(m->tempos[k].tick - m->tempos[k - 1].tick) * m->tempos[k - 1].us_per_beat;
    for (int i = 0; i < m->n_notes; i++) {
        m->notes[i].on_s = seconds_at(m, acc, m->notes[i].on_tick);
        m->notes[i].off_s = seconds_at(m, acc, m->notes[i].off_tick);
    }
    for (int i = 0; i < m->n_ctrls; i++) m->ctrls[i].s = seconds_at(m, acc, m->ctrls[i].tick);
    free(acc);
    return CN_OK;
}

// ---------------------------------------------------------------- entry points

static cn_status parse(reader *r) {
    const uint8_t *d = r->d;
    size_t size = r->size;
    cn_midi *m = r->m;
    if (size > MAX_FILE_BYTES)
        return cn_fail(CN_ERR_FORMAT, "file of %zu bytes is larger than the %u MB limit", size, MAX_FILE_BYTES >> 20);
    if (size < 14 || memcmp(d, "MThd", 4) != 0)
        return cn_fail(CN_ERR_FORMAT, "not a MIDI file (no MThd header)");
    uint32_t hlen = be32(d + 4);
    if (hlen < 6 || hlen > size - 8) return cn_fail(CN_ERR_FORMAT, "bad MThd header length %u", hlen);
    m->format = d[8] << 8 | d[9];
    m->n_tracks = d[10] << 8 | d[11];
    int division = d[12] << 8 | d[13];
    if (m->format == 2)
        return cn_fail(CN_ERR_UNSUPPORTED, "MIDI format 2 (independent sequential tracks) is not supported");
    if (m->format > 2) return cn_fail(CN_ERR_FORMAT, "unknown MIDI format %d", m->format);
    if (division & 0x8000)
        return cn_fail(CN_ERR_UNSUPPORTED, "SMPTE time division (0x%04x) is not supported; need ticks per beat",
                       division);
    if (division == 0) return cn_fail(CN_ERR_FORMAT, "time division of 0 ticks per beat");
    if (m->n_tracks == 0) return cn_fail(CN_ERR_FORMAT, "MIDI header declares no tracks");
    m->ppq = division;
    size_t pos = 8 + hlen;
    int track = 0;
    while (track < m->n_tracks) {
        if (size - pos < 8) {
            if (pos == size)
                return cn_fail(CN_ERR_FORMAT, "truncated file: header declares %d tracks, found %d at byte %zu",
                               m->n_tracks, track, pos);
            return cn_fail(CN_ERR_FORMAT, "truncated chunk header at byte %zu", pos);
        }
        uint32_t len = be32(d + pos + 4);
        if (len > size - pos - 8) {
            if (memcmp(d + pos, "MTrk", 4) == 0)
                return cn_fail(CN_ERR_FORMAT, "truncated track %d at byte %zu (its chunk claims %u bytes, %zu are left)",
                               track, size, len, size - pos - 8);
            return cn_fail(CN_ERR_FORMAT, "chunk at byte %zu claims %u bytes, %zu are left", pos, len, size - pos - 8);
        }
        if (memcmp(d + pos, "MTrk", 4) == 0) { // other chunk types are skipped
            track_pos t = {pos + 8, pos + 8 + len, track};
            cn_status st = read_track(r, &t);
            if (st) return st;
            track++;
        }
        pos += 8 + (size_t)len;
    }
    return finish(r);
}

cn_status cn_midi_read_mem(const uint8_t *data, size_t size, cn_midi **out) {
    cn_return_val_if_fail(out && (data || size == 0), CN_ERR_ARG);
    *out = NULL;
    cn_midi *m = calloc(1, sizeof *m);
    reader *r = calloc(1, sizeof *r);
    if (!m || !r) {
        free(m);
        free(r);
        return cn_fail(CN_ERR_NOMEM, "out of memory reading MIDI");
    }
    r->d = data;
    r->size = size;
    r->m = m;
    memset(r->head, 0xff, sizeof r->head); // -1: no open note
    memset(r->tail, 0xff, sizeof r->tail);
    cn_status st = data ? parse(r) : cn_fail(CN_ERR_FORMAT, "empty MIDI data");
    free(r->link);
    free(r);
    if (st) {
        cn_midi_destroy(m);
        return st;
    }
    *out = m;
    return CN_OK;
}

cn_status cn_midi_read_file(const char *path, cn_midi **out) {
    cn_return_val_if_fail(path && out, CN_ERR_ARG);
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cn_fail(CN_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    // Read in growing blocks (works on pipes too), stopping past the size limit.
    size_t len = 0, cap = 0;
    uint8_t *buf = NULL;
    cn_status st = CN_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *q = realloc(buf, cap);
            if (!q) {
                st = cn_fail(CN_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = q;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) st = cn_fail(CN_ERR_IO, "%s: read error", path);
            break;
        }
        if (len > MAX_FILE_BYTES) {
            st = cn_fail(CN_ERR_FORMAT, "%s: larger than the %u MB limit for MIDI files", path, MAX_FILE_BYTES >> 20);
            break;
        }
    }
    fclose(f);
    if (!st) {
        st = cn_midi_read_mem(buf, len, out);
        if (st) cn_fail_prefix(st, "%s", path);
    }
    free(buf);
    return st;
}

void cn_midi_destroy(cn_midi *m) {
    if (!m) return;
    free(m->notes);
    free(m->tempos);
    free(m->timesigs);
    free(m->keysigs);
    free(m->ctrls);
    free(m->text);
    free(m);
}
