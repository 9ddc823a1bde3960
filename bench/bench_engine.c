// bench_engine.c: `continuo bench engine`: in one run,
//  1. SPSC ring-buffer throughput: a producer and a consumer thread move N floats in
//     blocks through a ring buffer, next to single-thread memcpy of the same bytes in the
//     same block size between two buffers of the ring's size (best of 3 each);
//  2. the reference synth's real-time factor: seconds of audio rendered per second of
//     compute, for S seconds of a Nottingham tune into the null sink (optionally through
//     an effect chain).
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cn_clock.h"
#include "bench/cn_bench.h"
#include "ui/cn_ui.h"
#include "core/cn_paths.h"
#include "host/cn_playback.h"
#include "engine/cn_ringbuffer.h"

// ---- ring buffer ----------------------------------------------------------------------

typedef struct {
    cn_ringbuffer *rb;
    float *block;
    size_t block_n, total;
    float sink; // consumer folds a sample per block in, so the reads are not dead
} rb_side;

static void *rb_producer(void *arg) {
    rb_side *s = arg;
    for (size_t done = 0; done < s->total;) {
        size_t n = s->total - done < s->block_n ? s->total - done : s->block_n;
        size_t put = cn_ringbuffer_write(s->rb, s->block, n);
        if (!put) sched_yield(); // full: let the consumer run on a busy machine
        done += put;
    }
    return NULL;
}

static void *rb_consumer(void *arg) {
    rb_side *s = arg;
    for (size_t done = 0; done < s->total;) {
        size_t got = cn_ringbuffer_read(s->rb, s->block, s->block_n);
        if (got)
            s->sink += s->block[0];
        else
            sched_yield(); // empty: let the producer run
        done += got;
    }
    return NULL;
}

static double bench_ring(size_t total, size_t block_n, size_t cap) {
    float *storage = calloc(cap, sizeof(float));
    float *a = calloc(block_n, sizeof(float)), *b = calloc(block_n, sizeof(float));
    cn_ringbuffer rb;
    double best = 1e30;
    if (storage && a && b && !cn_ringbuffer_init(&rb, storage, cap)) {
        for (int rep = 0; rep < 3; rep++) {
            cn_ringbuffer_reset(&rb);
            rb_side p = {&rb, a, block_n, total, 0}, c = {&rb, b, block_n, total, 0};
            pthread_t tp, tc;
            double t0 = cn_clock_now();
            pthread_create(&tc, NULL, rb_consumer, &c);
            pthread_create(&tp, NULL, rb_producer, &p);
            pthread_join(tp, NULL);
            pthread_join(tc, NULL);
            double t = cn_clock_now() - t0;
            if (t < best) best = t;
        }
    }
    free(storage);
    free(a);
    free(b);
    return best;
}

static double bench_memcpy(size_t total, size_t block_n, size_t cap) {
    float *src = calloc(cap, sizeof(float)), *dst = calloc(cap, sizeof(float));
    double best = 1e30;
    volatile float keep = 0;
    if (src && dst) {
        for (int rep = 0; rep < 3; rep++) {
            double t0 = cn_clock_now();
            size_t pos = 0;
            for (size_t done = 0; done < total; done += block_n) {
                if (pos + block_n > cap) pos = 0;
                memcpy(dst + pos, src + pos, block_n * sizeof(float));
                keep += dst[pos];
                pos += block_n;
            }
            double t = cn_clock_now() - t0;
            if (t < best) best = t;
        }
    }
    free(src);
    free(dst);
    return best;
}

// ---- synth ----------------------------------------------------------------------------

