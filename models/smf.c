// smf.c: the Standard MIDI File writer (cn_smf.h).
#include "models/cn_smf.h"

#include <stdlib.h>
#include <string.h>

#include "core/cn_atomic_file.h"

static void put(cn_smf *s, const void *p, size_t n) {
    if (s->failed || n == 0) return;
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        while (cap < s->n + n) cap *= 2;
        uint8_t *q = realloc(s->d, cap);
        if (!q) {
            s->failed = 1;
            return;
        }
        s->d = q;
        s->cap = cap;
    }
    memcpy(s->d + s->n, p, n);
    s->n += n;
}

static void put_be(cn_smf *s, uint32_t v, int bytes) {
    uint8_t p[4];
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(s, p, (size_t)bytes);
}

static void put_vlq(cn_smf *s, uint32_t v) { // v <= CN_SMF_MAX_VLQ, checked by callers
    uint8_t p[4];
    int n = 0;
    do {
        p[n++] = v & 0x7f;
        v >>= 7;
    } while (v);
    while (n--) {
        uint8_t c = (uint8_t)(p[n] | (n ? 0x80 : 0));
        put(s, &c, 1);
    }
}

void cn_smf_begin(cn_smf *s, int format, int tracks, int ppq) {
    memset(s, 0, sizeof *s);
    put(s, "MThd", 4);
    put_be(s, 6, 4);
    put_be(s, (uint32_t)format, 2);
    put_be(s, (uint32_t)tracks, 2);
    put_be(s, (uint32_t)ppq, 2);
}

void cn_smf_track_begin(cn_smf *s) {
    put(s, "MTrk", 4);
    put_be(s, 0, 4); // length, patched by cn_smf_track_end
    s->track = s->n;
}

void cn_smf_event(cn_smf *s, uint32_t delta, int status, const uint8_t *data, int n) {
    uint8_t st = (uint8_t)status;
    put_vlq(s, delta);
    put(s, &st, 1);
    put(s, data, (size_t)n);
}

void cn_smf_meta(cn_smf *s, uint32_t delta, int type, const void *data, uint32_t len) {
    uint8_t head[2] = {0xff, (uint8_t)type};
    put_vlq(s, delta);
    put(s, head, 2);
    put_vlq(s, len);
    put(s, data, len);
}

void cn_smf_track_end(cn_smf *s) {
    cn_smf_meta(s, 0, 0x2f, NULL, 0);
    if (s->failed) return;
    uint32_t len = (uint32_t)(s->n - s->track);
    for (int i = 0; i < 4; i++) s->d[s->track - 4 + (size_t)i] = (uint8_t)(len >> (8 * (3 - i)));
    s->track = 0;
}

cn_status cn_smf_finish(cn_smf *s, uint8_t **data, size_t *size) {
    if (s->failed) {
        free(s->d);
        memset(s, 0, sizeof *s);
        return cn_fail(CN_ERR_NOMEM, "out of memory writing MIDI");
    }
    *data = s->d;
    *size = s->n;
    memset(s, 0, sizeof *s);
    return CN_OK;
}

cn_status cn_smf_write_file(cn_smf *s, const char *path) {
    uint8_t *data = NULL;
    size_t size = 0;
    cn_status st = cn_smf_finish(s, &data, &size);
    if (st) return cn_fail_prefix(st, "%s", path);
    st = cn_atomic_file_write(path, data, size);
    free(data);
    return st;
}
