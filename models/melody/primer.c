// primer.c: melodies into the melody models (cn_primer.h): the command-line primer
// (MIDI file or notation), MIDI files as events, and expanding directories of MIDI files.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cn_paths.h"
#include "models/cn_midi.h"
#include "models/cn_notation.h"
#include "models/melody/cn_primer.h"

static cn_status melody_from_file(const char *path, cn_melody *out) {
    cn_midi *midi = NULL;
    cn_status st = cn_midi_read_file(path, &midi);
    if (st) return st;
    st = cn_melody_from_midi(midi, -1, out);
    cn_midi_destroy(midi);
    return st;
}

#define MAX_TEXT_PRIMER 16384

// A file that is not MIDI holds text notation (several lines allowed, as in
// data/demo/primer.txt).
static cn_status melody_from_text_file(const char *path, cn_melody *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return cn_fail(CN_ERR_IO, "cannot open primer %s", path);
    char text[MAX_TEXT_PRIMER];
    size_t n = fread(text, 1, sizeof text - 1, f);
    int too_long = !feof(f);
    fclose(f);
    if (n >= 4 && !memcmp(text, "MThd", 4)) return melody_from_file(path, out);
    if (too_long)
        return cn_fail(CN_ERR_FORMAT, "primer %s: not MIDI, and too long for text notation (over %d bytes)",
                       path, MAX_TEXT_PRIMER - 1);
    text[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t') text[i] = ' ';
    cn_status st = cn_notation_parse(text, out);
    return st ? cn_fail_prefix(st, "primer %s", path) : CN_OK;
}

cn_status cn_primer_load(const char *arg, cn_melody *out) {
    cn_return_val_if_fail(arg && out, CN_ERR_ARG);
    cn_melody_init(out);
    struct stat sb;
    int exists = stat(arg, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode))
        return cn_fail(CN_ERR_ARG, "primer %s is a folder: give a MIDI file, a notation file or notation", arg);
    cn_status st;
    if (exists && S_ISREG(sb.st_mode))
        st = cn_is_midi_name(arg) ? melody_from_file(arg, out) : melody_from_text_file(arg, out);
    else if (cn_is_midi_name(arg) && !strchr(arg, ' ')) // a missing "x.mid" is a missing file
        st = melody_from_file(arg, out);
    else
        st = cn_notation_parse(arg, out);
    if (!st && cn_melody_note_count(out) == 0)
        st = cn_fail(CN_ERR_FORMAT, "primer '%s' has no notes", arg);
    if (st) cn_melody_free(out);
    return st;
}

int cn_melody_key_index(const cn_melody *m) {
    if (!m->has_key) return -1;
    int major_pc = ((m->key_sharps * 7) % 12 + 12) % 12; // each sharp is a fifth up
    return m->key_minor ? (major_pc + 9) % 12 + 12 : major_pc;
}

cn_status cn_events_load_midi(const char *path, cn_event_seq *out, int *clamped) {
    cn_return_val_if_fail(path && out, CN_ERR_ARG);
    cn_melody mel;
    cn_melody_init(&mel);
    cn_status st = melody_from_file(path, &mel);
    if (!st) st = cn_events_from_melody(&mel, out);
    cn_melody_free(&mel);
    if (st) return st;
    int c = cn_events_clamp(out);
    if (clamped) *clamped = c;
    return CN_OK;
}

// ---- path lists

typedef struct {
    char **v;
    int n, cap;
} path_list;

static cn_status list_push(path_list *l, const char *a, const char *b) {
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return cn_fail(CN_ERR_NOMEM, "out of memory listing MIDI files");
        l->v = v;
        l->cap = cap;
    }
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    char *s = malloc(la + lb + 2);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory listing MIDI files");
    memcpy(s, a, la + 1);
    if (b) {
        if (la && a[la - 1] != '/') s[la++] = '/';
        memcpy(s + la, b, lb + 1);
    }
    l->v[l->n++] = s;
    return CN_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cn_status add_dir(path_list *l, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return cn_fail(CN_ERR_IO, "cannot open directory %s: %s", dir, strerror(errno));
    int first = l->n;
    cn_status st = CN_OK;
    struct dirent *e;
    while (!st && (e = readdir(d)))
        if (!cn_is_hidden_name(e->d_name) && cn_is_midi_name(e->d_name)) st = list_push(l, dir, e->d_name);
    closedir(d);
    if (!st && l->n > first) qsort(l->v + first, (size_t)(l->n - first), sizeof *l->v, cmp_str);
    return st;
}

cn_status cn_midi_paths(const char *const *paths, int n_paths, char ***out, int *n_out) {
    cn_return_val_if_fail(paths && out && n_out && n_paths >= 0, CN_ERR_ARG);
    path_list l = {0};
    cn_status st = CN_OK;
    for (int i = 0; i < n_paths && !st; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            st = cn_fail(CN_ERR_IO, "cannot open %s: %s", paths[i], strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = add_dir(&l, paths[i]);
        else
            st = list_push(&l, paths[i], NULL);
    }
    if (st) {
        cn_midi_paths_free(l.v, l.n);
        return st;
    }
    *out = l.v;
    *n_out = l.n;
    return CN_OK;
}

void cn_midi_paths_free(char **list, int n) {
    if (!list) return;
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
}
