// notation.c: parse and print the text notation of melodies (cn_notation.h).
// A token is PITCH[:BEATS] or r[:BEATS]: a letter A-G (either case), up to two
// accidentals (# sharp, b flat), an octave -1..9 (C4 = 60), and a duration as an
// integer or fraction of beats that must be a multiple of 1/12 beat. Tokens made of
// `|` only are bar lines and ignored. Printing uses sharps (flats in flat keys), the
// shortest duration form, and parse(format(m)) gives back the same pitches and
// durations (velocities are not part of the notation).
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_notation.h"

#define DEFAULT_VELOCITY 90
#define MAX_BEAT_NUMBER 1000000000LL // numerator/denominator bound, keeps the arithmetic exact

// ---------------------------------------------------------------- parsing

typedef struct token {
    const char *s;
    int len, index, column; // index: 1-based token number; column: 1-based byte offset
} token;

static cn_status bad(const token *t, const char *why) {
    int shown = t->len > 40 ? 40 : t->len; // a runaway token is cut in the message
    return cn_fail(CN_ERR_FORMAT, "bad note '%.*s%s' (token %d, column %d): %s", shown, t->s,
                   shown < t->len ? "..." : "", t->index, t->column, why);
}

// Unsigned decimal at *p (advanced); -1 if no digits or above MAX_BEAT_NUMBER.
static long long number(const char **p, const char *end) {
    long long v = 0;
    const char *s = *p;
    while (*p < end && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        if (v > MAX_BEAT_NUMBER) return -1;
        (*p)++;
    }
    return *p == s ? -1 : v;
}

// BEATS after ':' -> ticks.
static cn_status parse_beats(const token *t, const char *p, const char *end, int *ticks) {
    long long num = number(&p, end), den = 1;
    if (num < 0) return bad(t, "duration must be beats as an integer or fraction, e.g. 2 or 1/2");
    if (p < end && *p == '/') {
        p++;
        den = number(&p, end);
        if (den <= 0) return bad(t, "duration fraction needs a positive denominator, e.g. 1/2");
    }
    if (p != end) return bad(t, "unexpected characters after the duration");
    if (num == 0) return bad(t, "duration must be positive");
    if ((num * CN_TICKS_PER_BEAT) % den != 0)
        return bad(t, "duration is not a multiple of 1/12 beat (the melody grid)");
    long long v = num * CN_TICKS_PER_BEAT / den;
    if (v > INT_MAX) return bad(t, "duration too long");
    *ticks = (int)v;
    return CN_OK;
}

static const int letter_pc[7] = {9, 11, 0, 2, 4, 5, 7}; // A B C D E F G

// PITCH or r (before any ':') -> MIDI pitch or CN_REST.
static cn_status parse_pitch(const token *t, const char *p, const char *end, int *pitch) {
    if (end - p == 1 && (*p == 'r' || *p == 'R')) {
        *pitch = CN_REST;
        return CN_OK;
    }
    int c = toupper((unsigned char)*p);
    if (c < 'A' || c > 'G') return bad(t, "pitch must be a letter A-G (or r for a rest) then an octave, e.g. C4 F#5 Bb3");
    int v = letter_pc[c - 'A'];
    p++;
    for (int n = 0; p < end && (*p == '#' || *p == 'b'); n++, p++) {
        if (n == 2) return bad(t, "more than two accidentals");
        v += *p == '#' ? 1 : -1;
    }
    int neg = p < end && *p == '-';
    p += neg;
    if (p == end || !isdigit((unsigned char)*p)) return bad(t, "missing octave number (-1..9), e.g. C4");
    int oct = *p++ - '0';
    if (p != end && isdigit((unsigned char)*p)) return bad(t, "octave outside -1..9");
    if (p != end) return bad(t, "unexpected characters after the octave");
    if (neg && oct != 1) return bad(t, "octave outside -1..9");
    if (neg) oct = -1;
    v += (oct + 1) * 12;
    if (v < 0 || v > 127) return bad(t, "pitch outside MIDI range 0..127 (C-1..G9)");
    *pitch = v;
    return CN_OK;
}

