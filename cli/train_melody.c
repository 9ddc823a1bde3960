// train_melody.c: `continuo train melody`: load MIDI folders, train (or fine-tune with
// --init, or continue with --resume) the melody transformer, print progress on stderr.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cn_cli.h"
#include "models/melody/cn_melody_train.h"
#include "models/nn/cn_dist.h"
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
        "  --threads T       worker threads (default 2); results depend on seed, T and the\n"
        "                    number of MPI ranks only (across them, up to rounding)\n"
        "  --d-model D --layers L --heads H --ctx C --dropout P\n"
        "                    architecture of a fresh model (default 192, 4, 6, 256, 0.1)\n"
        "  --fim RATE        share of windows arranged for infilling (default 0): prefix,\n"
        "                    suffix, then the middle, so `continuo infill` can use the model\n"
        "  --eval-every N    steps between validations (default 250)\n"
        "  --ckpt-every N    steps between checkpoints (default 250)\n"
        "  --checkpoint F    checkpoint path (default FILE.ckpt); holds the optimizer state\n"
        "  --quiet           no progress lines\n"
        "  -o FILE           output model (.safetensors), written atomically\n"
        "Progress (stderr): step/total, training and validation bits per note, tokens/s, ETA.\n"
        "Data-parallel: mpirun -np N continuo train melody ... shares each batch among N processes\n"
        "(a build with MPI); rank 0 prints and writes. See docs/training-mpi.md.\n");
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

// Every rank loads every folder; a folder one of them cannot read stops all of them.
static cn_status load_dirs(const char **dirs, int n, cn_tune_set *set, const char *what, int quiet) {
    cn_status st = CN_OK;
    for (int i = 0; i < n && !st; i++) st = cn_tune_set_add_dir(set, dirs[i]);
    if ((st = cn_dist_agree(st))) return st;
    if (!quiet) {
        fprintf(stderr, "%s: %d tunes, %ld events", what, set->n, set->events);
        if (set->clamped) fprintf(stderr, ", %d durations/rests clamped to 8 beats", set->clamped);
        if (set->skipped) fprintf(stderr, ", %d files skipped (first: %s)", set->skipped, set->first_skip);
        fputc('\n', stderr);
    }
    return CN_OK;
}

typedef struct {
    cn_mtrain_config c;
    const char *data[MAX_DIRS], *valid[MAX_DIRS], *out, *ckpt;
    cn_flag_list data_list, valid_list;
    int quiet, have_lr, have_steps, have_lrmin, have_warm;
    double minutes;
    char ckpt_buf[4096];
} train_args;

// Flags into a->c; defaults that depend on other flags (fine-tuning's lr and steps, the
// schedule's ends) filled in after. 1 after --help, 2 on a usage error.
static int parse(int argc, char **argv, train_args *a) {
    cn_mtrain_config *c = &a->c;
    const cn_flag flags[] = {
        {"data", 0, CN_FLAG_LIST, &a->data_list, 0, 0, NULL},
        {"valid", 0, CN_FLAG_LIST, &a->valid_list, 0, 0, NULL},
        {"init", 0, CN_FLAG_STR, &c->init_path, 0, 0, NULL},
        {"resume", 0, CN_FLAG_STR, &c->resume_path, 0, 0, NULL},
        {"steps", 0, CN_FLAG_LONG, &c->steps, 1, 100000000, &a->have_steps},
        {"minutes", 0, CN_FLAG_DBL, &a->minutes, 0.01, 1e6, NULL},
        {"batch", 0, CN_FLAG_INT, &c->batch, 1, 4096, NULL},
        {"lr", 0, CN_FLAG_FLOAT, &c->lr, 1e-7, 1.0, &a->have_lr},
        {"lr-min", 0, CN_FLAG_FLOAT, &c->lr_min, 0.0, 1.0, &a->have_lrmin},
        {"warmup", 0, CN_FLAG_LONG, &c->warmup, 0, 100000000, &a->have_warm},
        {"seed", 0, CN_FLAG_U64, &c->seed, 0, 2147483647, NULL},
        {"threads", 0, CN_FLAG_INT, &c->threads, 1, 64, NULL},
        {"d-model", 0, CN_FLAG_INT, &c->arch.d_model, 2, 4096, NULL},
        {"layers", 0, CN_FLAG_INT, &c->arch.n_layers, 1, 64, NULL},
        {"heads", 0, CN_FLAG_INT, &c->arch.n_heads, 1, 256, NULL},
        {"ctx", 0, CN_FLAG_INT, &c->arch.ctx, 4, 8192, NULL},
        {"dropout", 0, CN_FLAG_FLOAT, &c->arch.dropout, 0.0, 0.9, NULL},
        {"fim", 0, CN_FLAG_FLOAT, &c->fim_rate, 0.0, 1.0, NULL},
        {"eval-every", 0, CN_FLAG_LONG, &c->eval_every, 0, 100000000, NULL},
        {"ckpt-every", 0, CN_FLAG_LONG, &c->ckpt_every, 0, 100000000, NULL},
        {"checkpoint", 0, CN_FLAG_STR, &a->ckpt, 0, 0, NULL},
        {"quiet", 0, CN_FLAG_SET, &a->quiet, 0, 0, NULL},
        {"output", 'o', CN_FLAG_STR, &a->out, 0, 0, NULL},
    };
    const char *more[MAX_DIRS]; // folders listed after --data DIR without repeating the flag
    int n_more = 0;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, more, MAX_DIRS, &n_more);
    if (rc) return rc;
    for (int i = 0; i < n_more; i++) {
        if (a->data_list.n == MAX_DIRS) return cn_ui_usage_error(CMD, "at most %d folders", MAX_DIRS);
        a->data[a->data_list.n++] = more[i];
    }
    if (!a->data_list.n) return cn_ui_usage_error(CMD, "no --data folder");
    if (!a->out) return cn_ui_usage_error(CMD, "no output file (-o FILE)");
    if (c->init_path && c->resume_path) return cn_ui_usage_error(CMD, "--init and --resume exclude each other");
    if (c->init_path && !a->have_lr) c->lr = 2e-4f;
    if (c->init_path && !a->have_steps) c->steps = 500;
    if (!a->have_lrmin) c->lr_min = c->lr / 10;
    if (!a->have_warm) c->warmup = c->steps / 10 < 200 ? c->steps / 10 : 200;
    c->max_seconds = 60.0 * a->minutes;
    if (!c->init_path && !c->resume_path && cn_tf_config_check(&c->arch))
        return cn_ui_usage_error(CMD, "%s", cn_error_message());
    if (!a->ckpt) {
        snprintf(a->ckpt_buf, sizeof a->ckpt_buf, "%s.ckpt", a->out);
        a->ckpt = a->ckpt_buf;
    }
    c->out_path = a->out;
    c->ckpt_path = a->ckpt;
    return 0;
}

