// train.c: the melody transformer's training loop (cn_melody_train.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cn_clock.h"
#include "models/nn/cn_adamw.h"
#include "models/nn/cn_dist.h"
#include "models/melody/cn_melody_train.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_parallel.h"
#include "models/nn/cn_safetensors.h"

void cn_mtrain_config_default(cn_mtrain_config *c) {
    memset(c, 0, sizeof *c);
    cn_tf_config_default(&c->arch);
    c->steps = 3000;
    c->batch = 16;
    c->lr = 1e-3f;
    c->lr_min = 1e-4f;
    c->warmup = 200;
    c->weight_decay = 0.1f;
    c->clip = 1.0f;
    c->cond_dropout = 0.3f;
    c->transpose = 5;
    c->seed = 1;
    c->threads = 2;
    c->eval_every = 250;
    c->ckpt_every = 250;
}

// ---- batches ---------------------------------------------------------------------------

typedef struct window {
    cn_mevent *ev; // [len] tokens after the start token, owned
    int len;
    int events;    // scored events: len, less the two markers of an infilling window
    cn_melody_cond cond;
    uint64_t dropout_seed;
} window;

// The tune that window b of step `step` comes from: one in proportion to its length,
// drawn from an rng seeded by (seed, step, b), which the rest of the window continues.
static const cn_tune *pick_tune(const cn_mtrain_config *c, const cn_tune_set *set, const long *cum,
                                long step, int b, cn_rng *r) {
    cn_rng_seed(r, c->seed ^ ((uint64_t)step * 0x9E3779B97F4A7C15ULL), (uint64_t)b + 1);
    long pick = (long)(cn_rng_uniform_d(r) * (double)cum[set->n]);
    int lo = 0, hi = set->n - 1; // first tune with cum[i+1] > pick
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (cum[mid + 1] > pick) hi = mid;
        else lo = mid + 1;
    }
    return &set->t[lo];
}

// Whether the window is arranged for infilling (the rng's next draw, only when the
// run trains infilling, so runs without it draw exactly as before) and how many
// events it takes from its tune: two tokens fewer for the markers.
static int window_events(const cn_mtrain_config *c, const cn_tune *t, int ctx, cn_rng *r, int *fim) {
    *fim = c->fim_rate > 0 && cn_rng_uniform(r) < c->fim_rate;
    int cap = *fim ? ctx - 2 : ctx;
    return t->ev.n < cap ? t->ev.n : cap;
}

// Events in window b of step `step`: what the loss of the whole batch is divided by, known
// to every rank without drawing the windows of the others.
static int window_len(const cn_mtrain_config *c, const cn_tune_set *set, const long *cum, int ctx,
                      long step, int b) {
    cn_rng r;
    int fim;
    return window_events(c, pick_tune(c, set, cum, step, b, &r), ctx, &r, &fim);
}

// Rearrange the window's events e[0..len) as prefix, SUFFIX(gap), suffix, MIDDLE, middle
// (cn_transformer.h): a middle of 1..64 events (at most len - 1) at a random place.
static void arrange_fim(window *w, cn_rng *r) {
    int len = w->len, mid = 1 + cn_rng_int(r, len - 1 < 64 ? len - 1 : 64);
    int at = cn_rng_int(r, len - mid + 1), suf = len - at - mid, gap = 0;
    cn_mevent middle[64];
    memcpy(middle, w->ev + at, (size_t)mid * sizeof *middle);
    for (int i = 0; i < mid; i++) gap += middle[i].dur + middle[i].rest;
    memmove(w->ev + at + 1, w->ev + at + mid, (size_t)suf * sizeof *w->ev);
    w->ev[at] = cn_tf_suffix_marker(gap);
    w->ev[at + 1 + suf] = cn_tf_middle_marker();
    memcpy(w->ev + at + 2 + suf, middle, (size_t)mid * sizeof *middle);
    w->len = len + 2;
}

