// train_ngram.c: `continuo train ngram`: count a corpus into an n-gram long-term model
// file (the build makes the shipped default this way; see cmake/install.cmake).
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "models/melody/cn_ngram.h"
#include "cli/cn_train.h"

#define CMD "train ngram"

int cn_train_ngram_main(int argc, char **argv) {
    const char *data[64], *out = NULL;
    int n_data = 0;
    long order = cn_ngram_config_default().ltm_order;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: continuo train ngram --data DIR... [--order N] -o FILE\n"
                   "Counts the .mid files of each DIR into the adaptive n-gram's long-term model\n"
                   "and writes it to FILE (what 'continue', 'score' and 'play --endless' load\n"
                   "instead of counting the shipped corpus at every start).\n"
                   "  --data DIR   corpus folder or file (repeatable; more may follow the flag)\n"
                   "  --order N    longest context (1..%d, default %ld)\n"
                   "  -o FILE      output, written atomically\n", CN_NGRAM_MAX_ORDER, order);
            return 0;
        } else if (!strcmp(a, "--data")) {
            if (i + 1 >= argc) return cn_ui_usage_error(CMD, "--data needs a folder");
            while (i + 1 < argc && argv[i + 1][0] != '-') {
                if (n_data == 64) return cn_ui_usage_error(CMD, "more than 64 --data folders");
                data[n_data++] = argv[++i];
            }
        } else if (!strcmp(a, "--order")) {
            if (i + 1 >= argc || !cn_ui_parse_int(argv[++i], 1, CN_NGRAM_MAX_ORDER, &order))
                return cn_ui_usage_error(CMD, "--order must be 1..%d", CN_NGRAM_MAX_ORDER);
        } else if (!strcmp(a, "-o")) {
            if (i + 1 >= argc) return cn_ui_usage_error(CMD, "-o needs a file");
            out = argv[++i];
        } else {
            return cn_ui_usage_error(CMD, "unknown option '%s'", a);
        }
    }
    if (!n_data) return cn_ui_usage_error(CMD, "no --data folder");
    if (!out) return cn_ui_usage_error(CMD, "no output file (-o FILE)");
    cn_ngram_ltm *ltm;
    if (cn_ngram_ltm_train((int)order, data, n_data, &ltm)) return cn_ui_error(CMD, NULL);
    cn_status st = cn_ngram_ltm_save(ltm, out);
    int tunes = cn_ngram_ltm_tunes(ltm);
    cn_ngram_ltm_destroy(ltm);
    if (st) return cn_ui_error(CMD, NULL);
    fprintf(stderr, "%s: %d tunes, order %ld\n", out, tunes, order);
    return 0;
}
