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
           "  --latency MS           buffering ahead of the audio clock (default 50); a\n"
           "                         WaveNet too slow for its voices steals them only when\n"
           "                         this runs low (or they stay over --budget), so a\n"
           "                         longer one rides out short overloads\n"
           "  --duration SECONDS     stop after this long\n"
           "  --rate HZ              sample rate (default: the device's default rate)\n"
           "  --block N              frames per device callback (default 256)\n"
           "  -o, --output FILE      also record what is played to FILE (.wav or .flac)\n"
           "  --synth ID, --instrument NAME, --preset P, --fx CHAIN\n"
           "                         as for 'continuo render' (LV2 effects: lv2:URI...)\n"
           "  --threads N            threads rendering the wavenet's voices (1-4; default:\n"
           "                         one per core)\n"
           "  --budget SHARE         share of real time the wavenet's voices may take to\n"
           "                         render (0.01-1, default %g): over it, the oldest are\n"
           "                         stolen when the latency runs low or the voices stay\n"
           "                         over it for about half a second\n"
           "  --weights W            the wavenet's weights, as for 'continuo render'\n"
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
           CN_PLAYBACK_LIVE_BUDGET, CN_PREDICTOR_DEFAULT_MODEL);
}

typedef struct {
    const char *device, *record_path, *in;
    cn_synth_opts so;
    double latency_ms, duration;
    long rate, block, seed, top_k, threads;
    int endless, have_seed, budget_seen;
    int endless_seen[9]; // the endless-only flags given, in the table's order
    cn_endless_opts eo;
    const char *ngram_data[MAX_NGRAM_DATA];
    cn_flag_list ngram_list;
    char seed_buf[32];
} play_args;