// Draw window b of step `step`: its tune, a random offset, transposition and conditioning
// dropout, all from the rng of (seed, step, b).
static void draw_window(const cn_mtrain_config *c, const cn_tune_set *set, const long *cum,
                        int ctx, long step, int b, window *w) {
    cn_rng r;
    const cn_tune *t = pick_tune(c, set, cum, step, b, &r);
    int fim, len = window_events(c, t, ctx, &r, &fim);
    int off = t->ev.n > len ? cn_rng_int(&r, t->ev.n - len + 1) : 0;
    memcpy(w->ev, t->ev.ev + off, (size_t)len * sizeof *w->ev);
    w->len = len;
    w->cond = t->cond;
    if (c->transpose > 0)
        cn_tok_transpose(w->ev, len, &w->cond, cn_rng_int(&r, 2 * c->transpose + 1) - c->transpose);
    int *f[4] = {&w->cond.key, &w->cond.meter, &w->cond.style, &w->cond.length};
    for (int k = 0; k < 4; k++)
        if (cn_rng_uniform(&r) < c->cond_dropout) *f[k] = -1;
    w->dropout_seed = cn_rng_u32(&r) | (uint64_t)cn_rng_u32(&r) << 32;
    w->events = len;
    if (fim && len >= 2) arrange_fim(w, &r);
}

// ---- workers -----------------------------------------------------------------------------

typedef struct worker_ctx {
    const cn_tf *m;
    cn_tf_acts *acts[CN_PARALLEL_MAX];
    float *grads[CN_PARALLEL_MAX];
    double nll[CN_PARALLEL_MAX];
    long tokens[CN_PARALLEL_MAX];
    // training batch
    window *win;
    int nwin;
    float scale;
    // evaluation: tunes of the set taken by part = this rank of nparts, then by thread
    const cn_tune_set *eval;
    int part, nparts;
} worker_ctx;

static void train_worker(void *arg, int w, int n) {
    worker_ctx *x = arg;
    memset(x->grads[w], 0, x->m->n_params * sizeof(float));
    x->nll[w] = 0;
    for (int b = w; b < x->nwin; b += n) {
        window *win = &x->win[b];
        cn_rng r;
        cn_rng_seed(&r, win->dropout_seed, 7);
        x->nll[w] += cn_tf_forward(x->m, x->acts[w], &win->cond, win->ev, win->len - 1, win->ev, &r);
        cn_tf_backward(x->m, x->acts[w], x->grads[w], x->scale);
    }
}

static void eval_worker(void *arg, int w, int n) {
    worker_ctx *x = arg;
    const cn_melody_cond unknown = {-1, -1, -1, -1};
    int ctx = x->m->cfg.ctx;
    x->nll[w] = 0;
    x->tokens[w] = 0;
    for (int i = x->part * n + w; i < x->eval->n; i += x->nparts * n) {
        const cn_event_seq *s = &x->eval->t[i].ev;
        for (int off = 0; off < s->n; off += ctx) {
            int len = s->n - off < ctx ? s->n - off : ctx;
            x->nll[w] += cn_tf_forward(x->m, x->acts[w], &unknown, s->ev + off, len - 1, s->ev + off, NULL);
            x->tokens[w] += len;
        }
    }
}

// Bits per note of a set. With `ranks` it is collective: the ranks share the tunes and
// all get the total.
static cn_status eval_with(worker_ctx *x, int threads, int ranks, const cn_tune_set *set, double *bits) {
    x->eval = set;
    x->part = ranks ? cn_dist_rank() : 0;
    x->nparts = ranks ? cn_dist_size() : 1;
    cn_status st = cn_parallel_run(threads, eval_worker, x);
    if (st) return st;
    double sum[2] = {0, 0}; // nll, tokens
    for (int w = 0; w < threads; w++) sum[0] += x->nll[w], sum[1] += (double)x->tokens[w];
    if (ranks && (st = cn_dist_sum_d(sum, 2))) return st;
    *bits = sum[1] > 0 ? sum[0] / sum[1] / log(2.0) : NAN;
    return CN_OK;
}

static cn_status workers_alloc(worker_ctx *x, const cn_tf *m, int threads, int with_grads) {
    memset(x, 0, sizeof *x);
    x->m = m;
    for (int w = 0; w < threads; w++) {
        cn_status st = cn_tf_acts_create(&m->cfg, &x->acts[w]);
        if (st) return st;
        if (with_grads && !(x->grads[w] = calloc(m->n_params, sizeof(float))))
            return cn_fail(CN_ERR_NOMEM, "out of memory for gradients");
    }
    return CN_OK;
}

// Every slot (unused ones are NULL), so a run that failed its argument checks frees safely.
static void workers_free(worker_ctx *x) {
    for (int w = 0; w < CN_PARALLEL_MAX; w++) {
        cn_tf_acts_destroy(x->acts[w]);
        free(x->grads[w]);
    }
}

