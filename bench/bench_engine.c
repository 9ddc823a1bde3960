// bench_engine.c: placeholder until the engine benchmark lands (replace this whole file).
#include "cn_bench.h"
#include "cn_cli.h"

int cn_bench_engine(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return cn_cli_error("bench", "engine benchmark not implemented yet");
}
