// cmd_render.c: `continuo render IN.mid -o OUT.wav`: offline render of every note of a
// MIDI file through a generator and an effect chain into an audio file, as fast as the
// generator allows; and `continuo render --primer P`: a continuation straight to audio,
// the melody plugin feeding the graph between blocks (the path `play --endless` takes
// live). Same input and options -> bit-identical file.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "host/cn_endless.h"
#include "host/cn_playback.h"

#define CMD "render"
#define RENDER_BLOCK 512
#define MAX_NGRAM_DATA 8

static void usage(void) {
    printf("usage: continuo render IN.mid -o OUT.wav [options]\n"
           "       continuo render --primer PRIMER [--notes N] [melody options] -o OUT.wav [options]\n"
           "Renders the notes of IN.mid (all tracks and channels; drums on channel 10 are\n"
           "skipped and counted: no drum kit yet) to a stereo audio file, until the last\n"
           "note-off plus the synth's and effects' release tails. Both synths are\n"
           "polyphonic (reference: 32 voices, WaveNet: 16; beyond that the oldest note is\n"
           "stolen, and the summary line counts it) and follow velocity, channel volume\n"
           "(CC7, CC11), pan (CC10), the sustain pedal (CC64) and pitch bend. The\n"
           "WaveNet picks each channel's instrument from its General MIDI\n"
           "program among all shipped instruments (both models) unless --instrument or\n"
           "a .json --preset names one (a model file as --preset: the programs choose\n"
           "among its instruments). With --primer it renders\n"
           "PRIMER and N notes of its continuation by the melody model instead (no MIDI\n"
           "file in between).\n"
           "  -o, --output FILE      output file (.wav or .flac); written to a temporary\n"
           "                         name and renamed when complete\n"
           "  --synth ID             generator: wavenet (the default) or reference (also\n"
           "                         picked by a sine/triangle/saw/square --instrument); see\n"
           "                         'continuo plugins'\n"
           "  --instrument NAME      instrument (reference synth: sine, triangle, saw, square;\n"
           "                         WaveNet: see 'continuo presets')\n"
           "  --preset P             generator preset (wavenet): a name, a .json file, a\n"
           "                         .safetensors model file or a training checkpoint\n"
           "                         (.ckpt; both at temperature 0)\n"
           "  --rate HZ              sample rate (default 48000)\n"
           "  --fx CHAIN             effects in order, e.g. \"eq:gain=3,reverb:mix=0.2,limiter\"\n"
           "                         (ID[:PARAM=VALUE...] items separated by commas); an\n"
           "                         installed LV2 effect is lv2:URI[:PORT=VALUE...], its\n"
           "                         latency compensated (see 'continuo plugins --lv2')\n"
           "  --threads N            threads rendering the wavenet's voices (1-4; default:\n"
           "                         one per core); the same audio on any count\n"
           "  --weights W            the wavenet's weights: auto (float; 16-bit for models\n"
           "                         over 1 MB), float, half, bf16 (CPUs with AVX512-BF16)\n"
           "                         or int8 (AVX512-VNNI: one voice faster, lower quality)\n"
           "  --seed S               random seed for stochastic generators and, with --primer,\n"
           "                         the melody sampler (default 1 there: a render is repeatable)\n"
           "  --format F             wav16 | wav24 | float | flac (default from the extension:\n"
           "                         .wav -> wav16, .flac -> flac)\n"
           "Continuation (--primer):\n"
           "  --primer P             MIDI file, notation file, or notation such as \"D5:1/2 F#5\"\n"
           "  --notes N              sampled notes after the primer (default 32)\n"
           "  --model M | --ngram-only | --ngram-data D\n"
           "  --temperature T, --top-k K, --top-p P, --bpm BPM\n"
           "                         as for 'continuo play --endless'\n");
}

