// cmd_play.c: `continuo play IN.mid`: live playback through PortAudio. A worker thread
// renders the graph into the ring buffer ahead of the audio clock; the device callback
// only reads it. Prints one summary line on stderr at the end:
//   played N frames (X.X s) at R Hz, latency L ms, xruns: K, device xruns: D
// K counts device callbacks that found the ring buffer short (the engine fell behind);
// D counts underflows the device or audio server reported (it missed its own deadline,
// e.g. on a loaded machine without real-time scheduling).
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cn_cli.h"
#include "cn_live.h"
#include "cn_playback.h"

#define PLAY_BLOCK 256

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void usage(void) {
    printf("usage: continuo play IN.mid [options]\n"
           "       continuo play --endless [--primer PRIMER] [options]\n"
           "Plays every note of IN.mid through an audio device until the last release tail\n"
           "(or --duration, or Ctrl-C), then prints frames played, latency (ring buffer +\n"
           "device), xruns (callbacks that found the engine behind) and device xruns\n"
           "(underflows the device or audio server reported).\n"
           "  --device D             device index or part of its name (see 'continuo\n"
           "                         devices'; default: the default output)\n"
           "  --latency MS           buffering ahead of the audio clock (default 50)\n"
           "  --duration SECONDS     stop after this long\n"
           "  --rate HZ              sample rate (default: the device's default rate)\n"
           "  --block N              frames per device callback (default 256)\n"
           "  -o, --output FILE      also record what is played to FILE (.wav or .flac)\n"
           "  --synth ID, --instrument NAME, --preset P, --fx CHAIN, --seed S\n"
           "                         as for 'continuo render'\n"
           "  --endless, --primer P  endless melody continuation (needs the melody model)\n");
}

// The endless mode needs the melody transformer as an event generator; until it is
// registered this is the one place to hook it in.
static int play_endless(void) {
    return cn_cli_error("play", "--endless is not available yet: the melody model is not "
                                "part of this build");
}

int cn_cmd_play(int argc, char **argv) {
    static const struct option opts[] = {
        {"device", required_argument, 0, 'd'}, {"latency", required_argument, 0, 'l'},
        {"duration", required_argument, 0, 't'}, {"rate", required_argument, 0, 'r'},
        {"block", required_argument, 0, 'b'}, {"output", required_argument, 0, 'o'},
        {"synth", required_argument, 0, 's'}, {"instrument", required_argument, 0, 'i'},
        {"preset", required_argument, 0, 'p'}, {"fx", required_argument, 0, 'f'},
        {"seed", required_argument, 0, 'S'}, {"endless", no_argument, 0, 'e'},
        {"primer", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *device = NULL, *record_path = NULL;
    cn_synth_opts so = {0};
    double latency_ms = 50, duration = -1;
    long rate = 0, block = PLAY_BLOCK, seed;
    int endless = 0;
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1;) {
        switch (c) {
        case 'd': device = optarg; break;
        case 'l':
            if (!cn_cli_parse_double(optarg, 1, 5000, &latency_ms))
                return cn_cli_usage_error("play", "--latency must be 1..5000 ms, got '%s'", optarg);
            break;
        case 't':
            if (!cn_cli_parse_double(optarg, 0.001, 1e7, &duration))
                return cn_cli_usage_error("play", "--duration must be a positive number of seconds, got '%s'", optarg);
            break;
        case 'r':
            if (!cn_cli_parse_int(optarg, 8000, 384000, &rate))
                return cn_cli_usage_error("play", "--rate must be 8000..384000 Hz, got '%s'", optarg);
            break;
        case 'b':
            if (!cn_cli_parse_int(optarg, 16, 8192, &block))
                return cn_cli_usage_error("play", "--block must be 16..8192 frames, got '%s'", optarg);
            break;
        case 'o': record_path = optarg; break;
        case 's': so.synth = optarg; break;
        case 'i': so.instrument = optarg; break;
        case 'p': so.preset = optarg; break;
        case 'f': so.fx = optarg; break;
        case 'S':
            if (!cn_cli_parse_int(optarg, 0, 0x7fffffffL, &seed))
                return cn_cli_usage_error("play", "--seed must be a non-negative integer, got '%s'", optarg);
            so.seed = optarg;
            break;
        case 'e': endless = 1; break;
        case 'P': break; // the primer only matters for --endless
        case 'h': usage(); return 0;
        case ':': return cn_cli_usage_error("play", "%s needs a value", argv[optind - 1]);
        default: return cn_cli_usage_error("play", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (endless) {
        if (optind < argc) return cn_cli_usage_error("play", "--endless takes no MIDI file");
        return play_endless();
    }
    if (optind >= argc) return cn_cli_usage_error("play", "missing input MIDI file (or --endless)");
    if (optind + 1 < argc) return cn_cli_usage_error("play", "unexpected argument '%s'", argv[optind + 1]);
    const char *in = argv[optind];

    cn_midi *m = NULL; // read first: a bad file is reported before any device is touched
    if (cn_midi_read_file(in, &m)) return cn_cli_error("play", NULL);
    if (cn_playback_pa_init_quiet()) {
        cn_midi_destroy(m);
        return cn_cli_error("play", NULL);
    }
    cn_live_config cfg;
    cn_live_config_default(&cfg);
    cn_graph *g = NULL;
    cn_sink *rec = NULL;
    cn_status st = cn_pa_device_find(device, &cfg.device);
    if (!st && rate == 0) {
        cn_pa_device_info info = {0};
        st = cn_pa_device_get(cfg.device, &info);
        rate = (long)(info.default_rate + 0.5);
    }
    int64_t total = 0;
    if (!st) st = cn_playback_build(m, in, &so, (double)rate, (int)block, &g, &total);
    cn_midi_destroy(m);
    if (!st && duration > 0 && (int64_t)(duration * (double)rate) < total)
        total = (int64_t)(duration * (double)rate);
    if (!st && record_path) st = cn_sink_sndfile_create(record_path, (int)rate, CN_FILE_AUTO, &rec);
    cn_live_result res = {0};
    if (!st) {
        cfg.latency_ms = latency_ms;
        cfg.block = (int)block;
        cfg.frames = total;
        cfg.record = rec;
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        // Host back-ends print diagnostics while opening streams; keep stderr ours.
        fflush(stderr);
        int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
        if (saved >= 0 && null >= 0) dup2(null, STDERR_FILENO);
        st = cn_live_play(g, &cfg, &stop_requested, &res);
        if (saved >= 0) {
            dup2(saved, STDERR_FILENO);
            close(saved);
        }
        if (null >= 0) close(null);
    }
    if (!st && rec) st = rec->finish(rec);
    cn_sink_destroy(rec);
    cn_graph_destroy(g);
    cn_pa_terminate();
    if (st) return cn_cli_error("play", NULL);
    fprintf(stderr, "played %lld frames (%.1f s) at %ld Hz, latency %.0f ms, xruns: %lld, "
                    "device xruns: %lld\n",
            (long long)res.frames_played, (double)res.frames_played / (double)rate, rate,
            res.latency_ms, (long long)res.xruns, (long long)res.device_xruns);
    return 0;
}
