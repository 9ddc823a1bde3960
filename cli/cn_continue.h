// cn_continue.h: `continuo continue`'s settings, shared by cmd_continue.c (flags, run) and
// continue_record.c (the record written into each output file, and --replay from it).
#ifndef CN_CONTINUE_H
#define CN_CONTINUE_H

#include <stddef.h>
#include <stdint.h>

#include "models/melody/cn_predictor.h"
#include "ui/cn_ui.h"

#define CN_CONTINUE_MAX_SAMPLES 100
#define CN_CONTINUE_MAX_NGRAM_DATA 16

typedef struct cont_args {
    const char *primer, *out, *key, *meter, *style, *replay;
    long notes, bars, top_k, beam, samples;
    double temperature, top_p;
    int have_seed, sampling_flags;
    uint64_t seed;
    int first_sample;        // stream of the first sample (0; a replayed sample k: k - 1)
    cn_predictor_opts popts;
    const char *ngram_data[CN_CONTINUE_MAX_NGRAM_DATA];
    cn_flag_list ngram_list;
    char replay_buf[16][1024]; // storage of the settings read by --replay
} cont_args;

// The record of one output file (sample k of n, 0-based k): every setting that changes
// the notes, as %-escaped key=value pairs after "continuo-run 1 continue ", with the
// program's version and short SHA-256s of the model and of a primer file.
int cn_continue_record(const cont_args *a, const char *model_path, int k, char *text, size_t size);
// --replay FILE: read FILE's record into a (flags that change the output may not be
// combined with it); checks that the model and the primer file are the ones recorded.
// Returns 0, or 1 after printing an error.
int cn_continue_replay_args(cont_args *a);

#endif
