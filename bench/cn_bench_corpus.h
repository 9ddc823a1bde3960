// cn_bench_corpus.h: melody folders as the benchmarks read them: every tune's note
// events with its key and time signature, and the scale test they share.
#ifndef CN_BENCH_CORPUS_H
#define CN_BENCH_CORPUS_H

#include "models/melody/cn_events.h"
#include "core/cn_status.h"

typedef struct cn_bench_corpus {
    cn_event_seq *s;            // [n]
    int *key;                   // [n] key index from the key signature, -1 if none
    int *meter_num, *meter_den; // [n] the first time signature, 0/0 if none
    char **name;                // [n] file names (no folder)
    int n;
    long notes;
} cn_bench_corpus;

// The first max_files MIDI files of dir (all when <= 0), sorted by name; with clamp,
// durations and rests clamped into the model's vocabularies.
cn_status cn_bench_corpus_load(const char *dir, int max_files, int clamp, cn_bench_corpus *c);
void cn_bench_corpus_free(cn_bench_corpus *c);

// 1 if pitch is in the scale of key (0..23, tonic + 12 * minor; minor = natural minor
// plus the leading note).
int cn_bench_in_scale(int pitch, int key);

#endif
