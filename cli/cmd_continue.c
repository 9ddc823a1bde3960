// cmd_continue.c: placeholder until the subcommand lands (replace this whole file).
#include "cn_cli.h"

int cn_cmd_continue(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("continue", "not implemented yet");
}
