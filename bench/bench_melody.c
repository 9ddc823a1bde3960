// bench_melody.c: placeholder until the melody benchmark lands (replace this whole file).
#include "cn_bench.h"
#include "cn_cli.h"

int cn_bench_melody(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("bench", "melody benchmark not implemented yet");
}
