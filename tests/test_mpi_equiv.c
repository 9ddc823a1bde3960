// LABELS: mpi
// TIMEOUT: 300
// SERIAL
// test_mpi_equiv: data-parallel training over MPI gives the weights of training on one
// process. For both models, `mpirun -np 2 continuo train ...` and a plain run (two threads)
// take the same global batch, seed and steps; their weights must agree within TOL (only
// the order of the gradient sums differs). The same is measured between one and two
// threads of a plain run, to show the scale of that summation-order noise. The melody
// model's validation score, computed by both ranks on half the tunes each, must equal the
// one-process score. --resume works on any number of ranks: a checkpoint written by 2
// ranks continues on 1, one written by 1 continues on 2, both within TOL of the straight
// run (a constant learning rate after the warm-up, --lr-min = --lr, makes a run cut at a
// checkpoint follow the same schedule).
// Skipped (77) when continuo was built without MPI or mpirun is missing.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "models/melody/cn_transformer.h"
#include "models/nn/cn_dist.h"
#include "models/wavenet/cn_wn_io.h"

// Largest |a - b| over the weights allowed after these short runs: an update differs by
// about lr * (relative gradient difference) per step, and float sums in another order
// differ by ~1e-7 relative: 1e-5 (lr 1e-3, <= 8 steps; ~1e-7 measured) is rounding only.
#define TOL 1e-5

static char dir[] = "/tmp/cn_mpi_equiv_XXXXXX";
static const char *bin;

// Run a shell command in the test folder, its output into the file `log`; show it on failure.
static void run(const char *what, const char *log, const char *fmt, ...) {
    char cmd[4096], full[4600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "cd %s && (%s) >%s 2>&1", dir, cmd, log);
    if (system(full) != 0) {
        fprintf(stderr, "%s failed: %s\n", what, cmd);
        snprintf(full, sizeof full, "cat %s/%s >&2", dir, log);
        if (system(full)) {}
        exit(1);
    }
}

static double max_diff(const float *a, const float *b, size_t n) {
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (e > d) d = e;
    }
    return d;
}

static double melody_diff(const char *a, const char *b) {
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    cn_tf *x, *y;
    TEST_OK(cn_tf_load(pa, &x));
    TEST_OK(cn_tf_load(pb, &y));
    TEST_ASSERT(x->n_params == y->n_params);
    double d = max_diff(x->params, y->params, x->n_params);
    cn_tf_destroy(x);
    cn_tf_destroy(y);
    return d;
}

static double wavenet_diff(const char *a, const char *b) {
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s", dir, a);
    snprintf(pb, sizeof pb, "%s/%s", dir, b);
    cn_wn_model *x, *y;
    TEST_OK(cn_wn_load(pa, &x, NULL, NULL, NULL));
    TEST_OK(cn_wn_load(pb, &y, NULL, NULL, NULL));
    TEST_ASSERT(x->n_params == y->n_params);
    double d = max_diff(x->mem, y->mem, x->n_params);
    cn_wn_destroy(x);
    cn_wn_destroy(y);
    return d;
}

static void check(const char *what, double d) {
    printf("%-52s max |dw| = %.3g\n", what, d);
    TEST_ASSERT_MSG(d <= TOL, "%s: weights differ by %g (tolerance %g)", what, d, TOL);
}

#define MPIRUN "mpirun -np 2 --oversubscribe"

