// bench_allreduce.c: `continuo bench allreduce`, run under mpirun: what data-parallel
// training pays per step. (1) MPI_Allreduce (sum, in place, floats) of gradient buffers
// from 1 K to 16 M floats and of both models' default gradients: median time, algorithm
// bandwidth (bytes / time) and bus bandwidth (2 (N-1)/N bytes / time, what a ring moves
// per rank). (2) In the same run, one training step's compute per rank for each default
// model (its default global batch split over the N ranks, one thread each), so that the
// allreduce's share of a step is a ratio measured at once. Rank 0 prints.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cn_bench.h"
#include "core/cn_clock.h"
#include "models/melody/cn_melody_train.h"
#include "models/nn/cn_dist.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_train.h"
#include "ui/cn_ui.h"

#define CMD "bench allreduce"
#define MAX_REPS 400

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// Median seconds of one in-place allreduce of n floats: repeated (after two untimed
// calls) until `seconds` have passed on rank 0 or MAX_REPS; every rank does as many
// repetitions as rank 0, which broadcasts whether to go on.
static cn_status time_allreduce(float *buf, size_t n, double seconds, double *median) {
    static double t[MAX_REPS];
    cn_status st = cn_dist_sum(buf, n);
    if (!st) st = cn_dist_sum(buf, n);
    int reps = 0, more = 1;
    double start = cn_clock_now();
    while (!st && more) {
        double t0 = cn_clock_now();
        st = cn_dist_sum(buf, n);
        t[reps++] = cn_clock_now() - t0;
        more = reps < MAX_REPS && (reps < 5 || cn_clock_now() - start < seconds);
        if (!st) st = cn_dist_bcast(&more, sizeof more, 0);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    *median = t[reps / 2];
    return st;
}

static void print_row(const char *label, size_t n, double s) {
    double bytes = (double)n * sizeof(float), N = cn_dist_size();
    printf("  %-16s %10zu %10.2f MB %10.3f ms %9.2f GB/s %9.2f GB/s\n", label, n, bytes / 1e6, s * 1e3,
           bytes / s / 1e9, 2.0 * (N - 1) / N * bytes / s / 1e9);
}

// Seconds of forward + backward of `windows` full-context windows of the default melody
// transformer on one thread (random events; the cost does not depend on them).
static cn_status melody_step(int windows, size_t *n_params, double *seconds) {
    cn_tf_config cfg;
    cn_tf_config_default(&cfg);
    cn_tf *m = NULL;
    cn_tf_acts *a = NULL;
    cn_mevent *ev = malloc((size_t)cfg.ctx * sizeof *ev);
    float *g = NULL;
    cn_status st = ev ? cn_tf_create(&cfg, &m) : cn_fail(CN_ERR_NOMEM, "out of memory");
    if (!st) st = cn_tf_acts_create(&cfg, &a);
    if (!st && !(g = calloc(m->n_params, sizeof *g))) st = cn_fail(CN_ERR_NOMEM, "out of memory");
    if (!st) {
        cn_tf_init_weights(m, 1);
        cn_rng r;
        cn_rng_seed(&r, 1, 0);
        for (int i = 0; i < cfg.ctx; i++) ev[i] = (cn_mevent){60 + cn_rng_int(&r, 12), 6 + 6 * cn_rng_int(&r, 3), 0};
        const cn_melody_cond cond = {-1, -1, -1, -1};
        cn_tf_forward(m, a, &cond, ev, cfg.ctx - 1, ev, NULL); // untimed warm-up
        cn_tf_backward(m, a, g, 1.0f);
        double t0 = cn_clock_now();
        for (int w = 0; w < windows; w++) {
            cn_tf_forward(m, a, &cond, ev, cfg.ctx - 1, ev, &r);
            cn_tf_backward(m, a, g, 1.0f);
        }
        *seconds = cn_clock_now() - t0;
        *n_params = m->n_params;
    }
    free(g);
    free(ev);
    cn_tf_acts_destroy(a);
    cn_tf_destroy(m);
    return st;
}

// Seconds of a default WaveNet's share of a default batch on one thread, from its
// training rate (bench_wavenet.c: chunks of 4096 samples, loss on 3072).
static cn_status wavenet_step(int chunks, int chunk, size_t *n_params, double *seconds) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cn_wn_model *m;
    cn_status st = cn_wn_create(&cfg, &m);
    if (st) return st;
    cn_wn_init_weights(m, 1);
    double sps, gflops;
    if (cn_bench_wavenet_train_rate(m, &sps, &gflops)) st = cn_fail(CN_ERR_NOMEM, "out of memory");
    else *seconds = chunks * (double)chunk / (sps * 4096.0 / 3072.0); // rate counts loss samples
    *n_params = m->n_params;
    cn_wn_destroy(m);
    return st;
}

