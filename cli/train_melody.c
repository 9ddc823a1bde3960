// train_melody.c: placeholder until `continuo train melody` lands (replace this whole file).
#include "cn_cli.h"
#include "cn_train.h"

int cn_train_melody_main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("train", "melody training not implemented yet");
}
