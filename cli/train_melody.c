// train_melody.c: `continuo train melody`: load MIDI folders, train (or fine-tune with
// --init, or continue with --resume) the melody transformer, print progress on stderr.
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cn_cli.h"
#include "models/melody/cn_melody_train.h"
#include "models/nn/cn_nn.h"
#include "cli/cn_train.h"

#define CMD "train melody"
#define MAX_DIRS 32

static void usage(void) {
    printf(
        "usage: continuo train melody --data DIR... [options] -o FILE\n"
        "Train the melody transformer on the .mid files of each DIR (not recursive). A folder's\n"
        "style comes from its name (nottingham, oneills, ryans; for .../NAME/train the parent\n"
        "NAME), anything else is 'other'.\n"
        "  --data DIR        training folder (repeat the flag, or list more folders after it)\n"
        "  --valid DIR       validation folder (repeatable); FILE then keeps the best weights\n"
        "  --init FILE       fine-tune: start from this model (its architecture), lr default 2e-4,\n"
        "                    steps default 500\n"
        "  --resume CKPT     continue an interrupted run from its checkpoint (same flags)\n"
        "  --steps N         optimizer steps (default 3000)\n"
        "  --minutes M       also stop after M minutes of training, the learning-rate schedule\n"
        "                    stretched to end then (for shared machines; not deterministic)\n"
        "  --batch B         windows per step (default 16)\n"
        "  --lr LR           peak learning rate (default 1e-3; 2e-4 with --init)\n"
        "  --lr-min LR       final learning rate of the cosine schedule (default lr/10)\n"
        "  --warmup N        warm-up steps (default min(200, steps/10))\n"
        "  --seed S          seed of init, data order, augmentation and dropout (default 1)\n"
        "  --threads T       worker threads (default 2); results depend on seed and T only\n"
        "  --d-model D --layers L --heads H --ctx C --dropout P\n"
        "                    architecture of a fresh model (default 192, 4, 6, 256, 0.1)\n"
        "  --eval-every N    steps between validations (default 250)\n"
        "  --ckpt-every N    steps between checkpoints (default 250)\n"
        "  --checkpoint F    checkpoint path (default FILE.ckpt); holds the optimizer state\n"
        "  --quiet           no progress lines\n"
        "  -o FILE           output model (.safetensors), written atomically\n"
        "Progress (stderr): step/total, training and validation bits per note, tokens/s, ETA.\n");
}

typedef struct prog {
    int quiet;
    double last_print;
    float ema;
} prog;

static void on_progress(const cn_progress *p, void *user) {
    prog *g = user;
    if (!strcmp(p->event, "progress"))
        g->ema = p->done <= 1 || isnan(g->ema) ? (float)p->loss : 0.95f * g->ema + 0.05f * (float)p->loss;
    if (g->quiet) return;
    char eta[32], el[32];
    cn_ui_format_duration(eta, sizeof eta, p->eta_s);
    cn_ui_format_duration(el, sizeof el, p->elapsed_s);
    if (!strcmp(p->event, "eval")) {
        fprintf(stderr, "step %lld/%lld  valid %.4f bits/note  best %.4f\n", (long long)p->done,
                (long long)p->total, p->valid, p->best);
    } else if (!strcmp(p->event, "checkpoint")) {
        fprintf(stderr, "step %lld/%lld  checkpoint saved\n", (long long)p->done, (long long)p->total);
    } else if (p->elapsed_s - g->last_print >= 5.0 || p->done == p->total || p->done <= 1) {
        g->last_print = p->elapsed_s;
        fprintf(stderr,
                "step %lld/%lld  train %.3f bits/note (avg %.3f)  lr %.2e  |g| %.2f  %.0f tok/s  "
                "elapsed %s  ETA %s\n",
                (long long)p->done, (long long)p->total, p->loss, g->ema, p->lr, p->grad_norm,
                p->items_per_s, el, eta);
    }
    fflush(stderr);
}

static int load_dirs(const char **dirs, int n, cn_tune_set *set, const char *what, int quiet) {
    for (int i = 0; i < n; i++)
        if (cn_tune_set_add_dir(set, dirs[i])) return cn_ui_error(CMD, NULL);
    if (!quiet) {
        fprintf(stderr, "%s: %d tunes, %ld events", what, set->n, set->events);
        if (set->clamped) fprintf(stderr, ", %d durations/rests clamped to 8 beats", set->clamped);
        if (set->skipped) fprintf(stderr, ", %d files skipped (first: %s)", set->skipped, set->first_skip);
        fputc('\n', stderr);
    }
    return 0;
}

