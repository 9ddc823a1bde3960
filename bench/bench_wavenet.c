// bench_wavenet.c: placeholder until the wavenet benchmark lands (replace this whole file).
#include "cn_bench.h"
#include "cn_cli.h"

int cn_bench_wavenet(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("bench", "wavenet benchmark not implemented yet");
}