cn_status cn_tf_eval_bits(const cn_tf *m, const cn_tune_set *set, int threads, double *bits) {
    cn_return_val_if_fail(m && set && bits && threads >= 1 && threads <= CN_PARALLEL_MAX, CN_ERR_ARG);
    worker_ctx x;
    cn_status st = workers_alloc(&x, m, threads, 0);
    if (!st) st = eval_with(&x, threads, 0, set, bits);
    workers_free(&x);
    return st;
}

// ---- the loop ------------------------------------------------------------------------------

// Metadata key of the best validation bits/note of the run so far, full float precision
// (checkpoints carry it so that a resumed run keeps comparing against it).
#define BEST_KEY "train_best_valid"

static cn_status save_model(const cn_mtrain_config *c, const cn_tf *m, const char *path, long step,
                            float val, float best, const float *am, const float *av) {
    char step_s[32], val_s[32], best_s[32], seed_s[32];
    snprintf(step_s, sizeof step_s, "%ld", step);
    snprintf(val_s, sizeof val_s, "%.4f", val);
    snprintf(best_s, sizeof best_s, "%.9g", best);
    snprintf(seed_s, sizeof seed_s, "%llu", (unsigned long long)c->seed);
    const char *meta[64];
    int k = 0;
    for (int i = 0; c->meta && c->meta[i] && c->meta[i + 1] && k < 56; i += 2) {
        meta[k++] = c->meta[i];
        meta[k++] = c->meta[i + 1];
    }
    meta[k++] = "train_steps_done";
    meta[k++] = step_s;
    meta[k++] = "train_seed";
    meta[k++] = seed_s;
    if (!isnan(val)) {
        meta[k++] = "valid_bits_per_note";
        meta[k++] = val_s;
    }
    if (!isnan(best)) {
        meta[k++] = BEST_KEY;
        meta[k++] = best_s;
    }
    meta[k] = NULL;
    cn_tf_save_extra ex = {meta, am, av, step};
    return cn_tf_save(m, path, &ex);
}

// The best validation score recorded in a checkpoint, NAN when it has none (no
// validation yet, or a checkpoint written before the key existed).
static cn_status read_best_val(const char *path, float *best) {
    cn_st_file *f;
    cn_status st = cn_st_open(path, &f);
    if (st) return st;
    double v = NAN;
    if (cn_st_meta(f, BEST_KEY)) st = cn_st_meta_double(f, BEST_KEY, &v);
    cn_st_close(f);
    *best = (float)v;
    return st;
}

// Steps the run will take: c->steps, or fewer when the time budget runs out first
// (estimated from the pace so far, so the cosine schedule ends with the budget).
static long planned_steps(const cn_mtrain_config *c, long step, long step0, double elapsed) {
    if (c->max_seconds <= 0 || step - step0 < 5 || elapsed <= 0) return c->steps;
    double pace = (double)(step - step0) / elapsed;
    long est = step + (long)(pace * (c->max_seconds - elapsed));
    return est < step ? step : est > c->steps ? c->steps : est;
}

// The warm-up of a run of `total` steps: as configured, but with a time budget at most a
// tenth of the run, so that even a budget shorter than the warm-up ends annealed.
static long warmup_steps(const cn_mtrain_config *c, long total) {
    return c->max_seconds > 0 && c->warmup > total / 10 ? total / 10 : c->warmup;
}

// What a run holds besides the model's own buffers.
typedef struct run_state {
    cn_tf *m;
    float *am, *av; // AdamW moments [n_params]
    float *grads;   // [n_params + N_EXTRA]: the step's gradients, then the extras below
    long *cum;      // [n_tunes + 1] prefix sums of tune lengths
    window *win;    // [batch]; each rank fills only its own share
    long step;
    worker_ctx x;
} run_state;

// Summed over the ranks in the same allreduce as the gradients: the batch's loss, and
// rank 0's clock (the others add 0), which every rank then follows for the time budget
// so that all take the same learning rate and stop at the same step.
enum { EXTRA_NLL, EXTRA_CLOCK, N_EXTRA };

