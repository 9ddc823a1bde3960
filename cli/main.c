// main.c: the `continuo` command: dispatches to one subcommand per file (cli/cmd_*.c).
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cn_subcommand;

static const cn_subcommand subcommands[] = {
    {"continue", cn_cmd_continue, "continue a melody (MIDI file or text notation)"},
    {"infill", cn_cmd_infill, "regenerate bars of a melody given the music on both sides"},
    {"score", cn_cmd_score, "bits per note of melodies under a model"},
    {"render", cn_cmd_render, "render MIDI to an audio file"},
    {"play", cn_cmd_play, "play MIDI (or an endless continuation) through the speakers"},
    {"devices", cn_cmd_devices, "list audio output devices"},
    {"train", cn_cmd_train, "train or fine-tune a model (melody | wavenet)"},
    {"plugins", cn_cmd_plugins, "list generator and effect plugins with their parameters"},
    {"presets", cn_cmd_presets, "list the shipped melody models and instruments"},
    {"bench", cn_cmd_bench, "benchmarks (melody | mixture | infill | conditioning | wavenet | engine | blas | live | allreduce)"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: continuo <command> [options]   (continuo <command> --help for details)\n\n"
               "continuo continues melodies with a small transformer and turns notes into sound\n"
               "with a WaveNet or a reference synth, live or into audio files.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\n  --version  version, BLAS core, SIMD kernels and shipped model hashes\n");
}

int main(int argc, char **argv) {
    cn_ui_blas_reexec(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) return cn_cmd_version();
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (!strcmp(argv[1], subcommands[i].name)) {
            // play stops cleanly on SIGINT itself (and finishes its recording)
            if (strcmp(argv[1], "play")) cn_ui_cleanup_on_signals(argv[1]);
            return subcommands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "continuo: unknown command '%s' (try 'continuo --help')\n", argv[1]);
    return 2;
}
