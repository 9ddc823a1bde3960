// bench_live.c: `continuo bench live`: a soak test of live playback. Endless generation
// (the melody plugin) played by the WaveNet through the effect chain (eq, reverb,
// limiter) on an audio device (a JACK server: 48 kHz, 256-frame periods in docs/live.md),
// while a CPU hog spins on another core. Reports xruns, device xruns, the largest gap
// between audio callbacks, the notes that sounded late, resident memory at the start, the
// end and its range (sampled every 5 s), so a leak or a stall shows, and the worker's load.
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/cn_bench.h"
#include "core/cn_clock.h"
#include "engine/cn_live.h"
#include "host/cn_endless.h"
#include "ui/cn_ui.h"

#define CMD "bench live"

static atomic_int stop_all;

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&stop_all, 1);
}

static double rss_mb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

typedef struct {
    atomic_int quit;
    double lo, hi;
} monitor;

static void *hog(void *arg) { // a busy core: the worker and the server share the other
    monitor *m = arg;
    volatile double x = 1.0;
    while (!atomic_load_explicit(&m->quit, memory_order_relaxed))
        for (int i = 0; i < 100000; i++) x = x * 1.0000001 + 1e-9;
    return NULL;
}

static void *watch_memory(void *arg) {
    monitor *m = arg;
    while (!atomic_load_explicit(&m->quit, memory_order_relaxed)) {
        double r = rss_mb();
        if (r < m->lo) m->lo = r;
        if (r > m->hi) m->hi = r;
        for (int i = 0; i < 50 && !atomic_load_explicit(&m->quit, memory_order_relaxed); i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static void usage(void) {
    printf("usage: continuo bench live [--minutes M] [--device D] [--rate HZ] [--block N]\n"
           "                           [--synth ID] [--instrument NAME] [--no-hog]\n"
           "Soak test: endless melody generation played by the WaveNet (default flute-16k)\n"
           "through eq, reverb and limiter on device D (default: one named JACK) for M\n"
           "minutes (default 1), at 48000 Hz in 256-frame callbacks, with a CPU hog on\n"
           "another core (--no-hog: without). Prints xruns, device xruns, the largest gap\n"
           "between callbacks, late notes, voices stolen, resident memory at the start and\n"
           "the end, and the worker's load: its rendering as a share of real time (wall\n"
           "and CPU), the busiest second and its longest wait for the CPU.\n"
           "Start a server first, e.g. jackd -d dummy -r 48000 -p 256 (docs/live.md).\n");
}

int cn_bench_live(int argc, char **argv) {
    double minutes = 1.0;
    long rate = 48000, block = 256;
    int no_hog = 0;
    const char *device = "JACK";
    cn_synth_opts so = {.synth = "wavenet", .instrument = "flute-16k", .fx = "eq,reverb:mix=0.15,limiter",
                        .budget = CN_PLAYBACK_LIVE_BUDGET};
    const cn_flag flags[] = {
        {"minutes", 0, CN_FLAG_DBL, &minutes, 0.05, 1440, NULL},
        {"device", 0, CN_FLAG_STR, &device, 0, 0, NULL},
        {"rate", 0, CN_FLAG_LONG, &rate, 8000, 192000, NULL},
        {"block", 0, CN_FLAG_LONG, &block, 16, 8192, NULL},
        {"synth", 0, CN_FLAG_STR, &so.synth, 0, 0, NULL},
        {"instrument", 0, CN_FLAG_STR, &so.instrument, 0, 0, NULL},
        {"no-hog", 0, CN_FLAG_SET, &no_hog, 0, 0, NULL},
    };
    int n_pos;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    cn_endless_opts eo = {.sample = cn_sample_config_default(), .seed = 1};
    cn_endless *en = NULL;
    cn_graph *g = NULL;
    cn_live_config cfg;
    cn_live_config_default(&cfg);
    cn_status st = cn_endless_create(&eo, &en);
    int pa = 0;
    if (!st && !(st = cn_playback_pa_init_quiet())) pa = 1;
    if (!st) st = cn_pa_device_find(device, &cfg.device);
    if (!st) st = cn_endless_prepare(en, &so, (double)rate, (int)block, &g);
    monitor m = {.lo = 1e300, .hi = 0};
    atomic_init(&m.quit, 0);
    pthread_t hog_thread, mem_thread;
    int hogging = 0, watching = 0;
    double rss0 = rss_mb(), t0 = cn_clock_now();
    cn_live_result res = {0};
    if (!st) {
        printf("continuo bench live: %g min, %s/%s + %s at %ld Hz, %ld-frame callbacks, device %s, %s\n",
               minutes, so.synth, so.instrument, so.fx, rate, block, device, no_hog ? "no CPU hog" : "CPU hog on");
        fflush(stdout);
        hogging = !no_hog && !pthread_create(&hog_thread, NULL, hog, &m);
        watching = !pthread_create(&mem_thread, NULL, watch_memory, &m);
        cfg.block = (int)block;
        cfg.frames = (int64_t)(minutes * 60.0 * (double)rate);
        st = cn_endless_start(en, &stop_all);
        if (!st) st = cn_live_play(g, &cfg, &stop_all, &res);
        cn_status gen = cn_endless_stop(en);
        if (!st) st = gen;
    }
    atomic_store(&m.quit, 1);
    if (hogging) pthread_join(hog_thread, NULL);
    if (watching) pthread_join(mem_thread, NULL);
    double rss1 = rss_mb(), secs = cn_clock_now() - t0;
    int64_t notes = 0, sampled = 0, late = 0, stolen = g ? cn_graph_voices_stolen(g) : 0;
    if (en && g) cn_endless_counts(en, &notes, &sampled, &late);
    cn_endless_destroy(en);
    cn_graph_destroy(g);
    if (pa) cn_pa_terminate();
    if (st) return cn_ui_error(CMD, NULL);
    printf("  played %" PRId64 " frames (%.1f s of %.1f s wall), notes %" PRId64 " (%" PRId64 " sampled), late %" PRId64 "\n",
           res.frames_played, (double)res.frames_played / (double)rate, secs, notes, sampled, late);
    printf("  xruns %" PRId64 ", device xruns %" PRId64 ", largest gap between callbacks %.2f ms (period %.2f ms)\n",
           res.xruns, res.device_xruns, res.max_callback_gap_ms, 1000.0 * (double)block / (double)rate);
    printf("  resident memory: start %.1f MB, end %.1f MB, range while playing %.1f .. %.1f MB\n", rss0, rss1,
           m.lo < 1e300 ? m.lo : rss1, m.hi > 0 ? m.hi : rss1);
    printf("  voices stolen %" PRId64 " (more notes at once than the voice limit, or over the CPU budget)\n", stolen);
    printf("  worker thread: %s\n", res.worker_realtime ? "real-time (SCHED_FIFO)" : "normal scheduling (real-time refused)");
    printf("  worker load: %.0f%% of real time (CPU %.0f%%), busiest second %.0f%%, longest wait for the CPU %.2f ms\n",
           100.0 * res.worker_load, 100.0 * res.worker_cpu_load, 100.0 * res.worker_peak_load, res.worker_max_wait_ms);
    return 0;
}
