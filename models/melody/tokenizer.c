// tokenizer.c: melodies and corpus folders -> events + conditioning (cn_tokenizer.h).
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_paths.h"
#include "models/cn_midi.h"
#include "models/melody/cn_tokenizer.h"

int cn_tok_key(int sharps, int minor) {
    int major_tonic = ((sharps * 7) % 12 + 12) % 12; // circle of fifths: G = 1 sharp
    return minor ? (major_tonic + 9) % 12 + 12 : major_tonic; // relative minor
}

int cn_tok_style_of_dir(const char *dir) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", dir);
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/') buf[--n] = 0;
    char *base = strrchr(buf, '/');
    base = base ? base + 1 : buf;
    if (!strcmp(base, "train") || !strcmp(base, "valid") || !strcmp(base, "test")) {
        if (base > buf) {
            base[-1] = 0;
            char *parent = strrchr(buf, '/');
            base = parent ? parent + 1 : buf;
        }
    }
    int s = cn_style_index(base);
    return s >= 0 ? s : cn_style_index("other");
}

cn_melody_cond cn_tok_cond(const cn_melody *m, int style, int n_events) {
    cn_melody_cond c = {-1, -1, style, cn_length_bucket(n_events)};
    if (m->has_key) c.key = cn_tok_key(m->key_sharps, m->key_minor);
    c.meter = cn_meter_cond(m->meter_num, m->meter_den);
    return c;
}

cn_status cn_tok_tune(const cn_melody *m, int style, cn_tune *out, int *clamped) {
    cn_status st = cn_events_from_melody(m, &out->ev);
    if (st) return st;
    *clamped = cn_events_clamp(&out->ev);
    out->cond = cn_tok_cond(m, style, out->ev.n);
    return CN_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cn_status push_tune(cn_tune_set *set, const cn_tune *t) {
    if (set->n == set->cap) {
        int cap = set->cap ? 2 * set->cap : 256;
        cn_tune *p = realloc(set->t, (size_t)cap * sizeof *p);
        if (!p) return cn_fail(CN_ERR_NOMEM, "out of memory for %d tunes", cap);
        set->t = p;
        set->cap = cap;
    }
    set->t[set->n++] = *t;
    set->events += t->ev.n;
    return CN_OK;
}

// One file -> one tune; CN_OK with *added = 0 when the file is unusable (counted).
static cn_status add_file(cn_tune_set *set, const char *path, int style) {
    cn_midi *midi = NULL;
    cn_melody mel;
    cn_melody_init(&mel);
    cn_tune t = {{NULL, 0, 0}, {-1, -1, -1, -1}};
    int clamped = 0;
    cn_status st = cn_midi_read_file(path, &midi);
    if (!st) st = cn_melody_from_midi(midi, -1, &mel);
    if (!st) st = cn_tok_tune(&mel, style, &t, &clamped);
    if (!st && t.ev.n == 0) st = cn_fail(CN_ERR_FORMAT, "%s: no notes", path);
    cn_midi_destroy(midi);
    cn_melody_free(&mel);
    if (st == CN_ERR_NOMEM) return st;
    if (st) {
        if (!set->skipped++) snprintf(set->first_skip, sizeof set->first_skip, "%s", cn_error_message());
        cn_events_free(&t.ev);
        return CN_OK;
    }
    set->clamped += clamped;
    if ((st = push_tune(set, &t))) cn_events_free(&t.ev);
    return st;
}

cn_status cn_tune_set_add_dir(cn_tune_set *set, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return cn_fail(CN_ERR_IO, "%s: cannot open folder", dir);
    char **names = NULL;
    int n = 0, cap = 0;
    cn_status st = CN_OK;
    struct dirent *e;
    while ((e = readdir(d)) && !st) {
        if (cn_is_hidden_name(e->d_name) || !cn_is_midi_name(e->d_name)) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            char **p = realloc(names, (size_t)cap * sizeof *p);
            if (!p) st = cn_fail(CN_ERR_NOMEM, "out of memory listing %s", dir);
            else names = p;
        }
        if (!st && !(names[n++] = strdup(e->d_name))) st = cn_fail(CN_ERR_NOMEM, "out of memory listing %s", dir);
    }
    closedir(d);
    if (!st && n) qsort(names, (size_t)n, sizeof *names, cmp_str);
    int style = cn_tok_style_of_dir(dir), before = set->n;
    for (int i = 0; i < n && !st; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        st = add_file(set, path, style);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!st && set->n == before)
        st = cn_fail(CN_ERR_FORMAT, "%s: no readable .mid files%s%s", dir, set->skipped ? "; first error: " : "",
                     set->skipped ? set->first_skip : "");
    return st;
}

void cn_tune_set_free(cn_tune_set *set) {
    for (int i = 0; i < set->n; i++) cn_events_free(&set->t[i].ev);
    free(set->t);
    memset(set, 0, sizeof *set);
}

int cn_tok_transpose(cn_mevent *ev, int n, cn_melody_cond *cond, int semis) {
    for (int i = 0; i < n; i++)
        if (ev[i].pitch + semis < 0 || ev[i].pitch + semis >= CN_EV_NPITCH) return 0;
    for (int i = 0; i < n; i++) ev[i].pitch += semis;
    cond->key = cn_key_transpose(cond->key, semis);
    return 1;
}

int cn_key_transpose(int key, int semis) {
    return key < 0 ? key : ((key % 12 + semis) % 12 + 12) % 12 + 12 * (key / 12);
}