// The number after the last `key` in a log (NAN when missing). The train commands print
// the loss (and for the melody model the gradient norm) of the last step: a rank that
// counted windows twice, or divided by its own share, would show there even where AdamW,
// which ignores the scale of its gradient, hides it from the weights.
static double last_value(const char *log, const char *key) {
    char path[512], buf[65536];
    snprintf(path, sizeof path, "%s/%s", dir, log);
    FILE *f = fopen(path, "r");
    TEST_ASSERT(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = NULL;
    for (const char *q = buf; (q = strstr(q, key)); q++) p = q;
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

static void check_report(const char *what, const char *key, double tol, const char *log1, const char *log2) {
    double a = last_value(log1, key), b = last_value(log2, key);
    printf("%-52s %g vs %g\n", what, a, b);
    TEST_ASSERT_MSG(!isnan(a) && !isnan(b) && fabs(a - b) <= tol, "%s: %g vs %g", what, a, b);
}

// Train `model` for `steps` on 1 rank with 1 thread, 1 rank with 2 threads and 2 ranks
// (weights P1t1.st / P1.st / P2.st, logs P1.log / P2.log for prefix P): print what the
// summation order of threads alone changes, check what the ranks change.
static void ranks_vs_one(const char *model, const char *net, int steps, char p,
                         double (*diff)(const char *, const char *)) {
    char what[96], log1[16], log2[16], w1t1[16], w1[16], w2[16];
    snprintf(log1, sizeof log1, "%c1.log", p);
    snprintf(log2, sizeof log2, "%c2.log", p);
    snprintf(w1t1, sizeof w1t1, "%c1t1.st", p);
    snprintf(w1, sizeof w1, "%c1.st", p);
    snprintf(w2, sizeof w2, "%c2.st", p);
    snprintf(what, sizeof what, "%s, 1 rank 1 thread", model);
    run(what, "log", "%s train %s %s --steps %d --threads 1 -o %s", bin, model, net, steps, w1t1);
    snprintf(what, sizeof what, "%s, 1 rank 2 threads", model);
    run(what, log1, "%s train %s %s --steps %d --threads 2 -o %s", bin, model, net, steps, w1);
    snprintf(what, sizeof what, "%s, 2 ranks", model);
    run(what, log2, MPIRUN " %s train %s %s --steps %d --threads 1 -o %s", bin, model, net, steps, w2);
    snprintf(what, sizeof what, "%s: 1 vs 2 threads (summation order alone)", model);
    printf("%-52s max |dw| = %.3g\n", what, diff(w1t1, w1));
    snprintf(what, sizeof what, "%s: 2 ranks vs 1 rank, %d steps", model, steps);
    check(what, diff(w1, w2));
}

static void melody(void) {
    run("copy tunes", "log", "mkdir mel && ls %s/*.mid | head -6 | xargs -I{} cp {} mel/",
        CN_SRC("data/melody/nottingham/train"));
    const char *net = "--d-model 16 --layers 1 --heads 2 --ctx 32 --batch 4 --lr 1e-3 --lr-min 1e-3"
                      " --warmup 2 --data mel";
    ranks_vs_one("melody", net, 8, 'm', melody_diff);
    check_report("melody: loss of step 8, bits/note", "step 8/8  train ", 2e-3, "m1.log", "m2.log");
    check_report("melody: gradient norm of step 8", "|g| ", 2e-2, "m1.log", "m2.log");
    // Validation is shared among the ranks (tunes split, sums allreduced): same score.
    run("validation tunes", "log", "mkdir val && ls %s/*.mid | head -5 | xargs -I{} cp {} val/",
        CN_SRC("data/melody/nottingham/valid"));
    run("melody validation, 1 rank", "v1.log", "%s train melody %s --valid val --steps 4 --eval-every 2 -o v1.st",
        bin, net);
    run("melody validation, 2 ranks", "v2.log",
        MPIRUN " %s train melody %s --valid val --steps 4 --eval-every 2 --threads 1 -o v2.st", bin, net);
    check_report("melody: validation bits/note at step 4", "step 4/4  valid ", 2e-4, "v1.log", "v2.log");
    // --resume across rank counts: stop at step 4 (its checkpoint), continue to 8.
    run("melody, 2 ranks to step 4", "log", MPIRUN " %s train melody %s --steps 4 --threads 1 -o h2.st", bin, net);
    run("melody, resume on 1 rank", "log", "%s train melody %s --steps 8 --resume h2.st.ckpt -o r1.st", bin, net);
    check("melody: 2 ranks to step 4, resumed on 1 rank", melody_diff("m1.st", "r1.st"));
    run("melody, 1 rank to step 4", "log", "%s train melody %s --steps 4 -o h1.st", bin, net);
    run("melody, resume on 2 ranks", "log",
        MPIRUN " %s train melody %s --steps 8 --threads 1 --resume h1.st.ckpt -o r2.st", bin, net);
    check("melody: 1 rank to step 4, resumed on 2 ranks", melody_diff("m1.st", "r2.st"));
}

static void wavenet(void) {
    // Two short tunes rendered by the reference synth, as tests/test_train_wavenet.sh.
    run("wavenet data", "log",
        "mkdir -p wn/sine && i=0 && for f in $(ls %s/*.mid | head -2); do i=$((i+1)); "
        "%s train wavenet prepare $f --program 73 -o wn/sine/t$i.mid && "
        "%s render wn/sine/t$i.mid -o wn/sine/t$i.wav --rate 16000 || exit 1; done",
        CN_SRC("data/melody/nottingham/train"), bin, bin);
    const char *net = "--layers 3 --cycle 3 --res 8 --gate 8 --skip 8 --emb 2 --chunk 600 --warm 64"
                      " --batch 4 --warmup 1 --lr 1e-3 --lr-min 1e-3 --data wn/sine";
    ranks_vs_one("wavenet", net, 6, 'w', wavenet_diff);
    check_report("wavenet: loss of step 6, nats/sample", "step 6/6  loss ", 2e-4, "w1.log", "w2.log");
    run("wavenet, 2 ranks to step 3", "log",
        MPIRUN " %s train wavenet %s --steps 3 --ckpt-every 3 --threads 1 -o h2.st", bin, net);
    run("wavenet, resume on 1 rank", "log",
        "cp h2.st r1.st && %s train wavenet %s --steps 6 --resume r1.st -o r1.st", bin, net);
    check("wavenet: 2 ranks to step 3, resumed on 1 rank", wavenet_diff("w1.st", "r1.st"));
    run("wavenet, 1 rank to step 3", "log", "%s train wavenet %s --steps 3 --ckpt-every 3 -o h1.st", bin, net);
    run("wavenet, resume on 2 ranks", "log",
        "cp h1.st r2.st && " MPIRUN " %s train wavenet %s --steps 6 --threads 1 --resume r2.st -o r2.st", bin, net);
    check("wavenet: 1 rank to step 3, resumed on 2 ranks", wavenet_diff("w1.st", "r2.st"));
}

int main(void) {
    bin = getenv("CN_BIN");
    if (!bin) {
        printf("skipped: CN_BIN not set\n");
        return 77;
    }
    if (!cn_dist_compiled()) {
        printf("skipped: continuo was built without MPI\n");
        return 77;
    }
    if (system("command -v mpirun >/dev/null 2>&1") != 0) {
        printf("skipped: no mpirun (Debian: openmpi-bin)\n");
        return 77;
    }
    // OpenMPI refuses to start as root without these (CI runs as root).
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    // Containers often forbid the ptrace that shared-memory single copies (CMA) need.
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
    TEST_ASSERT(mkdtemp(dir));
    melody();
    wavenet();
    char rm[600];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm)) {}
    printf("test_mpi_equiv: ok\n");
    return 0;
}
