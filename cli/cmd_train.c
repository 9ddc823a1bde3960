// cmd_train.c: `continuo train melody|wavenet ...` dispatch.
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "cli/cn_train.h"

int cn_cmd_train(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: continuo train melody  --data DIR... [--init FILE] [--steps N] -o FILE\n"
               "       continuo train wavenet --data DIR... [--init FILE] [--steps N] -o FILE\n"
               "       continuo train ngram   --data DIR... [--order N] -o FILE\n"
               "See 'continuo train melody|wavenet|ngram --help'.\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "melody")) return cn_train_melody_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "wavenet")) return cn_train_wavenet_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "ngram")) return cn_train_ngram_main(argc - 1, argv + 1);
    return cn_ui_usage_error("train", "unknown model '%s' (melody, wavenet or ngram)", argv[1]);
}