int cn_train_melody_main(int argc, char **argv) {
    enum { O_DATA = 256, O_VALID, O_INIT, O_RESUME, O_STEPS, O_BATCH, O_LR, O_LRMIN, O_WARMUP,
           O_SEED, O_THREADS, O_DMODEL, O_LAYERS, O_HEADS, O_CTX, O_DROPOUT, O_EVAL, O_CKPTE,
           O_CKPT, O_QUIET, O_HELP, O_MINUTES };
    static const struct option opts[] = {
        {"data", required_argument, 0, O_DATA},       {"valid", required_argument, 0, O_VALID},
        {"init", required_argument, 0, O_INIT},       {"resume", required_argument, 0, O_RESUME},
        {"steps", required_argument, 0, O_STEPS},     {"batch", required_argument, 0, O_BATCH},
        {"lr", required_argument, 0, O_LR},           {"lr-min", required_argument, 0, O_LRMIN},
        {"warmup", required_argument, 0, O_WARMUP},   {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS}, {"d-model", required_argument, 0, O_DMODEL},
        {"layers", required_argument, 0, O_LAYERS},   {"heads", required_argument, 0, O_HEADS},
        {"ctx", required_argument, 0, O_CTX},         {"dropout", required_argument, 0, O_DROPOUT},
        {"eval-every", required_argument, 0, O_EVAL}, {"ckpt-every", required_argument, 0, O_CKPTE},
        {"checkpoint", required_argument, 0, O_CKPT}, {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, O_HELP},             {"minutes", required_argument, 0, O_MINUTES},
        {0, 0, 0, 0}};
    cn_mtrain_config c;
    cn_mtrain_config_default(&c);
    const char *data[MAX_DIRS], *valid[MAX_DIRS], *out = NULL, *ckpt = NULL;
    int ndata = 0, nvalid = 0, quiet = 0, have_lr = 0, have_steps = 0, have_lrmin = 0, have_warm = 0;
    long v;
    double d;
    optind = 1;
    opterr = 0;
    int o;
#define INT_OPT(lo, hi, dst)                                                                 \
    do {                                                                                     \
        if (!cn_ui_parse_int(optarg, lo, hi, &v))                                           \
            return cn_ui_usage_error(CMD, "--%s needs an integer in %ld..%ld, got '%s'",     \
                                      opts[o - O_DATA].name, (long)(lo), (long)(hi), optarg); \
        dst = v;                                                                             \
    } while (0)
#define DBL_OPT(lo, hi, dst)                                                                 \
    do {                                                                                     \
        if (!cn_ui_parse_double(optarg, lo, hi, &d))                                        \
            return cn_ui_usage_error(CMD, "--%s needs a number in %g..%g, got '%s'",         \
                                      opts[o - O_DATA].name, (double)(lo), (double)(hi), optarg); \
        dst = (float)d;                                                                      \
    } while (0)
    while ((o = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (o) {
        case O_DATA:
        case O_VALID:
            if ((o == O_DATA ? ndata : nvalid) == MAX_DIRS)
                return cn_ui_usage_error(CMD, "at most %d folders per flag", MAX_DIRS);
            if (o == O_DATA) data[ndata++] = optarg;
            else valid[nvalid++] = optarg;
            break;
        case O_INIT: c.init_path = optarg; break;
        case O_RESUME: c.resume_path = optarg; break;
        case O_STEPS: INT_OPT(1, 100000000, c.steps); have_steps = 1; break;
        case O_BATCH: INT_OPT(1, 4096, c.batch); break;
        case O_LR: DBL_OPT(1e-7, 1.0, c.lr); have_lr = 1; break;
        case O_LRMIN: DBL_OPT(0.0, 1.0, c.lr_min); have_lrmin = 1; break;
        case O_WARMUP: INT_OPT(0, 100000000, c.warmup); have_warm = 1; break;
        case O_SEED: INT_OPT(0, 2147483647, c.seed); break;
        case O_THREADS: INT_OPT(1, 64, c.threads); break;
        case O_DMODEL: INT_OPT(2, 4096, c.arch.d_model); break;
        case O_LAYERS: INT_OPT(1, 64, c.arch.n_layers); break;
        case O_HEADS: INT_OPT(1, 256, c.arch.n_heads); break;
        case O_CTX: INT_OPT(4, 8192, c.arch.ctx); break;
        case O_DROPOUT: DBL_OPT(0.0, 0.9, c.arch.dropout); break;
        case O_EVAL: INT_OPT(0, 100000000, c.eval_every); break;
        case O_CKPTE: INT_OPT(0, 100000000, c.ckpt_every); break;
        case O_CKPT: ckpt = optarg; break;
        case O_QUIET: quiet = 1; break;
        case O_MINUTES: {
            float mins;
            DBL_OPT(0.01, 1e6, mins);
            c.max_seconds = 60.0 * mins;
            break;
        }
        case 'o': out = optarg; break;
        case 'h':
        case O_HELP: usage(); return 0;
        case ':': return cn_ui_usage_error(CMD, "%s needs a value", argv[optind - 1]);
        default: return cn_ui_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
        }
    }
    // Folders listed after --data DIR without repeating the flag.
    for (; optind < argc && ndata < MAX_DIRS; optind++) data[ndata++] = argv[optind];
    if (optind < argc) return cn_ui_usage_error(CMD, "at most %d folders", MAX_DIRS);
    if (!ndata) return cn_ui_usage_error(CMD, "no --data folder");
    if (!out) return cn_ui_usage_error(CMD, "no output file (-o FILE)");
    if (c.init_path && c.resume_path) return cn_ui_usage_error(CMD, "--init and --resume exclude each other");
    if (c.init_path) {
        if (!have_lr) c.lr = 2e-4f;
        if (!have_steps) c.steps = 500;
    }
    if (!have_lrmin) c.lr_min = c.lr / 10;
    if (!have_warm) c.warmup = c.steps / 10 < 200 ? c.steps / 10 : 200;
    if (!c.init_path && !c.resume_path && cn_tf_config_check(&c.arch))
        return cn_ui_usage_error(CMD, "%s", cn_error_message());

    char ckpt_buf[4096];
    if (!ckpt) {
        snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", out);
        ckpt = ckpt_buf;
    }
    c.out_path = out;
    c.ckpt_path = ckpt;

    cn_tune_set train = {0}, val = {0};
    int rc = load_dirs(data, ndata, &train, "train", quiet);
    if (!rc && nvalid) rc = load_dirs(valid, nvalid, &val, "valid", quiet);
    if (rc) {
        cn_tune_set_free(&train);
        cn_tune_set_free(&val);
        return rc;
    }

    // Provenance for the model file.
    char cmdline[2048] = "continuo train melody", date[64], dirs[2048] = "";
    size_t k = strlen(cmdline);
    for (int i = 1; i < argc && k < sizeof cmdline; i++)
        k += (size_t)snprintf(cmdline + k, sizeof cmdline - k, " %s", argv[i]);
    k = 0;
    for (int i = 0; i < ndata && k < sizeof dirs; i++)
        k += (size_t)snprintf(dirs + k, sizeof dirs - k, i ? ",%s" : "%s", data[i]);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const char *meta[] = {"train_command", cmdline, "train_data", dirs, "train_date", date,
                          "blas_core", cn_blas_corename(), NULL};
    c.meta = meta;
    prog g = {quiet, -1e9, NAN};
    c.progress = (cn_progress_cb){on_progress, &g};

    if (!quiet)
        fprintf(stderr, "training %s: %ld steps, batch %d, lr %.2e, %d threads, BLAS core %s\n",
                c.resume_path ? "(resumed)" : c.init_path ? "(fine-tune)" : "(fresh)", c.steps, c.batch,
                c.lr, c.threads, cn_blas_corename());
    cn_mtrain_result res;
    cn_status st = cn_mtrain_run(&c, &train, nvalid ? &val : NULL, &res);
    cn_tune_set_free(&train);
    cn_tune_set_free(&val);
    if (st) return cn_ui_error(CMD, NULL);
    if (!quiet) {
        char el[32];
        cn_ui_format_duration(el, sizeof el, res.elapsed_s);
        fprintf(stderr, "done: %ld steps, %zu parameters, %.0f tok/s, %s", res.steps, res.n_params,
                res.tokens_per_s, el);
        if (!isnan(res.best_val)) fprintf(stderr, ", best valid %.4f bits/note", res.best_val);
        fprintf(stderr, " -> %s\n", out);
    }
    return 0;
}