static cn_status parse_token(const token *t, cn_melody *mel) {
    const char *end = t->s + t->len, *colon = memchr(t->s, ':', (size_t)t->len);
    int pitch = CN_REST, dur = CN_TICKS_PER_BEAT;
    if (colon == t->s) return bad(t, "missing pitch before ':'");
    cn_status st = parse_pitch(t, t->s, colon ? colon : end, &pitch);
    if (!st && colon) st = parse_beats(t, colon + 1, end, &dur);
    if (!st) st = cn_melody_push(mel, pitch, dur, DEFAULT_VELOCITY);
    return st;
}

static int only_bars(const char *s, int len) {
    for (int i = 0; i < len; i++)
        if (s[i] != '|') return 0;
    return 1;
}

cn_status cn_notation_parse(const char *text, cn_melody *mel) {
    cn_return_val_if_fail(text && mel, CN_ERR_ARG);
    int index = 0;
    for (const char *p = text; *p;) {
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *s = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (p - s > INT_MAX / 2) return cn_fail(CN_ERR_FORMAT, "notation token too long");
        token t = {s, (int)(p - s), ++index, (int)(s - text) + 1};
        if (only_bars(s, t.len)) continue;
        cn_status st = parse_token(&t, mel);
        if (st) return st;
    }
    return CN_OK;
}

// ---------------------------------------------------------------- printing

typedef struct strbuf {
    char *s;
    size_t n, cap;
} strbuf;

static cn_status append(strbuf *b, const char *piece) {
    size_t len = strlen(piece);
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len + 1) cap *= 2;
        char *q = realloc(b->s, cap);
        if (!q) return cn_fail(CN_ERR_NOMEM, "out of memory printing a melody");
        b->s = q;
        b->cap = cap;
    }
    memcpy(b->s + b->n, piece, len + 1);
    b->n += len;
    return CN_OK;
}

static int gcd(int a, int b) {
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

// One token: pitch name (or r) and ":beats" unless the duration is one beat.
static void format_token(const cn_note *nt, int flats, char *out, size_t size) {
    static const char *const sharp_names[12] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    static const char *const flat_names[12] = {"C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"};
    int n;
    if (nt->pitch == CN_REST) n = snprintf(out, size, "r");
    else
        n = snprintf(out, size, "%s%d", (flats ? flat_names : sharp_names)[nt->pitch % 12], nt->pitch / 12 - 1);
    int g = gcd(nt->dur, CN_TICKS_PER_BEAT), num = nt->dur / g, den = CN_TICKS_PER_BEAT / g;
    if (nt->dur == CN_TICKS_PER_BEAT) return;
    if (den == 1) snprintf(out + n, size - (size_t)n, ":%d", num);
    else snprintf(out + n, size - (size_t)n, ":%d/%d", num, den);
}

cn_status cn_notation_format(const cn_melody *mel, char **out) {
    cn_return_val_if_fail(mel && out, CN_ERR_ARG);
    *out = NULL;
    // Bar length in ticks: meter_num notes of 1/meter_den whole note (a beat is a quarter).
    int64_t bar = 0;
    if (mel->meter_num > 0 && mel->meter_den > 0 &&
        ((int64_t)mel->meter_num * 4 * CN_TICKS_PER_BEAT) % mel->meter_den == 0)
        bar = (int64_t)mel->meter_num * 4 * CN_TICKS_PER_BEAT / mel->meter_den;
    int flats = mel->has_key && mel->key_sharps < 0;
    strbuf b = {0};
    cn_status st = append(&b, "");
    int64_t pos = 0;
    for (int i = 0; i < mel->n && !st; i++) {
        const cn_note *nt = &mel->notes[i];
        if ((nt->pitch != CN_REST && (nt->pitch < 0 || nt->pitch > 127)) || nt->dur <= 0) {
            st = cn_fail(CN_ERR_RANGE, "note %d (pitch %d, %d ticks) cannot be printed", i, nt->pitch, nt->dur);
            break;
        }
        char tok[48];
        format_token(nt, flats, tok, sizeof tok);
        if (i > 0) st = append(&b, bar > 0 && pos % bar == 0 ? " | " : " ");
        if (!st) st = append(&b, tok);
        pos += nt->dur;
    }
    if (st) {
        free(b.s);
        return st;
    }
    *out = b.s;
    return CN_OK;
}
