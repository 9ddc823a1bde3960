// train_wavenet.c: placeholder until `continuo train wavenet` lands (replace this whole file).
#include "cn_cli.h"
#include "cn_train.h"

int cn_train_wavenet_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("train", "wavenet training not implemented yet");
}
