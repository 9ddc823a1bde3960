// cmd_play.c: `continuo play IN.mid`: live playback through PortAudio. A worker thread
// renders the graph into the ring buffer ahead of the audio clock; the device callback
// only reads it. `continuo play --endless` plays a melody the predictor keeps continuing
// (play_endless.c feeds the graph's event queue). Prints one summary line on stderr at
// the end:
//   played N frames (X.X s) at R Hz, latency L ms, xruns: K, device xruns: D
// K counts device callbacks that found the ring buffer short (the engine fell behind);
// D counts underflows the device or audio server reported (it missed its own deadline,
// e.g. on a loaded machine without real-time scheduling).
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cn_cli.h"
#include "host/cn_endless.h"
#include "engine/cn_live.h"
#include "host/cn_playback.h"
#include "models/melody/cn_predictor.h"

#define PLAY_BLOCK 256
#define MAX_NGRAM_DATA 16

// Set by SIGINT/SIGTERM and by the endless generator when it fails; a lock-free atomic,
// so the handler may store to it and another thread may too.
static atomic_int stop_requested;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only store to lock-free atomics");
static void on_signal(int sig) {
    (void)sig;
    atomic_store_explicit(&stop_requested, 1, memory_order_relaxed);
}

static void usage(void) {
    printf("usage: continuo play IN.mid [options]\n"
           "       continuo play --endless [--primer PRIMER] [--model M | --ngram-only]\n"
           "                     [--temperature T] [--top-k K] [--top-p P] [--seed S] [options]\n"
           "Plays every note of IN.mid through an audio device until the last release tail\n"
           "(or --duration, or Ctrl-C), then prints frames played, latency (ring buffer +\n"
           "device), xruns (callbacks that found the engine behind) and device xruns\n"
           "(underflows the device or audio server reported).\n"
           "With --endless, plays PRIMER and then the melody predictor's continuation of it,\n"
           "generated note by note a few seconds ahead of the sound, until --duration or\n"
           "Ctrl-C (see docs/live.md).\n"
           "  --device D             device index or part of its name (see 'continuo\n"
           "                         devices'; default: the default output)\n"
           "  --latency MS           buffering ahead of the audio clock (default 50)\n"
           "  --duration SECONDS     stop after this long\n"
           "  --rate HZ              sample rate (default: the device's default rate)\n"
           "  --block N              frames per device callback (default 256)\n"
           "  -o, --output FILE      also record what is played to FILE (.wav or .flac)\n"
           "  --synth ID, --instrument NAME, --preset P, --fx CHAIN\n"
           "                         as for 'continuo render'\n"
           "  --seed S               seed of the synth and, with --endless, of the melody\n"
           "                         sampler (default: random; the 'endless:' line says it)\n"
           "Endless mode:\n"
           "  --endless              continue the primer forever (until --duration/Ctrl-C)\n"
           "  --primer P             MIDI file, text-notation file, or notation such as\n"
           "                         \"D5:1/2 F#5:1/2 A5\" (default data/demo/primer.txt)\n"
           "  --model M              transformer preset or .safetensors file, mixed with the\n"
           "                         adaptive n-gram (default %s; when that is not\n"
           "                         installed, the n-gram alone, with a notice)\n"
           "  --ngram-only           the adaptive n-gram alone\n"
           "  --ngram-data D         train the n-gram's long-term model on D (repeatable;\n"
           "                         default data/melody/nottingham/train)\n"
           "  --temperature T, --top-k K, --top-p P\n"
           "                         sampling, as for 'continuo continue' (default 1, 0, 1)\n"
           "  --bpm BPM              tempo (default: the primer's; 120 for notation)\n"
           "  --melody-out FILE.mid  also write primer + continuation, as far as played\n",
           CN_PREDICTOR_DEFAULT_MODEL);
}

typedef struct {
    const char *device, *record_path, *in;
    cn_synth_opts so;
    double latency_ms, duration;
    long rate, block;
    int endless, endless_flag, have_seed;
    cn_endless_opts eo;
    const char *ngram_data[MAX_NGRAM_DATA];
} play_args;