static cn_status run_open(const cn_mtrain_config *c, const cn_tune_set *train, run_state *r, float *best) {
    if (train->n == 0) return cn_fail(CN_ERR_ARG, "no training tunes");
    if (c->threads < 1 || c->threads > CN_PARALLEL_MAX || c->batch < 1 || c->steps < 1)
        return cn_fail(CN_ERR_ARG, "threads %d, batch %d, steps %ld: each must be positive", c->threads,
                       c->batch, c->steps);
    if (c->batch < cn_dist_size())
        return cn_fail(CN_ERR_ARG, "batch %d is smaller than the %d ranks: each needs a window", c->batch,
                       cn_dist_size());
    const char *from = c->resume_path ? c->resume_path : c->init_path;
    cn_status st;
    if (from) st = cn_tf_load(from, &r->m);
    else if (!(st = cn_tf_create(&c->arch, &r->m))) cn_tf_init_weights(r->m, c->seed);
    if (st) return st;
    cn_tf *m = r->m;
    if (c->fim_rate > 0) m->fim = 1; // saved with the weights: the model can infill
    r->am = calloc(m->n_params, sizeof(float));
    r->av = calloc(m->n_params, sizeof(float));
    r->grads = malloc((m->n_params + N_EXTRA) * sizeof(float));
    r->cum = malloc((size_t)(train->n + 1) * sizeof *r->cum);
    r->win = calloc((size_t)c->batch, sizeof *r->win);
    if (!r->am || !r->av || !r->grads || !r->cum || !r->win)
        return cn_fail(CN_ERR_NOMEM, "out of memory for training state");
    for (int b = 0; b < c->batch; b++)
        if (!(r->win[b].ev = malloc((size_t)m->cfg.ctx * sizeof *r->win[b].ev)))
            return cn_fail(CN_ERR_NOMEM, "out of memory for batch windows");
    // A resumed run continues from the checkpoint's optimizer state and only replaces
    // out_path with weights better than the best it had already saved there.
    if (c->resume_path && ((st = cn_tf_load_optim(c->resume_path, m, r->am, r->av, &r->step)) ||
                           (st = read_best_val(c->resume_path, best))))
        return st;
    if (r->step > c->steps)
        return cn_fail(CN_ERR_ARG, "%s is at step %ld, beyond --steps %ld", c->resume_path, r->step, c->steps);
    r->cum[0] = 0;
    for (int i = 0; i < train->n; i++) r->cum[i + 1] = r->cum[i] + train->t[i].ev.n;
    return workers_alloc(&r->x, m, c->threads, 1);
}

static void run_close(const cn_mtrain_config *c, run_state *r) {
    workers_free(&r->x);
    if (r->win)
        for (int b = 0; b < c->batch; b++) free(r->win[b].ev);
    free(r->win);
    free(r->cum);
    free(r->grads);
    free(r->am);
    free(r->av);
    cn_tf_destroy(r->m);
}

// Rank 0 writes; every rank learns whether it could (collective).
static cn_status save_on_rank0(const cn_mtrain_config *c, const run_state *r, const char *path, float val,
                               float best, int with_optim) {
    cn_status st = CN_OK;
    if (cn_dist_rank() == 0)
        st = save_model(c, r->m, path, r->step, val, best, with_optim ? r->am : NULL, with_optim ? r->av : NULL);
    return cn_dist_agree(st);
}

