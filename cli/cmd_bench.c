// cmd_bench.c: `continuo bench [engine|melody|wavenet]` dispatch (benchmarks live in bench/).
#include <stdio.h>
#include <string.h>

#include "bench/cn_bench.h"
#include "cli/cn_cli.h"

int cn_cmd_bench(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: continuo bench engine|melody|mixture|infill|conditioning|wavenet|blas|live|allreduce [options]\n"
               "  engine   ring-buffer throughput vs memcpy, reference synth real-time factor\n"
               "  melody   bits/note vs an n-gram baseline, tokens/s with and without KV cache\n"
               "  mixture  the mixture's weights on a validation folder (a grid)\n"
               "  infill   bits/note of bars given both sides vs the left side only, and how\n"
               "           infills join the music after them\n"
               "  conditioning  what --key, --meter and --style do after short and long primers\n"
               "  wavenet  real-time factor, cached vs naive generation, training samples/s\n"
               "  blas     OpenBLAS's own core for this CPU vs the one continuo runs: sgemm\n"
               "           peak and WaveNet training speed, each in a child process\n"
               "  live     soak: endless WaveNet playback on an audio device with a CPU hog:\n"
               "           xruns, largest callback gap, resident memory\n"
               "  allreduce  under mpirun: gradient allreduce time and bandwidth against its size,\n"
               "           and its share of a default training step (data-parallel training)\n"
               "Each benchmark measures its ratios within one run; see '<what> --help'.\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "engine")) return cn_bench_engine(argc - 1, argv + 1);
    if (!strcmp(argv[1], "melody")) return cn_bench_melody(argc - 1, argv + 1);
    if (!strcmp(argv[1], "mixture")) return cn_bench_mixture(argc - 1, argv + 1);
    if (!strcmp(argv[1], "infill")) return cn_bench_infill(argc - 1, argv + 1);
    if (!strcmp(argv[1], "conditioning")) return cn_bench_conditioning(argc - 1, argv + 1);
    if (!strcmp(argv[1], "wavenet")) return cn_bench_wavenet(argc - 1, argv + 1);
    if (!strcmp(argv[1], "blas")) return cn_bench_blas(argc - 1, argv + 1);
    if (!strcmp(argv[1], "live")) return cn_bench_live(argc - 1, argv + 1);
    if (!strcmp(argv[1], "allreduce")) return cn_bench_allreduce(argc - 1, argv + 1);
    return cn_ui_usage_error("bench", "unknown benchmark '%s'", argv[1]);
}