// Returns 0, or the exit code of a usage error.
static int parse_args(int argc, char **argv, play_args *a, int *help) {
    static const struct option opts[] = {
        {"device", required_argument, 0, 'd'}, {"latency", required_argument, 0, 'l'},
        {"duration", required_argument, 0, 't'}, {"rate", required_argument, 0, 'r'},
        {"block", required_argument, 0, 'b'}, {"output", required_argument, 0, 'o'},
        {"synth", required_argument, 0, 's'}, {"instrument", required_argument, 0, 'i'},
        {"preset", required_argument, 0, 'p'}, {"fx", required_argument, 0, 'f'},
        {"seed", required_argument, 0, 'S'}, {"endless", no_argument, 0, 'e'},
        {"primer", required_argument, 0, 'P'}, {"model", required_argument, 0, 'm'},
        {"ngram-only", no_argument, 0, 'g'}, {"ngram-data", required_argument, 0, 'D'},
        {"temperature", required_argument, 0, 'T'},
        {"top-k", required_argument, 0, 'k'}, {"top-p", required_argument, 0, 'u'},
        {"bpm", required_argument, 0, 'B'}, {"melody-out", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    long seed, top_k;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1;) {
        switch (c) {
        case 'd': a->device = optarg; break;
        case 'l':
            if (!cn_ui_parse_double(optarg, 1, 5000, &a->latency_ms))
                return cn_ui_usage_error("play", "--latency must be 1..5000 ms, got '%s'", optarg);
            break;
        case 't':
            if (!cn_ui_parse_double(optarg, 0.001, 1e7, &a->duration))
                return cn_ui_usage_error("play", "--duration must be a positive number of seconds, got '%s'", optarg);
            break;
        case 'r':
            if (!cn_ui_parse_int(optarg, 8000, 384000, &a->rate))
                return cn_ui_usage_error("play", "--rate must be 8000..384000 Hz, got '%s'", optarg);
            break;
        case 'b':
            if (!cn_ui_parse_int(optarg, 16, 8192, &a->block))
                return cn_ui_usage_error("play", "--block must be 16..8192 frames, got '%s'", optarg);
            break;
        case 'o': a->record_path = optarg; break;
        case 's': a->so.synth = optarg; break;
        case 'i': a->so.instrument = optarg; break;
        case 'p': a->so.preset = optarg; break;
        case 'f': a->so.fx = optarg; break;
        case 'S':
            if (!cn_ui_parse_int(optarg, 0, 0x7fffffffL, &seed))
                return cn_ui_usage_error("play", "--seed must be a non-negative integer, got '%s'", optarg);
            a->so.seed = optarg;
            a->eo.seed = (uint64_t)seed;
            a->have_seed = 1;
            break;
        case 'e': a->endless = 1; break;
        case 'P': a->eo.primer = optarg, a->endless_flag = c; break;
        case 'm': a->eo.model = optarg, a->endless_flag = c; break;
        case 'g': a->eo.ngram_only = 1, a->endless_flag = c; break;
        case 'D':
            if (a->eo.n_ngram_data == MAX_NGRAM_DATA)
                return cn_ui_usage_error("play", "at most %d --ngram-data paths", MAX_NGRAM_DATA);
            a->ngram_data[a->eo.n_ngram_data++] = optarg;
            a->eo.ngram_data = a->ngram_data;
            a->endless_flag = c;
            break;
        case 'T':
            if (!cn_ui_parse_double(optarg, 1e-3, 100, &a->eo.sample.temperature))
                return cn_ui_usage_error("play", "--temperature must be a number in [0.001, 100], got '%s'", optarg);
            a->endless_flag = c;
            break;
        case 'k':
            if (!cn_ui_parse_int(optarg, 0, 128, &top_k))
                return cn_ui_usage_error("play", "--top-k must be an integer in 0..128, got '%s'", optarg);
            a->eo.sample.top_k = (int)top_k;
            a->endless_flag = c;
            break;
        case 'u':
            if (!cn_ui_parse_double(optarg, 1e-9, 1, &a->eo.sample.top_p))
                return cn_ui_usage_error("play", "--top-p must be a number in (0, 1], got '%s'", optarg);
            a->endless_flag = c;
            break;
        case 'B':
            if (!cn_ui_parse_double(optarg, 20, CN_ENDLESS_MAX_BPM, &a->eo.bpm))
                return cn_ui_usage_error("play", "--bpm must be 20..%d, got '%s'", CN_ENDLESS_MAX_BPM, optarg);
            a->endless_flag = c;
            break;
        case 'M': a->eo.melody_out = optarg, a->endless_flag = c; break;
        case 'h': *help = 1; return 0;
        case ':': return cn_ui_usage_error("play", "%s needs a value", argv[optind - 1]);
        default: return cn_ui_usage_error("play", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (a->endless) {
        if (optind < argc) return cn_ui_usage_error("play", "--endless takes no MIDI file");
        if (a->eo.model && a->eo.ngram_only)
            return cn_ui_usage_error("play", "--model and --ngram-only exclude each other");
        if (!a->have_seed) // reported in the endless summary, so a run can be repeated
            a->eo.seed = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16)) & 0x7fffffff;
        return 0;
    }
    if (a->endless_flag) {
        for (const struct option *o = opts; o->name; o++)
            if (o->val == a->endless_flag)
                return cn_ui_usage_error("play", "--%s needs --endless", o->name);
    }
    if (optind >= argc) return cn_ui_usage_error("play", "missing input MIDI file (or --endless)");
    if (optind + 1 < argc) return cn_ui_usage_error("play", "unexpected argument '%s'", argv[optind + 1]);
    a->in = argv[optind];
    return 0;
}

// Play with stderr kept ours: host back-ends print diagnostics while opening streams.
// In endless mode the generator thread runs for exactly as long as the playback.
static cn_status play_quietly(cn_graph *g, const cn_live_config *cfg, cn_endless *en,
                              cn_live_result *res) {
    fflush(stderr);
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0) dup2(null, STDERR_FILENO);
    cn_status st = en ? cn_endless_start(en, &stop_requested) : CN_OK;
    if (!st) st = cn_live_play(g, cfg, &stop_requested, res);
    cn_status gen_st = cn_endless_stop(en);
    if (!st) st = gen_st;
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    if (null >= 0) close(null);
    return st;
}

int cn_cmd_play(int argc, char **argv) {
    play_args a = {.latency_ms = 50, .duration = -1, .block = PLAY_BLOCK,
                   .eo.sample = cn_sample_config_default()};
    int help = 0, rc = parse_args(argc, argv, &a, &help);
    if (help) usage();
    if (rc || help) return rc;
    // From here Ctrl-C ends the run cleanly (during setup too: it then plays nothing).
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    cn_midi *m = NULL; // read first: a bad file or primer is reported before any device is touched
    cn_endless *en = NULL;
    if (a.endless ? cn_endless_create(&a.eo, &en) : cn_midi_read_file(a.in, &m))
        return cn_ui_error("play", NULL);
    cn_live_config cfg;
    cn_live_config_default(&cfg);
    cn_graph *g = NULL;
    cn_sink *rec = NULL;
    long rate = a.rate;
    cn_status st = cn_playback_pa_init_quiet();
    int pa = !st;
    if (!st) st = cn_pa_device_find(a.device, &cfg.device);
    if (!st && rate == 0) {
        cn_pa_device_info info = {0};
        st = cn_pa_device_get(cfg.device, &info);
        rate = (long)(info.default_rate + 0.5);
    }
    int64_t total = INT64_MAX; // endless: until --duration or Ctrl-C
    if (!st && en) st = cn_endless_prepare(en, &a.so, (double)rate, (int)a.block, &g);
    else if (!st) st = cn_playback_build(m, a.in, &a.so, (double)rate, (int)a.block, &g, &total);
    for (int i = 0; en && cn_endless_notice(en, i); i++) fprintf(stderr, "continuo play: %s\n", cn_endless_notice(en, i));
    cn_midi_destroy(m);
    if (!st && a.duration > 0 && (int64_t)(a.duration * (double)rate) < total)
        total = (int64_t)(a.duration * (double)rate);
    if (!st && a.record_path) st = cn_sink_sndfile_create(a.record_path, (int)rate, CN_FILE_AUTO, &rec);
    cn_live_result res = {0};
    if (!st) {
        cfg.latency_ms = a.latency_ms;
        cfg.block = (int)a.block;
        cfg.frames = total;
        cfg.record = rec;
        st = play_quietly(g, &cfg, en, &res);
    }
    if (!st && rec) st = rec->finish(rec);
    if (!st && en) st = cn_endless_write_melody(en, res.frames_played);
    if (!st && en) {
        int64_t notes, sampled, late;
        cn_endless_counts(en, &notes, &sampled, &late);
        fprintf(stderr, "endless: %" PRId64 " notes queued (%" PRId64 " sampled by %s, seed %"
                        PRIu64 "), late: %" PRId64 "\n",
                notes, sampled, cn_endless_model_name(en), a.eo.seed, late);
    }
    cn_sink_destroy(rec);
    cn_endless_destroy(en);
    cn_graph_destroy(g);
    if (pa) cn_pa_terminate();
    if (st) return cn_ui_error("play", NULL);
    fprintf(stderr, "played %lld frames (%.1f s) at %ld Hz, latency %.0f ms, xruns: %lld, "
                    "device xruns: %lld\n",
            (long long)res.frames_played, (double)res.frames_played / (double)rate, rate,
            res.latency_ms, (long long)res.xruns, (long long)res.device_xruns);
    return 0;
}
