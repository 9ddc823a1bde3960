// cmd_play.c: placeholder until the subcommand lands (replace this whole file).
#include "cn_cli.h"

int cn_cmd_play(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("play", "not implemented yet");
}
