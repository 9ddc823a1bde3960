// bench_blas.c: `continuo bench blas`: the OpenBLAS core OpenBLAS picks by itself on this
// CPU against the one continuo runs (cn_blas_core.h), timed in the same run. OpenBLAS
// fixes its core when it loads, so each side runs in a child process of this binary
// (`bench blas --child`) with the environment that selects it; the children alternate,
// and the best round of each counts (a shared machine only ever slows a round down).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cn_bench.h"
#include "bench/cn_bench_util.h"
#include "models/nn/cn_blas_core.h"
#include "ui/cn_ui.h"
#include "models/nn/cn_nn.h"
#include "core/cn_paths.h"
#include "models/wavenet/cn_wn_io.h"

#define CMD "bench blas"

typedef struct {
    char core[64];
    double sgemm, train; // GFLOP/s, samples/s
} blas_result;

// The child: one line "core NAME sgemm GFLOPS train SAMPLES_PER_S".
static int run_child(double seconds) {
    char path[CN_PATH_MAX], model[CN_PATH_MAX];
    cn_preset_info info;
    cn_wn_model *m;
    if (cn_preset_find("flute-16k", "wavenet-", NULL, path, sizeof path) || cn_preset_read_info(path, &info) ||
        cn_preset_model_path(path, &info, model, sizeof model))
        return cn_ui_error(CMD, NULL);
    if (cn_wn_load(model, &m, NULL, NULL, NULL)) return cn_ui_error(CMD, NULL);
    double sgemm = cn_bench_sgemm_gflops(768, 1, seconds), sps = 0, gflops = 0;
    int rc = cn_bench_wavenet_train_rate(m, &sps, &gflops);
    cn_wn_destroy(m);
    if (rc || sgemm <= 0) return cn_ui_error(CMD, "out of memory");
    printf("core %s sgemm %.3f train %.1f\n", cn_blas_corename(), sgemm, sps);
    return 0;
}

// Run the child with OPENBLAS_CORETYPE = core (NULL: OpenBLAS's own choice, no re-exec).
static int measure(const char *core, double seconds, blas_result *r) {
    if (core) {
        setenv("OPENBLAS_CORETYPE", core, 1);
        unsetenv("CONTINUO_BLAS_FIX");
    } else {
        unsetenv("OPENBLAS_CORETYPE");
        setenv("CONTINUO_BLAS_FIX", "0", 1);
    }
    unsetenv("CONTINUO_BLAS_CHOSEN");
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    char exe[CN_PATH_MAX], cmd[CN_PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1); // popen's shell has its own
    if (n <= 0 || memchr(exe, '\'', (size_t)n)) return cn_ui_error(CMD, "cannot find this program's path");
    exe[n] = 0;
    snprintf(cmd, sizeof cmd, "'%s' bench blas --child --seconds %g", exe, seconds);
    FILE *p = popen(cmd, "r");
    if (!p) return cn_ui_error(CMD, "cannot start a child process");
    blas_result x;
    int ok = fscanf(p, "core %63s sgemm %lf train %lf", x.core, &x.sgemm, &x.train) == 3;
    if (pclose(p) != 0 || !ok) return cn_ui_error(CMD, "the child run with core %s failed", core ? core : "(OpenBLAS's choice)");
    if (!r->core[0] || x.sgemm > r->sgemm) r->sgemm = x.sgemm;
    if (!r->core[0] || x.train > r->train) r->train = x.train;
    snprintf(r->core, sizeof r->core, "%s", x.core);
    return 0;
}

static void usage(void) {
    printf("usage: continuo bench blas [--rounds N] [--seconds S] [--from CORE]\n"
                   "Times, on one thread, OpenBLAS's own core for this CPU against the best core\n"
                   "for its features (the one continuo runs unless OPENBLAS_CORETYPE is set):\n"
                   "the sgemm peak (768x768, fastest call of S seconds, default 1) and training\n"
                   "samples/s of the shipped WaveNet. Each side runs in a child process; the\n"
                   "sides alternate for N rounds (default 2) and each keeps its best.\n"
                   "--from CORE compares against CORE instead of OpenBLAS's own choice, e.g.\n"
                   "Prescott, which OpenBLAS 0.3.21 falls back to on CPUs it does not know.\n");
}

int cn_bench_blas(int argc, char **argv) {
    long rounds = 2;
    double seconds = 1.0;
    int child = 0;
    const char *from = NULL; // the core to compare against (NULL: OpenBLAS's own choice)
    const cn_flag flags[] = {
        {"rounds", 0, CN_FLAG_LONG, &rounds, 1, 20, NULL},
        {"seconds", 0, CN_FLAG_DBL, &seconds, 0.05, 60, NULL},
        {"from", 0, CN_FLAG_STR, &from, 0, 0, NULL},
        {"child", 0, CN_FLAG_SET, &child, 0, 0, NULL},
    };
    int n_pos;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    if (from && cn_blas_core_rank(from) < 0)
        return cn_ui_usage_error(CMD, "--from: unknown core '%s' (e.g. Prescott, Haswell)", from);
    if (child) return run_child(seconds);

    const char *best = cn_blas_core_best();
    char blas[64];
    cn_blas_version(blas, sizeof blas);
    printf("continuo bench blas: %s; this process runs core %s (%s); best for this CPU: %s\n", blas,
           cn_blas_corename(), cn_ui_blas_origin(), best ? best : "unknown");
    if (!best) return cn_ui_error(CMD, "this CPU's features are unknown to continuo; nothing to compare");
    blas_result own, fixed;
    memset(&own, 0, sizeof own);
    memset(&fixed, 0, sizeof fixed);
    for (long r = 0; r < rounds; r++)
        if (measure(from, seconds, &own) || measure(best, seconds, &fixed)) return 1;
    char label[96];
    printf("  %-34s %12s %18s\n", "core", "sgemm GFLOP/s", "WaveNet train sps");
    snprintf(label, sizeof label, "%s (%s)", own.core, from ? "--from" : "OpenBLAS's own choice");
    printf("  %-34s %12.1f %18.0f\n", label, own.sgemm, own.train);
    snprintf(label, sizeof label, "%s (continuo's choice)", fixed.core);
    printf("  %-34s %12.1f %18.0f\n", label, fixed.sgemm, fixed.train);
    snprintf(label, sizeof label, "ratio (continuo's / %s)", from ? from : "OpenBLAS's own");
    printf("  %-34s %11.2fx %17.2fx\n", label, fixed.sgemm / own.sgemm,
           fixed.train / own.train);
    return 0;
}