cn_status cn_mtrain_run(const cn_mtrain_config *c, const cn_tune_set *train,
                        const cn_tune_set *valid, cn_mtrain_result *res) {
    cn_return_val_if_fail(c && train && res && c->out_path, CN_ERR_ARG);
    memset(res, 0, sizeof *res);
    res->best_val = res->last_val = NAN;
    run_state r;
    memset(&r, 0, sizeof r);
    int threads = c->threads;
    // Every rank opens the same files; a failure on any of them stops all (one message).
    cn_status st = cn_dist_agree(run_open(c, train, &r, &res->best_val));
    // Ranks that drew different data or start from different weights would not train one
    // model: check both before the first step.
    if (!st) st = cn_dist_check_same(r.cum, (size_t)(train->n + 1) * sizeof *r.cum, "the training tunes");
    if (!st) st = cn_dist_check_same(r.m->params, r.m->n_params * sizeof(float), "the starting weights");
    if (st) goto done;
    cn_tf *m = r.m;
    window *win = r.win;
    worker_ctx *x = &r.x;
    float *grads = r.grads;
    size_t n = m->n_params;
    res->n_params = n;
    // Our workers are the parallelism: several OpenBLAS threads per worker would only
    // fight over the same cores.
    cn_blas_set_threads(1);
    int lo, hi; // this rank's windows of every batch
    cn_dist_shard(c->batch, &lo, &hi);

    cn_adamw_config opt;
    cn_adamw_config_default(&opt);
    opt.weight_decay = c->weight_decay;
    cn_progress p = cn_progress_blank("progress");
    p.loss_unit = "bits/note";
    p.best = res->best_val;
    cn_progress_tracker tr;
    cn_progress_start(&tr, &c->progress, "steps", c->steps);
    tr.base = r.step;
    double t0 = cn_clock_now();
    long tokens_run = 0, step0 = r.step;
    while (r.step < c->steps) {
        long tokens = 0; // of the whole batch: the loss is a mean over all its tokens
        for (int b = 0; b < c->batch; b++) {
            if (b < lo || b >= hi) {
                tokens += window_len(c, train, r.cum, m->cfg.ctx, r.step, b);
                continue;
            }
            draw_window(c, train, r.cum, m->cfg.ctx, r.step, b, &win[b]);
            tokens += win[b].events;
        }
        x->win = win + lo;
        x->nwin = hi - lo;
        x->scale = 1.0f / (float)tokens;
        if ((st = cn_parallel_run(threads, train_worker, x))) goto done;
        cn_parallel_sum(grads, x->grads, threads, n);
        double nll = 0;
        for (int w = 0; w < threads; w++) nll += x->nll[w];
        grads[n + EXTRA_NLL] = (float)nll;
        grads[n + EXTRA_CLOCK] = cn_dist_rank() == 0 ? (float)(cn_clock_now() - t0) : 0.0f;
        if ((st = cn_dist_sum(grads, n + N_EXTRA))) goto done;
        nll = grads[n + EXTRA_NLL];
        double clock = grads[n + EXTRA_CLOCK];
        p.grad_norm = cn_grad_clip(grads, n, c->clip);
        long planned = planned_steps(c, r.step, step0, clock);
        opt.lr = cn_lr_schedule(r.step, warmup_steps(c, planned), planned, c->lr, c->lr_min);
        res->final_lr = opt.lr;
        size_t sizes[CN_TF_NPARAM];
        cn_tf_param_sizes(&m->cfg, sizes);
        for (int i = 0; i < CN_TF_NPARAM; i++) {
            size_t off = (size_t)(cn_tf_tensor(&m->w, i) - m->params);
            cn_adamw_step(&opt, r.step + 1, cn_tf_param_decays(i), m->params + off, grads + off,
                          r.am + off, r.av + off, sizes[i]);
        }
        r.step++;
        tokens_run += tokens;
        double el = cn_clock_now() - t0;
        p.loss = nll / tokens / log(2.0);
        p.lr = opt.lr;
        p.valid = NAN;
        p.items_per_s = tokens_run / (el > 0 ? el : 1e-9);
        tr.total = planned_steps(c, r.step, step0, clock);
        p.event = "progress";
        cn_progress_send(&tr, r.step, &p);
        int last = r.step >= c->steps || (c->max_seconds > 0 && clock >= c->max_seconds);
        if (valid && valid->n && (last || (c->eval_every > 0 && r.step % c->eval_every == 0))) {
            double bits;
            if ((st = eval_with(x, threads, 1, valid, &bits))) goto done;
            p.valid = bits;
            res->last_val = (float)bits;
            if (isnan(res->best_val) || bits < res->best_val) {
                res->best_val = (float)bits;
                if ((st = save_on_rank0(c, &r, c->out_path, (float)bits, res->best_val, 0))) goto done;
            }
            p.best = res->best_val;
            p.event = "eval";
            cn_progress_send(&tr, r.step, &p);
        }
        if (c->ckpt_path && (last || (c->ckpt_every > 0 && r.step % c->ckpt_every == 0))) {
            if ((st = cn_dist_check_same(m->params, n * sizeof(float), "the weights")) ||
                (st = save_on_rank0(c, &r, c->ckpt_path, res->last_val, res->best_val, 1)))
                goto done;
            p.event = "checkpoint";
            p.path = c->ckpt_path;
            cn_progress_send(&tr, r.step, &p);
        }
        if (last) break;
    }
    if (!valid || !valid->n) st = save_on_rank0(c, &r, c->out_path, NAN, NAN, 0);
    res->steps = r.step;
    res->elapsed_s = cn_clock_now() - t0;
    res->tokens_per_s = tokens_run / (res->elapsed_s > 0 ? res->elapsed_s : 1e-9);
done:
    run_close(c, &r);
    return st;
}
