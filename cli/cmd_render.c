// cmd_render.c: `continuo render IN.mid -o OUT.wav`: offline render of every note of a
// MIDI file through a generator and an effect chain into an audio file, as fast as the
// generator allows. Same input and options -> bit-identical file.
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "host/cn_playback.h"

#define RENDER_BLOCK 512

static void usage(void) {
    printf("usage: continuo render IN.mid -o OUT.wav [options]\n"
           "Renders every note of IN.mid (all tracks, polyphonic) to an audio file. The file\n"
           "lasts until the last note-off plus the synth's and effects' release tails.\n"
           "  -o, --output FILE      output file (.wav or .flac); written to a temporary\n"
           "                         name and renamed when complete\n"
           "  --synth ID             generator: reference (default) or wavenet (instruments:\n"
           "                         see presets/wavenet-*.json); see 'continuo plugins'\n"
           "  --instrument NAME      instrument (reference synth: sine, triangle, saw, square)\n"
           "  --preset P             generator preset (wavenet): a name, a .json file, or a\n"
           "                         .safetensors model file (temperature 0)\n"
           "  --rate HZ              sample rate (default 48000)\n"
           "  --fx CHAIN             effects in order, e.g. \"eq:gain=3,reverb:mix=0.2,limiter\"\n"
           "                         (ID[:PARAM=VALUE...] items separated by commas)\n"
           "  --seed S               random seed for stochastic generators (the reference\n"
           "                         synth is deterministic and ignores it)\n"
           "  --format F             wav16 | wav24 | float | flac (default from the extension:\n"
           "                         .wav -> wav16, .flac -> flac)\n");
}

int cn_cmd_render(int argc, char **argv) {
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"synth", required_argument, 0, 's'},
        {"instrument", required_argument, 0, 'i'}, {"preset", required_argument, 0, 'p'},
        {"rate", required_argument, 0, 'r'}, {"fx", required_argument, 0, 'f'},
        {"seed", required_argument, 0, 'S'}, {"format", required_argument, 0, 'F'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    cn_synth_opts so = {0};
    cn_file_format fmt = CN_FILE_AUTO;
    long rate = 48000, seed;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1;) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': so.synth = optarg; break;
        case 'i': so.instrument = optarg; break;
        case 'p': so.preset = optarg; break;
        case 'f': so.fx = optarg; break;
        case 'r':
            if (!cn_ui_parse_int(optarg, 8000, 384000, &rate))
                return cn_ui_usage_error("render", "--rate must be 8000..384000 Hz, got '%s'", optarg);
            break;
        case 'S':
            if (!cn_ui_parse_int(optarg, 0, 0x7fffffffL, &seed))
                return cn_ui_usage_error("render", "--seed must be a non-negative integer, got '%s'", optarg);
            so.seed = optarg;
            break;
        case 'F':
            if (cn_file_format_parse(optarg, &fmt)) return cn_ui_usage_error("render", "%s", cn_error_message());
            break;
        case 'h': usage(); return 0;
        case ':': return cn_ui_usage_error("render", "%s needs a value", argv[optind - 1]);
        default: return cn_ui_usage_error("render", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return cn_ui_usage_error("render", "missing input MIDI file");
    if (optind + 1 < argc) return cn_ui_usage_error("render", "unexpected argument '%s'", argv[optind + 1]);
    if (!out) return cn_ui_usage_error("render", "missing -o OUT.wav");
    const char *in = argv[optind];

    cn_midi *m = NULL;
    if (cn_midi_read_file(in, &m)) return cn_ui_error("render", NULL);
    cn_graph *g = NULL;
    int64_t total = 0;
    cn_status built = cn_playback_build(m, in, &so, (double)rate, RENDER_BLOCK, &g, &total);
    cn_midi_destroy(m);
    if (built) return cn_ui_error("render", NULL);
    cn_sink *sink = NULL;
    cn_status st = cn_sink_sndfile_create(out, (int)rate, fmt, &sink);
    cn_ui_progress line;
    cn_ui_progress_init(&line, "render");
    const cn_progress_cb progress = {cn_ui_progress_draw, &line};
    if (!st) st = cn_graph_render(g, sink, total, &progress);
    if (!st) st = sink->finish(sink);
    cn_sink_destroy(sink); // removes the temporary file unless finished
    cn_graph_destroy(g);
    if (st) return cn_ui_error("render", NULL);
    fprintf(stderr, "rendered %lld frames (%.1f s) at %ld Hz to %s\n", (long long)total,
            (double)total / (double)rate, rate, out);
    return 0;
}