typedef struct {
    const char *out, *in, *format;
    cn_synth_opts so;
    long rate, seed, notes, top_k, threads;
    int have_seed, ngram_only;
    cn_endless_opts eo;
    const char *ngram[MAX_NGRAM_DATA];
    cn_flag_list ngram_list;
} render_args;

static int parse(int argc, char **argv, render_args *a) {
    const cn_flag flags[] = {
        {"output", 'o', CN_FLAG_STR, &a->out, 0, 0, NULL},
        {"synth", 0, CN_FLAG_STR, &a->so.synth, 0, 0, NULL},
        {"instrument", 0, CN_FLAG_STR, &a->so.instrument, 0, 0, NULL},
        {"preset", 0, CN_FLAG_STR, &a->so.preset, 0, 0, NULL},
        {"fx", 0, CN_FLAG_STR, &a->so.fx, 0, 0, NULL},
        {"rate", 0, CN_FLAG_LONG, &a->rate, 8000, 384000, NULL},
        {"seed", 0, CN_FLAG_LONG, &a->seed, 0, 0x7fffffff, &a->have_seed},
        {"threads", 0, CN_FLAG_LONG, &a->threads, 1, 4, NULL},
        {"weights", 0, CN_FLAG_STR, &a->so.weights, 0, 0, NULL},
        {"format", 0, CN_FLAG_STR, &a->format, 0, 0, NULL},
        {"primer", 0, CN_FLAG_STR, &a->eo.primer, 0, 0, NULL},
        {"notes", 0, CN_FLAG_LONG, &a->notes, 1, 1000000, NULL},
        {"model", 0, CN_FLAG_STR, &a->eo.model, 0, 0, NULL},
        {"ngram-only", 0, CN_FLAG_SET, &a->ngram_only, 0, 0, NULL},
        {"ngram-data", 0, CN_FLAG_LIST, &a->ngram_list, 0, 0, NULL},
        {"temperature", 0, CN_FLAG_DBL, &a->eo.sample.temperature, 1e-3, 100, NULL},
        {"top-k", 0, CN_FLAG_LONG, &a->top_k, 0, 128, NULL},
        {"top-p", 0, CN_FLAG_DBL, &a->eo.sample.top_p, 1e-9, 1, NULL},
        {"bpm", 0, CN_FLAG_DBL, &a->eo.bpm, 20, CN_ENDLESS_MAX_BPM, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof flags[0]), argc, argv, pos, 1, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? -1 : rc;
    if (a->top_k >= 0) a->eo.sample.top_k = (int)a->top_k;
    a->so.threads = (int)a->threads;
    a->in = n_pos ? pos[0] : NULL;
    if (!a->out) return cn_ui_usage_error(CMD, "missing -o OUT.wav");
    if (a->eo.primer && a->in) return cn_ui_usage_error(CMD, "give IN.mid or --primer, not both");
    if (!a->eo.primer && !a->in) return cn_ui_usage_error(CMD, "missing input MIDI file (or --primer)");
    if (!a->eo.primer && (a->notes || a->eo.model || a->ngram_only || a->ngram_list.n))
        return cn_ui_usage_error(CMD, "--notes, --model and --ngram-* need --primer");
    if (a->eo.model && a->ngram_only) return cn_ui_usage_error(CMD, "--model and --ngram-only exclude each other");
    return 0;
}

// The graph for IN.mid, or for the continuation of --primer; *total = frames to render
// (CN_GRAPH_UNTIL_END for a continuation: known once its last note is drawn).
static cn_status build(render_args *a, cn_graph **g, int64_t *total) {
    if (a->in) {
        cn_midi *m = NULL;
        cn_status st = cn_midi_read_file(a->in, &m);
        int drums = 0;
        if (!st) st = cn_playback_build(m, a->in, &a->so, (double)a->rate, RENDER_BLOCK, g, total, &drums);
        if (!st && drums) fprintf(stderr, "continuo render: %d drum notes (channel 10) skipped: no drum kit yet\n", drums);
        cn_midi_destroy(m);
        return st;
    }
    a->eo.ngram_only = a->ngram_only;
    a->eo.ngram_data = a->ngram_list.items;
    a->eo.n_ngram_data = a->ngram_list.n;
    a->eo.notes = a->notes ? a->notes : 32;
    a->eo.seed = a->have_seed ? (uint64_t)a->seed : 1;
    char args[8192];
    cn_status st = cn_endless_plugin_args(&a->eo, args, sizeof args);
    if (!st) st = cn_playback_build_graph(&a->so, (double)a->rate, RENDER_BLOCK, g);
    if (!st) st = cn_graph_set_event_generator(*g, &cn_melody_plugin, args);
    void *mel = *g ? cn_graph_event_generator(*g) : NULL;
    for (int i = 0; mel && cn_melody_plugin_notice(mel, i); i++)
        fprintf(stderr, "continuo render: %s\n", cn_melody_plugin_notice(mel, i));
    *total = CN_GRAPH_UNTIL_END;
    return st;
}

int cn_cmd_render(int argc, char **argv) {
    render_args a = {.rate = 48000, .top_k = -1, .eo.sample = cn_sample_config_default()};
    a.ngram_list = (cn_flag_list){a.ngram, 0, MAX_NGRAM_DATA};
    char seed_buf[32];
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    if (a.have_seed) {
        snprintf(seed_buf, sizeof seed_buf, "%ld", a.seed);
        a.so.seed = seed_buf;
    }
    cn_file_format fmt = CN_FILE_AUTO;
    if (a.format && cn_file_format_parse(a.format, &fmt)) return cn_ui_usage_error(CMD, "%s", cn_error_message());
    cn_graph *g = NULL;
    int64_t total = 0;
    cn_status st = build(&a, &g, &total);
    cn_sink *sink = NULL;
    if (!st) st = cn_sink_sndfile_create(a.out, (int)a.rate, cn_graph_channels(g), fmt, &sink);
    cn_ui_progress line;
    cn_ui_progress_init(&line, CMD);
    const cn_progress_cb progress = {cn_ui_progress_draw, &line};
    int64_t notes = 0, sampled = 0;
    if (!st) st = cn_graph_render(g, sink, total, &progress);
    if (!st) st = sink->finish(sink);
    int64_t frames = g ? cn_graph_position(g) : 0, clipped = sink ? sink->clipped : 0;
    int64_t stolen = g ? cn_graph_voices_stolen(g) : 0, tails = g ? cn_graph_voices_stolen_tails(g) : 0;
    int channels = g ? cn_graph_channels(g) : 0;
    if (!st && a.eo.primer) cn_melody_plugin_counts(cn_graph_event_generator(g), &notes, &sampled);
    cn_sink_destroy(sink); // removes the temporary file unless finished
    cn_graph_destroy(g);
    if (st) return cn_ui_error(CMD, NULL);
    if (stolen) // before the summary, which scripts read as the last line
        fprintf(stderr, "continuo render: note: %lld voices were stolen (%lld of them notes already released, their "
                        "tails cut short): more notes sounded at once than the synth's voice limit\n",
                (long long)stolen, (long long)tails);
    if (a.eo.primer)
        fprintf(stderr, "rendered %" PRId64 " notes (%" PRId64 " of them continuation, seed %" PRIu64 "), ", notes,
                sampled, a.eo.seed);
    fprintf(stderr, "%s%lld frames (%.1f s) at %ld Hz, %s, to %s; voices stolen: %lld\n", a.eo.primer ? "" : "rendered ",
            (long long)frames, (double)frames / (double)a.rate, a.rate, channels == 2 ? "stereo" : "mono", a.out,
            (long long)stolen);
    if (clipped)
        fprintf(stderr, "continuo render: warning: %lld samples (%.2f%%) were beyond full scale and clipped; "
                        "lower the gain, or end the chain with the limiter (--fx ...,limiter)\n",
                (long long)clipped, 100.0 * (double)clipped / (double)(frames ? frames : 1));
    return 0;
}
