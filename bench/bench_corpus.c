// bench_corpus.c: melody folders for the benchmarks (cn_bench_corpus.h).
#include <stdlib.h>
#include <string.h>

#include "bench/cn_bench_corpus.h"
#include "models/melody/cn_primer.h"

void cn_bench_corpus_free(cn_bench_corpus *c) {
    for (int i = 0; i < c->n; i++) {
        cn_events_free(&c->s[i]);
        free(c->name[i]);
    }
    free(c->s);
    free(c->key);
    free(c->meter_num);
    free(c->meter_den);
    free(c->name);
    memset(c, 0, sizeof *c);
}

cn_status cn_bench_corpus_load(const char *dir, int max_files, int clamp, cn_bench_corpus *c) {
    memset(c, 0, sizeof *c);
    char **files;
    int n_all;
    cn_status st = cn_midi_paths(&dir, 1, &files, &n_all);
    if (st) return st;
    int nf = max_files > 0 && n_all > max_files ? max_files : n_all;
    size_t cap = (size_t)(nf ? nf : 1);
    c->s = calloc(cap, sizeof *c->s);
    c->key = calloc(cap, sizeof *c->key);
    c->meter_num = calloc(cap, sizeof *c->meter_num);
    c->meter_den = calloc(cap, sizeof *c->meter_den);
    c->name = calloc(cap, sizeof *c->name);
    if (!c->s || !c->key || !c->meter_num || !c->meter_den || !c->name)
        st = cn_fail(CN_ERR_NOMEM, "out of memory loading %s", dir);
    for (int i = 0; i < nf && !st; i++) {
        cn_melody m;
        if ((st = cn_primer_load(files[i], &m))) break;
        c->key[i] = cn_melody_key_index(&m);
        c->meter_num[i] = m.meter_num;
        c->meter_den[i] = m.meter_den;
        const char *slash = strrchr(files[i], '/');
        c->name[i] = strdup(slash ? slash + 1 : files[i]);
        st = cn_events_from_melody(&m, &c->s[i]);
        cn_melody_free(&m);
        if (!st && !c->name[i]) st = cn_fail(CN_ERR_NOMEM, "out of memory loading %s", dir);
        if (st) {
            cn_events_free(&c->s[i]);
            free(c->name[i]);
            break;
        }
        if (clamp) cn_events_clamp(&c->s[i]);
        c->notes += c->s[i].n;
        c->n++;
    }
    if (!st && c->notes == 0) st = cn_fail(CN_ERR_FORMAT, "%s holds no notes", dir);
    cn_midi_paths_free(files, n_all);
    if (st) cn_bench_corpus_free(c);
    return st;
}

int cn_bench_in_scale(int pitch, int key) {
    static const int major[12] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1};
    static const int minor[12] = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1}; // natural + leading note
    int rel = ((pitch - key % 12) % 12 + 12) % 12;
    return key >= 12 ? minor[rel] : major[rel];
}