// Provenance for the model file: the command, the data folders, the date, the BLAS core.
static void provenance(int argc, char **argv, const train_args *a, char *cmdline, size_t n_cmd, char *dirs,
                       size_t n_dirs, char *date, size_t n_date) {
    cn_ui_command_line(cmdline, n_cmd, "continuo train melody", argc, argv);
    size_t k = 0;
    dirs[0] = 0;
    for (int i = 0; i < a->data_list.n && k < n_dirs; i++)
        k += (size_t)snprintf(dirs + k, n_dirs - k, i ? ",%s" : "%s", a->data[i]);
    time_t now = time(NULL);
    strftime(date, n_date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

static int train(int argc, char **argv) {
    train_args a;
    memset(&a, 0, sizeof a);
    cn_mtrain_config_default(&a.c);
    a.data_list = (cn_flag_list){a.data, 0, MAX_DIRS};
    a.valid_list = (cn_flag_list){a.valid, 0, MAX_DIRS};
    int rc = parse(argc, argv, &a);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    cn_tune_set train = {0}, val = {0};
    a.quiet |= cn_dist_rank() != 0; // rank 0 alone reports
    int nvalid = a.valid_list.n;
    rc = load_dirs(a.data, a.data_list.n, &train, "train", a.quiet);
    if (!rc && nvalid) rc = load_dirs(a.valid, nvalid, &val, "valid", a.quiet);
    if (rc) {
        cn_tune_set_free(&train);
        cn_tune_set_free(&val);
        return cn_ui_error(CMD, NULL);
    }
    char cmdline[2048], date[64], dirs[2048];
    provenance(argc, argv, &a, cmdline, sizeof cmdline, dirs, sizeof dirs, date, sizeof date);
    const char *meta[] = {"train_command", cmdline, "train_data", dirs, "train_date", date,
                          "blas_core", cn_blas_corename(), NULL};
    cn_mtrain_config *c = &a.c;
    c->meta = meta;
    prog g = {a.quiet, -1e9, NAN};
    c->progress = (cn_progress_cb){on_progress, &g};
    if (!a.quiet)
        fprintf(stderr, "training %s: %ld steps, batch %d, lr %.2e, %d threads, BLAS core %s\n",
                c->resume_path ? "(resumed)" : c->init_path ? "(fine-tune)" : "(fresh)", c->steps, c->batch,
                c->lr, c->threads, cn_blas_corename());
    if (!a.quiet) cn_train_dist_note(c->batch, "windows");
    cn_mtrain_result res;
    cn_status st = cn_mtrain_run(c, &train, nvalid ? &val : NULL, &res);
    cn_tune_set_free(&train);
    cn_tune_set_free(&val);
    if (st) return cn_ui_error(CMD, NULL);
    if (!a.quiet) {
        char el[32];
        cn_ui_format_duration(el, sizeof el, res.elapsed_s);
        fprintf(stderr, "done: %ld steps, %zu parameters, %.0f tok/s, %s, final lr %.2e", res.steps, res.n_params,
                res.tokens_per_s, el, res.final_lr);
        if (!isnan(res.best_val)) fprintf(stderr, ", best valid %.4f bits/note", res.best_val);
        fprintf(stderr, " -> %s\n", a.out);
    }
    return 0;
}

int cn_train_melody_main(int argc, char **argv) {
    if (cn_train_dist_begin(CMD)) return 1;
    int rc = train(argc, argv);
    if (cn_dist_size() > 1) cn_ui_signals_quiet();
    cn_dist_finalize();
    return rc;
}