static int run(double seconds) {
    int N = cn_dist_size(), rank0 = cn_dist_rank() == 0;
    cn_mtrain_config mc;
    cn_mtrain_config_default(&mc);
    cn_wn_train_opts wo;
    cn_wn_train_opts_default(&wo);
    // Compute first (all ranks at once, as in training), then the allreduce table.
    size_t n_mel = 0, n_wn = 0;
    double t_mel = 0, t_wn = 0;
    cn_blas_set_threads(1);
    int mel_windows = (mc.batch + N - 1) / N, wn_chunks = (wo.batch + N - 1) / N;
    cn_status st = cn_dist_agree(melody_step(mel_windows, &n_mel, &t_mel));
    if (!st) st = cn_dist_agree(wavenet_step(wn_chunks, wo.chunk, &n_wn, &t_wn));
    if (st) return cn_ui_error(CMD, NULL);
    size_t max_n = (size_t)1 << 24;
    float *buf = calloc(max_n > n_mel ? max_n : n_mel, sizeof *buf);
    if ((st = cn_dist_agree(buf ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory")))) {
        free(buf);
        return cn_ui_error(CMD, NULL);
    }
    if (rank0)
        printf("MPI_Allreduce (sum, in place, float) on %d ranks, %s; median of up to %d calls or %.1f s:\n"
               "  %-16s %10s %13s %13s %14s %14s\n",
               N, cn_dist_library(), MAX_REPS, seconds, "buffer", "floats", "size", "time", "algbw", "busbw");
    double t_ar_mel = 0, t_ar_wn = 0;
    for (size_t n = 1024; n <= max_n && !st; n *= 4) {
        double s;
        if (!(st = time_allreduce(buf, n, seconds, &s)) && rank0) {
            char label[32];
            snprintf(label, sizeof label, "%zu K", n / 1024);
            print_row(label, n, s);
        }
    }
    if (!st && !(st = time_allreduce(buf, n_mel, seconds, &t_ar_mel)) && rank0)
        print_row("melody grads", n_mel, t_ar_mel);
    if (!st && !(st = time_allreduce(buf, n_wn, seconds, &t_ar_wn)) && rank0) print_row("wavenet grads", n_wn, t_ar_wn);
    free(buf);
    if (st) return cn_ui_error(CMD, NULL);
    if (rank0) {
        printf("one step per rank (default model and batch, %d ranks, one thread each):\n", N);
        printf("  melody:  %d of %d windows of %d events: compute %.1f ms (%.1f ms a window), allreduce %.2f ms"
               " = %.1f%% of the step\n", mel_windows, mc.batch, mc.arch.ctx, t_mel * 1e3, t_mel * 1e3 / mel_windows,
               t_ar_mel * 1e3, 100.0 * t_ar_mel / (t_mel + t_ar_mel));
        printf("  wavenet: %d of %d chunks of %d samples: compute %.1f ms (%.1f ms a chunk), allreduce %.2f ms"
               " = %.1f%% of the step\n", wn_chunks, wo.batch, wo.chunk, t_wn * 1e3, t_wn * 1e3 / wn_chunks,
               t_ar_wn * 1e3, 100.0 * t_ar_wn / (t_wn + t_ar_wn));
    }
    return 0;
}

int cn_bench_allreduce(int argc, char **argv) {
    double seconds = 0.3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: mpirun -np N continuo bench allreduce [--seconds S]\n"
                   "MPI_Allreduce time and bandwidth against the gradient size (1 K to 16 M floats and\n"
                   "both models' default gradients), and one default training step's compute per rank,\n"
                   "measured in the same run: the allreduce's share of a step. Each size is timed for\n"
                   "about S seconds (default 0.3). Without mpirun it times one rank (no communication).\n");
            return 0;
        }
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            if (!cn_ui_parse_double(argv[++i], 0.01, 60, &seconds))
                return cn_ui_usage_error(CMD, "--seconds must be 0.01..60, got '%s'", argv[i]);
        } else
            return cn_ui_usage_error(CMD, "unknown argument '%s'", argv[i]);
    }
    if (cn_dist_init()) return cn_ui_error(CMD, NULL);
    int rc = run(seconds);
    cn_dist_finalize();
    return rc;
}