// Returns 0, 1 after --help, or the exit code of a usage error.
static int parse_args(int argc, char **argv, play_args *a) {
    int *e = a->endless_seen;
    const cn_flag flags[] = {
        // endless-only flags first (endless_seen[] follows this order)
        {"primer", 0, CN_FLAG_STR, &a->eo.primer, 0, 0, &e[0]},
        {"model", 0, CN_FLAG_STR, &a->eo.model, 0, 0, &e[1]},
        {"ngram-only", 0, CN_FLAG_SET, &a->eo.ngram_only, 0, 0, &e[2]},
        {"ngram-data", 0, CN_FLAG_LIST, &a->ngram_list, 0, 0, &e[3]},
        {"temperature", 0, CN_FLAG_DBL, &a->eo.sample.temperature, 1e-3, 100, &e[4]},
        {"top-k", 0, CN_FLAG_LONG, &a->top_k, 0, 128, &e[5]},
        {"top-p", 0, CN_FLAG_DBL, &a->eo.sample.top_p, 1e-9, 1, &e[6]},
        {"bpm", 0, CN_FLAG_DBL, &a->eo.bpm, 20, CN_ENDLESS_MAX_BPM, &e[7]},
        {"melody-out", 0, CN_FLAG_STR, &a->eo.melody_out, 0, 0, &e[8]},
        {"endless", 0, CN_FLAG_SET, &a->endless, 0, 0, NULL},
        {"device", 0, CN_FLAG_STR, &a->device, 0, 0, NULL},
        {"latency", 0, CN_FLAG_DBL, &a->latency_ms, 1, 5000, NULL},
        {"duration", 0, CN_FLAG_DBL, &a->duration, 0.001, 1e7, NULL},
        {"rate", 0, CN_FLAG_LONG, &a->rate, 8000, 384000, NULL},
        {"block", 0, CN_FLAG_LONG, &a->block, 16, 8192, NULL},
        {"output", 'o', CN_FLAG_STR, &a->record_path, 0, 0, NULL},
        {"synth", 0, CN_FLAG_STR, &a->so.synth, 0, 0, NULL},
        {"instrument", 0, CN_FLAG_STR, &a->so.instrument, 0, 0, NULL},
        {"preset", 0, CN_FLAG_STR, &a->so.preset, 0, 0, NULL},
        {"fx", 0, CN_FLAG_STR, &a->so.fx, 0, 0, NULL},
        {"seed", 0, CN_FLAG_LONG, &a->seed, 0, 0x7fffffffL, &a->have_seed},
        {"threads", 0, CN_FLAG_LONG, &a->threads, 1, 4, NULL},
        {"budget", 0, CN_FLAG_DBL, &a->so.budget, 0.01, 1, &a->budget_seen},
        {"weights", 0, CN_FLAG_STR, &a->so.weights, 0, 0, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = cn_ui_flags_parse("play", flags, (int)(sizeof flags / sizeof *flags), argc, argv, pos, 1, &n_pos);
    if (rc) return rc;
    if (a->top_k >= 0) a->eo.sample.top_k = (int)a->top_k;
    a->so.threads = (int)a->threads;
    if (a->budget_seen && !strcmp(cn_playback_synth_id(&a->so), "reference"))
        return cn_ui_usage_error("play", "the reference synth has no --budget (it is for the wavenet synth)");
    a->eo.ngram_data = a->ngram_list.items;
    a->eo.n_ngram_data = a->ngram_list.n;
    if (a->have_seed) {
        snprintf(a->seed_buf, sizeof a->seed_buf, "%ld", a->seed);
        a->so.seed = a->seed_buf;
        a->eo.seed = (uint64_t)a->seed;
    }
    if (a->endless) {
        if (n_pos) return cn_ui_usage_error("play", "--endless takes no MIDI file");
        if (a->eo.model && a->eo.ngram_only)
            return cn_ui_usage_error("play", "--model and --ngram-only exclude each other");
        if (!a->have_seed) // reported in the endless summary, so a run can be repeated
            a->eo.seed = ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16)) & 0x7fffffff;
        return 0;
    }
    for (int i = 0; i < 9; i++)
        if (e[i]) return cn_ui_usage_error("play", "--%s needs --endless", flags[i].name);
    if (!n_pos) return cn_ui_usage_error("play", "missing input MIDI file (or --endless)");
    a->in = pos[0];
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
    play_args a = {.latency_ms = 50, .duration = -1, .block = PLAY_BLOCK, .top_k = -1,
                   .so.budget = CN_PLAYBACK_LIVE_BUDGET, .eo.sample = cn_sample_config_default()};
    a.ngram_list = (cn_flag_list){a.ngram_data, 0, MAX_NGRAM_DATA};
    int rc = parse_args(argc, argv, &a);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
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
    int drums = 0;
    if (!st && !en) st = cn_playback_build(m, a.in, &a.so, (double)rate, (int)a.block, &g, &total, &drums);
    if (!st && drums) fprintf(stderr, "continuo play: %d drum notes (channel 10) skipped: no drum kit yet\n", drums);
    for (int i = 0; en && cn_endless_notice(en, i); i++) fprintf(stderr, "continuo play: %s\n", cn_endless_notice(en, i));
    cn_midi_destroy(m);
    if (!st && a.duration > 0 && (int64_t)(a.duration * (double)rate) < total)
        total = (int64_t)(a.duration * (double)rate);
    if (!st && a.record_path) st = cn_sink_sndfile_create(a.record_path, (int)rate, cn_graph_channels(g), CN_FILE_AUTO, &rec);
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
    int64_t clipped = rec ? rec->clipped : 0, stolen = g ? cn_graph_voices_stolen(g) : 0;
    int64_t tails = g ? cn_graph_voices_stolen_tails(g) : 0;
    cn_sink_destroy(rec);
    cn_endless_destroy(en);
    cn_graph_destroy(g);
    if (pa) cn_pa_terminate();
    if (st) return cn_ui_error("play", NULL);
    if (stolen) // before the summary, which scripts read as the last line
        fprintf(stderr, "continuo play: note: %lld voices were stolen (%lld of them notes already released, their "
                        "tails cut short): more notes sounded at once than the voice limit, or than this machine "
                        "renders in real time; a lighter synth keeps more (e.g. --preset wavenet-gm3.safetensors, the "
                        "16 kHz WaveNet, about half the CPU per voice), a longer --latency rides out short overloads\n",
                (long long)stolen, (long long)tails);
    fprintf(stderr, "played %lld frames (%.1f s) at %ld Hz, latency %.0f ms, xruns: %lld, "
                    "device xruns: %lld, voices stolen: %lld\n",
            (long long)res.frames_played, (double)res.frames_played / (double)rate, rate,
            res.latency_ms, (long long)res.xruns, (long long)res.device_xruns, (long long)stolen);
    if (res.record_dropped)
        fprintf(stderr, "continuo play: warning: the recording lost %lld frames (%.2f s): the disk could not keep "
                        "up\n", (long long)res.record_dropped, (double)res.record_dropped / (double)rate);
    if (clipped)
        fprintf(stderr, "continuo play: warning: %lld recorded samples were beyond full scale and clipped; "
                        "lower the gain, or end the chain with the limiter (--fx ...,limiter)\n", (long long)clipped);
    return 0;
}