static int bench_synth(const char *tune, double seconds, const char *fx, double *rtf,
                       double *audio_s, double *cpu_s) {
    cn_midi *m = NULL;
    if (cn_midi_read_file(tune, &m)) return 1;
    cn_synth_opts so = {.synth = "reference", .fx = fx};
    cn_graph *g = NULL;
    int64_t total = 0;
    const double rate = 48000;
    cn_status st = cn_playback_build(m, tune, &so, rate, 512, &g, &total, NULL);
    cn_midi_destroy(m);
    if (st) return 1;
    int64_t frames = (int64_t)(seconds * rate);
    cn_sink *sink = NULL;
    if (!st) st = cn_sink_null_create(cn_graph_channels(g), &sink);
    double t0 = cn_clock_now();
    if (!st) st = cn_graph_render(g, sink, frames, NULL);
    *cpu_s = cn_clock_now() - t0;
    *audio_s = (double)frames / rate;
    *rtf = *audio_s / *cpu_s;
    cn_sink_destroy(sink);
    cn_graph_destroy(g);
    return st != CN_OK;
}

static void usage(void) {
    printf("usage: continuo bench engine [--samples N] [--block N] [--tune FILE.mid]\n"
           "                             [--seconds S] [--fx CHAIN]\n"
           "Measures, in one run:\n"
           "  ring buffer: N floats (default 2^26) moved in blocks of --block (default\n"
           "    1024) by a producer and a consumer thread through a ring of 16 blocks,\n"
           "    in GB/s, next to memcpy of the same bytes in the same blocks (best of 3);\n"
           "  synth: the reference synth's real-time factor (audio seconds per compute\n"
           "    second) rendering S seconds (default 60) of --tune (default a Nottingham\n"
           "    test tune) at 48 kHz into the null sink, through --fx when given.\n");
}

int cn_bench_engine(int argc, char **argv) {
    long samples = 1L << 26, block = 1024;
    double seconds = 60;
    const char *tune = NULL; // default: a shipped Nottingham test tune
    char default_tune[CN_PATH_MAX];
    const char *fx = NULL;
    const cn_flag flags[] = {
        {"samples", 0, CN_FLAG_LONG, &samples, 1 << 16, 17179869184.0, NULL},
        {"block", 0, CN_FLAG_LONG, &block, 1, 1 << 16, NULL},
        {"seconds", 0, CN_FLAG_DBL, &seconds, 0.1, 36000, NULL},
        {"tune", 0, CN_FLAG_STR, &tune, 0, 0, NULL},
        {"fx", 0, CN_FLAG_STR, &fx, 0, 0, NULL},
    };
    int n_pos;
    int rc = cn_ui_flags_parse("bench engine", flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    if (!tune) {
        if (cn_share_path("data/melody/nottingham/test/ashover13.mid", default_tune, sizeof default_tune))
            return cn_ui_error("bench", NULL);
        tune = default_tune;
    }

    size_t cap = 2;
    while (cap < (size_t)block * 16) cap <<= 1;
    double bytes = (double)samples * sizeof(float);
    double t_rb = bench_ring((size_t)samples, (size_t)block, cap);
    double t_mc = bench_memcpy((size_t)samples, (size_t)block, cap);
    if (t_rb >= 1e30 || t_mc >= 1e30) return cn_ui_error("bench", "out of memory");
    printf("ring buffer: %.0f MB in blocks of %ld floats, ring of %zu floats, 2 threads\n",
           bytes / 1e6, block, cap);
    printf("  ring buffer (producer -> consumer) %7.2f GB/s\n", bytes / t_rb / 1e9);
    printf("  memcpy (one thread, same blocks)   %7.2f GB/s\n", bytes / t_mc / 1e9);
    printf("  ratio ring/memcpy                  %7.3f\n", t_mc / t_rb);

    double rtf, audio_s, cpu_s;
    if (bench_synth(tune, seconds, fx, &rtf, &audio_s, &cpu_s)) return cn_ui_error("bench", NULL);
    printf("reference synth: %.1f s of %s at 48000 Hz%s%s in %.3f s\n", audio_s, tune,
           fx ? " through " : "", fx ? fx : "", cpu_s);
    printf("  real-time factor                   %7.1f x real time\n", rtf);
    printf("  per block of 256 frames            %7.2f us (budget %.0f us)\n",
           cpu_s / (audio_s * 48000 / 256) * 1e6, 256 / 48000.0 * 1e6);
    return 0;
}
