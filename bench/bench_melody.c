// bench_melody.c: `continuo bench melody`: in one run, bits per note on the Nottingham
// test split for the n-gram baseline and its parts, the transformer alone and its
// mixtures; the same on a style the n-gram never trained on (Ryan's); transformer
// generation speed with and without the KV cache near a full 256-event context; training
// throughput of the trainer's own step next to the sgemm peak measured in the same run;
// and musical sanity of continuations (scale, range, durations) against real data.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cn_clock.h"
#include "bench/cn_bench.h"
#include "bench/cn_bench_util.h"
#include "bench/cn_bench_corpus.h"
#include "ui/cn_ui.h"
#include "models/melody/cn_melody_train.h"
#include "models/melody/cn_mixture.h"
#include "models/nn/cn_nn.h"
#include "core/cn_paths.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_sample.h"

#define CMD "bench"

typedef cn_bench_corpus corpus;

static double bits_per_note(cn_event_model *m, const corpus *c) {
    double bits = 0;
    for (int i = 0; i < c->n; i++) {
        double b;
        if (cn_event_model_score(m, NULL, &c->s[i], &b)) return -1;
        bits += b;
    }
    return bits / (double)c->notes;
}

// ---- the models compared

typedef struct {
    cn_ngram_ltm *ltm;
    cn_event_model *ltm_only, *stm_only, *ngram; // n-gram parts and the baseline
    cn_tf *tf;
    cn_event_model tf_model; // valid if tf: the transformer heard once
    cn_event_model *tf_ens;  // and as the shipped transposition ensemble
} models;

static cn_status models_open(const char *model, models *m) {
    memset(m, 0, sizeof *m);
    cn_ngram_config cfg = cn_ngram_config_default();
    cn_status st = cn_predictor_default_ltm(cfg.ltm_order, &m->ltm);
    if (!st) st = cn_ngram_create(&cfg, m->ltm, "ngram", &m->ngram);
    cfg.use_stm = 0;
    if (!st) st = cn_ngram_create(&cfg, m->ltm, "ngram-ltm", &m->ltm_only);
    cfg.use_stm = 1;
    cfg.use_ltm = 0;
    if (!st) st = cn_ngram_create(&cfg, NULL, "ngram-stm", &m->stm_only);
    char path[1024];
    cn_status found = st ? st : cn_predictor_resolve(model, path, sizeof path);
    if (!st && model && found) st = found; // a model asked for must exist; the default may not
    if (!st && !found) {
        st = cn_tf_load(path, &m->tf);
        if (!st) st = cn_tf_event_model(m->tf, 1, 0, &m->tf_model);
        if (!st) st = cn_predictor_tf_ensemble(m->tf, CN_PREDICTOR_SPREAD, &m->tf_ens);
    }
    return st;
}

static void models_close(models *m) {
    cn_event_model *all[] = {m->ltm_only, m->stm_only, m->ngram, m->tf ? &m->tf_model : NULL, m->tf_ens};
    for (int i = 0; i < 5; i++)
        if (all[i] && all[i]->self) all[i]->destroy(all[i]->self);
    cn_tf_destroy(m->tf);
    cn_ngram_ltm_destroy(m->ltm);
}

// ---- transformer replay
// Scoring asks a model for the pitch distribution, then the duration distribution of the
// true pitch, then the rest distribution of the true (pitch, dur). The transformer is
// deterministic given the events it observed, so its answers on a corpus are recorded
// once (the "transformer alone" row) and replayed to the mixture rows, which then run
// the real mixture code on exactly the numbers the transformer would give again.

typedef struct {
    cn_event_model inner; // the transformer (used while recording)
    float (*pp)[CN_EV_NPITCH];
    float (*dp)[CN_EV_NDUR];
    float (*rp)[CN_EV_NREST];
    long n, cap, pos;
    int recording, failed; // failed: out of memory, or replayed past the recording
} tape;

static cn_status tape_reset(void *self, const cn_melody_cond *cond) {
    tape *t = self;
    return t->recording ? t->inner.reset(t->inner.self, cond) : CN_OK;
}

static cn_status tape_observe(void *self, const cn_mevent *e) {
    tape *t = self;
    cn_status st = t->recording ? t->inner.observe(t->inner.self, e) : CN_OK;
    t->pos++;
    return st;
}

// The record of the current event (grown while recording), or -1 (t->failed is set).
static long tape_slot(tape *t) {
    if (!t->recording) {
        t->failed |= t->pos >= t->n;
        return t->pos < t->n ? t->pos : -1;
    }
    if (t->pos >= t->cap) {
        long cap = t->cap ? 2 * t->cap : 4096;
        void *a = realloc(t->pp, (size_t)cap * sizeof *t->pp);
        if (a) t->pp = a;
        void *b = a ? realloc(t->dp, (size_t)cap * sizeof *t->dp) : NULL;
        if (b) t->dp = b;
        void *c = b ? realloc(t->rp, (size_t)cap * sizeof *t->rp) : NULL;
        if (!c) {
            t->failed = 1;
            return -1;
        }
        t->rp = c;
        t->cap = cap;
    }
    if (t->pos >= t->n) t->n = t->pos + 1;
    return t->pos;
}

static void tape_pitch(void *self, float *out) {
    tape *t = self;
    long i = tape_slot(t);
    if (i < 0) {
        memset(out, 0, CN_EV_NPITCH * sizeof *out);
        return;
    }
    if (t->recording) t->inner.pitch_probs(t->inner.self, t->pp[i]);
    memcpy(out, t->pp[i], sizeof t->pp[i]);
}

static void tape_dur(void *self, int pitch, float *out) {
    tape *t = self;
    long i = tape_slot(t);
    if (i < 0) {
        memset(out, 0, CN_EV_NDUR * sizeof *out);
        return;
    }
    if (t->recording) t->inner.dur_probs(t->inner.self, pitch, t->dp[i]);
    memcpy(out, t->dp[i], sizeof t->dp[i]);
}

static void tape_rest(void *self, int pitch, int dur, float *out) {
    tape *t = self;
    long i = tape_slot(t);
    if (i < 0) {
        memset(out, 0, CN_EV_NREST * sizeof *out);
        return;
    }
    if (t->recording) t->inner.rest_probs(t->inner.self, pitch, dur, t->rp[i]);
    memcpy(out, t->rp[i], sizeof t->rp[i]);
}

static cn_event_model tape_model(tape *t) {
    return (cn_event_model){t, "transformer", tape_reset, tape_observe, tape_pitch, tape_dur,
                            tape_rest, NULL, NULL, NULL};
}

static void tape_free(tape *t) {
    free(t->pp);
    free(t->dp);
    free(t->rp);
}

// ---- bits per note

// Print bits/note of every model (and the transformer's mixtures) on c.
static int report_bits(models *m, const corpus *c, const char *what, int tf_seen) {
    printf("bits per note on %s (%d tunes, %ld notes; lower is better):\n", what, c->n, c->notes);
    tape t = {.inner = m->tf ? *m->tf_ens : (cn_event_model){0}, .recording = 1};
    cn_event_model tm = tape_model(&t), *tf = m->tf ? &tm : NULL;
    struct {
        const char *label;
        cn_event_model *a, *b;
    } rows[] = {
        {"n-gram LTM only (nottingham/train)", m->ltm_only, NULL},
        {"n-gram STM only (the tune itself)", m->stm_only, NULL},
        {"n-gram LTM+STM (baseline)", m->ngram, NULL},
        {"transformer alone, heard once", m->tf ? &m->tf_model : NULL, NULL},
        {"transformer alone (transposition ensemble)", tf, NULL}, // records the tape replayed below
        {"transformer + n-gram STM", tf, m->stm_only},
        {"transformer + n-gram LTM", tf, m->ltm_only},
        {"transformer + n-gram LTM+STM (shipped)", tf, m->ngram},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && !rc; i++) {
        if (!rows[i].a) {
            printf("  %-44s (no transformer: see --model)\n", rows[i].label);
            continue;
        }
        cn_event_model *use = rows[i].a, *mix = NULL;
        if (rows[i].b) {
            if (cn_predictor_mix(rows[i].a, rows[i].b, 0, NULL, &mix)) {
                rc = cn_ui_error(CMD, NULL);
                break;
            }
            use = mix;
        }
        t.pos = 0;
        double t0 = cn_clock_now(), b = bits_per_note(use, c), dt = cn_clock_now() - t0;
        if (use == tf) t.recording = 0; // recorded: replay from now on
        if (mix) mix->destroy(mix->self);
        if (b < 0 || t.failed) {
            rc = b < 0 ? cn_ui_error(CMD, NULL) : cn_ui_error(CMD, "transformer replay failed (out of memory)");
            break;
        }
        printf("  %-44s %7.4f   (%.1f s)%s\n", rows[i].label, b, dt,
               tf_seen && rows[i].a == tf ? "  [transformer trained on this style]" : "");
    }
    tape_free(&t);
    return rc;
}

// ---- generation speed

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// Events per second generating `gen` events (greedy) after `prime` observed ones: the
// median of `reps` runs, each from its own copy (clone) of the same primed state. spread
// > 0: the transposition ensemble of the shipped predictor (cached).
static double gen_rate(cn_tf *tf, int use_cache, int spread, const corpus *c, int prime, int gen, int reps) {
    cn_event_model m, *ens;
    if (spread) {
        if (cn_predictor_tf_ensemble(tf, spread, &ens)) return -1;
        m = *ens;
    } else if (cn_tf_event_model(tf, use_cache, 0, &m))
        return -1;
    const cn_event_seq *src = &c->s[0];
    for (int i = 1; i < c->n; i++)
        if (c->s[i].n > src->n) src = &c->s[i];
    static const cn_melody_cond unknown = {-1, -1, -1, -1};
    cn_status st = m.reset(m.self, &unknown);
    for (int i = 0; i < prime && !st; i++) st = m.observe(m.self, &src->ev[i % src->n]);
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    double rate[64];
    int top, n = 0;
    reps = reps < 64 ? reps : 64;
    for (; n < reps && !st; n++) {
        void *w = m.clone(m.self);
        if (!w) {
            st = cn_fail(CN_ERR_NOMEM, "out of memory cloning the transformer state");
            break;
        }
        double t0 = cn_clock_now();
        for (int g = 0; g < gen && !st; g++) {
            cn_mevent e;
            m.pitch_probs(w, p);
            cn_top_indices(p, CN_EV_NPITCH, 1, &top);
            e.pitch = top;
            m.dur_probs(w, e.pitch, d);
            cn_top_indices(d, CN_EV_NDUR, 1, &top);
            e.dur = top + 1;
            m.rest_probs(w, e.pitch, e.dur, r);
            cn_top_indices(r, CN_EV_NREST, 1, &e.rest);
            st = m.observe(w, &e);
        }
        rate[n] = gen / (cn_clock_now() - t0);
        m.free_clone(w);
    }
    m.destroy(m.self);
    qsort(rate, (size_t)n, sizeof *rate, cmp_double);
    return st || !n ? -1 : rate[n / 2];
}

static int report_speed(cn_tf *tf, const corpus *c, int quick) {
    int own = 0;
    if (!tf) { // speed does not depend on the weights: a randomly initialised model
        cn_tf_config cfg;
        cn_tf_config_default(&cfg);
        if (cn_tf_create(&cfg, &tf)) return cn_ui_error(CMD, NULL);
        cn_tf_init_weights(tf, 1);
        own = 1;
    }
    cn_tf_config cfg = tf->cfg;
    int gen = quick ? 8 : 16, prime = cfg.ctx - 1 - gen, reps = quick ? 5 : 25;
    cn_blas_set_threads(1); // batch 1 on one core: the other core is free for audio
    double cached = gen_rate(tf, 1, 0, c, prime, gen, reps), naive = gen_rate(tf, 0, 0, c, prime, gen, 1);
    double ens = gen_rate(tf, 1, CN_PREDICTOR_SPREAD, c, prime, gen, reps);
    if (own) cn_tf_destroy(tf);
    if (cached < 0 || naive < 0 || ens < 0) return cn_ui_error(CMD, NULL);
    printf("transformer generation (%s; d_model %d, %d layers, ctx %d), greedy, batch 1, one\n"
           "thread, %d events after %d:\n"
           "  with KV cache %9.1f events/s (median of %d runs)\n"
           "  without       %9.1f events/s (recomputes the window)\n"
           "  ratio         %9.1fx %s\n"
           "  transposition ensemble (%d members, as shipped) %.1f events/s: %.2fx the time of one pass\n",
           own ? "random weights" : "loaded weights", cfg.d_model, cfg.n_layers, cfg.ctx, gen, prime,
           cached, reps, naive, cached / naive, cached / naive >= 10 ? "(>= 10x)" : "(BELOW 10x)",
           2 * CN_PREDICTOR_SPREAD + 1, ens, cached / ens);
    return 0;
}

// ---- training speed
// The trainer's own step (cn_mtrain_run: batch drawing, forward + backward on the
// workers, gradient sum and clipping, AdamW) timed through its progress callback. The
// data is one long real tune (the test tunes end to end), so every window holds exactly
// ctx tokens and the FLOPs of a step are known exactly.

typedef struct {
    double t0, tok0, t1, tok1; // elapsed seconds and tokens after the warm-up step and the last
} train_clock;

static void train_tick(const cn_progress *p, void *user) {
    train_clock *k = user;
    if (strcmp(p->event, "progress")) return;
    double tok = p->items_per_s * p->elapsed_s; // tokens so far
    if (p->done == 1) k->t0 = p->elapsed_s, k->tok0 = tok;
    k->t1 = p->elapsed_s, k->tok1 = tok;
}

// Matmul FLOPs (2 per multiply-add) of one training window of n tokens, counted from
// the GEMMs transformer.c runs. Forward, per layer: qkv 3C^2, attention output C^2, MLP
// 4C^2 + 4C^2 multiply-adds per token = 24nC^2 flops. Attention runs in CN_TF_ATT_BLOCKS
// blocks of query rows (transformer.c); a block of rows [r0, r1) runs 2 GEMMs of
// (r1 - r0) x r1 x hs per head, i.e. 4(r1 - r0)r1C flops over the heads: with 4 blocks
// (1+2+3+4)/16 = 5/8 of the full 4n^2C. The heads (pitch 128, duration 96, rest 97
// logits) 2nC(128+96+97). Backward runs two GEMMs of the forward's size for each
// forward GEMM (input and weight gradients; attention: dP, dV, dQ, dK), so a step
// costs 3x the forward. LayerNorm, GELU, softmax and AdamW are not counted.
static double train_flops(const cn_tf_config *c, int n) {
    double C = c->d_model, L = c->n_layers, att = 0;
    int bs = (n + CN_TF_ATT_BLOCKS - 1) / CN_TF_ATT_BLOCKS;
    for (int r0 = 0; r0 < n; r0 += bs) {
        int r1 = r0 + bs < n ? r0 + bs : n;
        att += 4.0 * (r1 - r0) * r1 * C;
    }
    double fwd = L * (24.0 * n * C * C + att) + 2.0 * n * C * (CN_EV_NPITCH + CN_EV_NDUR + CN_EV_NREST);
    return 3.0 * fwd;
}

// Training tokens/s over `timed` steps after one warm-up step (batch 16, `threads`
// workers) of a fresh model of architecture `arch`; the model is written to `out`.
static cn_status train_rate(const cn_tf_config *arch, const cn_tune_set *set, int threads,
                            int timed, const char *out, double *tok_s) {
    cn_mtrain_config c;
    cn_mtrain_config_default(&c);
    c.arch = *arch;
    c.steps = 1 + timed;
    c.threads = threads;
    c.eval_every = c.ckpt_every = 0;
    c.out_path = out;
    train_clock k = {0};
    c.progress = (cn_progress_cb){train_tick, &k};
    cn_mtrain_result res;
    cn_status st = cn_mtrain_run(&c, set, NULL, &res);
    *tok_s = st || k.t1 <= k.t0 ? -1 : (k.tok1 - k.tok0) / (k.t1 - k.t0);
    return st;
}

static int report_train(const cn_tf *shipped, const corpus *c, int quick) {
    // One long tune: the test tunes end to end (speed does not depend on the notes).
    cn_tune tune = {{NULL, 0, 0}, {-1, -1, -1, -1}};
    if (!(tune.ev.ev = malloc((size_t)c->notes * sizeof *tune.ev.ev))) return cn_ui_error(CMD, "out of memory");
    for (int i = 0; i < c->n; i++) {
        memcpy(tune.ev.ev + tune.ev.n, c->s[i].ev, (size_t)c->s[i].n * sizeof *tune.ev.ev);
        tune.ev.n += c->s[i].n;
    }
    cn_tune_set set = {.t = &tune, .n = 1, .cap = 1, .events = tune.ev.n};
    const char *tmp = getenv("TMPDIR");
    char dir[1024], out[1100];
    snprintf(dir, sizeof dir, "%s/continuo-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(tune.ev.ev);
        return cn_ui_error(CMD, "cannot create a temporary folder in %s", tmp && *tmp ? tmp : "/tmp");
    }
    snprintf(out, sizeof out, "%s/m.safetensors", dir);

    const int N = 1024, timed = quick ? 1 : 3;
    double peak[2] = {cn_bench_sgemm_gflops(N, 1, quick ? 0.5 : 1.5), cn_bench_sgemm_gflops(N, 2, quick ? 0.5 : 1.5)};
    double load[1] = {-1};
    getloadavg(load, 1);
    printf("training throughput: the trainer's step (forward + backward + AdamW, batch 16 windows\n"
           "of ctx tokens cut from the test tunes, each token predicting one note), 1 warm-up step\n"
           "then %d timed; OpenBLAS core %s, sgemm peak (%dx%dx%d, fastest call) 1 thread\n"
           "%.1f GFLOP/s, 2 threads %.1f GFLOP/s; load average %.2f (other jobs share the cores):\n",
           timed, cn_blas_corename(), N, N, N, peak[0], peak[1], load[0]);
    printf("  %-46s %10s %7s %9s %9s %8s\n", "model", "parameters", "threads", "notes/s", "GFLOP/s",
           "of peak");
    cn_tf_config cmp;
    cn_tf_config_default(&cmp);
    struct {
        const char *label;
        const cn_tf_config *arch;
    } rows[2] = {{"loaded", shipped ? &shipped->cfg : NULL}, {"issue's comparison", &cmp}};
    int rc = 0;
    for (int r = 0; r < 2 && !rc; r++) {
        const cn_tf_config *a = rows[r].arch;
        if (!a) continue;
        char label[96];
        snprintf(label, sizeof label, "%s (d %d, %d layers, %d heads)", rows[r].label, a->d_model,
                 a->n_layers, a->n_heads);
        int n = a->ctx < tune.ev.n ? a->ctx : tune.ev.n; // tokens per window
        for (int th = 1; th <= 2 && !rc; th++) {
            double rate;
            if (train_rate(a, &set, th, timed, out, &rate) || rate <= 0) {
                rc = cn_ui_error(CMD, NULL);
                break;
            }
            double gf = rate / n * train_flops(a, n) * 1e-9;
            size_t sizes[CN_TF_NPARAM];
            if (th == 1) printf("  %-46s %10zu", label, cn_tf_param_sizes(a, sizes));
            else printf("  %-46s %10s", "", "");
            printf(" %7d %9.0f %9.1f %7.0f%%\n", th, rate, gf, 100.0 * gf / peak[th - 1]);
        }
    }
    remove(out);
    rmdir(dir);
    free(tune.ev.ev);
    if (rc) return rc;
    // PyTorch's figures for these models were quoted in an issue, not measured here: they
    // stay in docs/melody.md, labelled as quoted, and are not printed as a ratio.
    printf("  (GFLOP/s counts the matmul FLOPs of forward and backward, see train_flops)\n");
    return 0;
}

// ---- musical sanity

typedef struct {
    long notes, keyed, in_scale, leaps, rests;
    double dur_beats, range;
    int windows;
} stats;

static void stats_add(stats *s, const cn_mevent *ev, int n, int key) {
    int lo = 127, hi = 0;
    for (int i = 0; i < n; i++) {
        s->notes++;
        if (key >= 0) {
            s->keyed++;
            s->in_scale += cn_bench_in_scale(ev[i].pitch, key);
        }
        s->leaps += i > 0 && abs(ev[i].pitch - ev[i - 1].pitch) > 12;
        s->rests += ev[i].rest > 0;
        s->dur_beats += ev[i].dur / (double)CN_TICKS_PER_BEAT;
        lo = ev[i].pitch < lo ? ev[i].pitch : lo;
        hi = ev[i].pitch > hi ? ev[i].pitch : hi;
    }
    s->range += hi - lo;
    s->windows++;
}

static void stats_print(const char *label, const stats *s) {
    printf("  %-32s %6.1f%% %8.1f %10.3f %8.1f%% %7.1f%%\n", label,
           s->keyed ? 100.0 * s->in_scale / s->keyed : 0.0, s->windows ? s->range / s->windows : 0.0,
           s->notes ? s->dur_beats / s->notes : 0.0, s->notes ? 100.0 * s->rests / s->notes : 0.0,
           s->notes ? 100.0 * s->leaps / s->notes : 0.0);
}

#define SANITY_PRIMER 16
#define SANITY_GEN 32

// Sample SANITY_GEN notes after the first SANITY_PRIMER notes of each keyed test tune
// (at most max_primers tunes) into *gen, and the tunes' real next notes into *real.
static int sample_windows(cn_event_model *m, const corpus *test, const cn_sample_config *sc,
                          int max_primers, stats *gen, stats *real) {
    static const cn_melody_cond unknown = {-1, -1, -1, -1};
    const cn_gen_limit lim = {.max_events = SANITY_GEN};
    int used = 0;
    for (int i = 0; i < test->n && used < max_primers; i++) {
        const cn_event_seq *s = &test->s[i];
        if (test->key[i] < 0 || s->n < SANITY_PRIMER + SANITY_GEN) continue;
        cn_melody_cond cond = unknown;
        cond.key = test->key[i];
        cn_status st = m->reset(m->self, &cond);
        for (int k = 0; k < SANITY_PRIMER && !st; k++) st = m->observe(m->self, &s->ev[k]);
        cn_rng rng;
        cn_rng_seed(&rng, 1, (uint64_t)i);
        cn_event_seq out;
        if (st || cn_sample_continue(m, sc, &rng, &lim, &out)) return -1;
        stats_add(gen, out.ev, out.n, test->key[i]);
        cn_events_free(&out);
        stats_add(real, s->ev + SANITY_PRIMER, SANITY_GEN, test->key[i]);
        used++;
    }
    return used;
}

// Continuations sampled at two settings against the real continuations and training
// windows (notes 17..48 of each tune).
static int report_sanity(cn_event_model *m, const corpus *test, const corpus *train, int max_primers) {
    stats gen[2] = {{0}}, real = {0}, scratch = {0}, tr = {0};
    cn_sample_config sc[2] = {cn_sample_config_default(), cn_sample_config_default()};
    sc[1].top_p = 0.9;
    int used = sample_windows(m, test, &sc[0], max_primers, &gen[0], &real);
    if (used < 0 || sample_windows(m, test, &sc[1], max_primers, &gen[1], &scratch) < 0)
        return cn_ui_error(CMD, NULL);
    for (int i = 0; i < train->n; i++)
        if (train->s[i].n >= SANITY_PRIMER + SANITY_GEN)
            stats_add(&tr, train->s[i].ev + SANITY_PRIMER, SANITY_GEN, train->key[i]);
    printf("musical sanity: %d primers of %d notes from nottingham/test (key from the file, given\n"
           "to the model), %d sampled notes each (%s, seed 1):\n"
           "  %-32s %7s %8s %10s %9s %8s\n", used, SANITY_PRIMER, SANITY_GEN, m->name, "",
           "in-scale", "range", "dur(beats)", "rest-after", "leaps>8ve");
    stats_print("generated, temperature 1", &gen[0]);
    stats_print("generated, top-p 0.9", &gen[1]);
    stats_print("real continuations (test)", &real);
    stats_print("training data (notes 17..48)", &tr);
    return 0;
}

static void help(void) {
    printf("usage: continuo bench melody [--model FILE|PRESET] [--quick]\n"
           "In one run: bits per note on data/melody/nottingham/test of the n-gram baseline\n"
           "(long-term model trained on nottingham/train + short-term model) and of its parts,\n"
           "of the transformer alone and mixed with n-gram parts; the same on Ryan's tunes (a\n"
           "style the n-gram never trained on; the shipped transformer did); transformer\n"
           "generation events/s (one thread) with and without the KV cache near a full\n"
           "context; training notes/s of the loaded architecture and of the issue's comparison\n"
           "model (d_model 192, 4 layers) on 1 and 2 threads, with GFLOP/s as a share of the\n"
           "OpenBLAS sgemm peak measured in the same run; and the scale, range and rhythm of\n"
           "sampled continuations against real ones. Takes about a minute.\n"
           "  --model M   transformer preset or .safetensors file (default %s; without one,\n"
           "              the transformer rows are skipped and speed uses random weights)\n"
           "  --quick     fewer tunes and shorter timings (a smoke test, about 15 s)\n",
           CN_PREDICTOR_DEFAULT_MODEL);
}

int cn_bench_melody(int argc, char **argv) {
    const char *model = NULL;
    int quick = 0, n_pos;
    const cn_flag flags[] = {{"model", 0, CN_FLAG_STR, &model, 0, 0, NULL}, {"quick", 0, CN_FLAG_SET, &quick, 0, 0, NULL}};
    int rc = cn_ui_flags_parse(CMD, flags, 2, argc, argv, NULL, 0, &n_pos);
    if (rc == 1) help();
    if (rc) return rc == 1 ? 0 : rc;
    printf("continuo bench melody%s (OpenBLAS core: %s)\n", quick ? " --quick" : "", cn_blas_corename());
    corpus test, ryans, train;
    char test_dir[CN_PATH_MAX], ryans_dir[CN_PATH_MAX], train_dir[CN_PATH_MAX];
    if (cn_share_path("data/melody/nottingham/test", test_dir, sizeof test_dir) ||
        cn_share_path("data/melody/ryans", ryans_dir, sizeof ryans_dir) ||
        cn_predictor_default_ngram_data(train_dir, sizeof train_dir))
        return cn_ui_error(CMD, NULL);
    if (cn_bench_corpus_load(test_dir, quick ? 20 : 0, 1, &test)) return cn_ui_error(CMD, NULL);
    if (cn_bench_corpus_load(ryans_dir, quick ? 20 : 100, 1, &ryans)) {
        cn_bench_corpus_free(&test);
        return cn_ui_error(CMD, NULL);
    }
    if (cn_bench_corpus_load(train_dir, quick ? 100 : 0, 1, &train)) {
        cn_bench_corpus_free(&test);
        cn_bench_corpus_free(&ryans);
        return cn_ui_error(CMD, NULL);
    }
    models m;
    double t0 = cn_clock_now();
    rc = models_open(model, &m) ? cn_ui_error(CMD, NULL) : 0;
    if (!rc) {
        printf("n-gram long-term model of nottingham/train ready in %.2f s (precomputed when shipped); transformer: %s\n\n",
               cn_clock_now() - t0, m.tf ? "loaded" : "none (no model file found)");
        rc = report_bits(&m, &test, "nottingham/test", 0);
    }
    if (!rc) {
        printf("\nunseen style: first %d Ryan's Mammoth tunes (never seen by the n-gram, which\n"
               "trained on nottingham/train only)\n", ryans.n);
        rc = report_bits(&m, &ryans, "ryans", m.tf != NULL);
    }
    if (!rc) {
        printf("\n");
        rc = report_speed(m.tf, &test, quick);
    }
    if (!rc) {
        printf("\n");
        rc = report_train(m.tf, &test, quick);
    }
    cn_event_model *shipped = NULL;
    if (!rc && m.tf && cn_predictor_mix(m.tf_ens, m.ngram, 0, "transformer+ngram", &shipped))
        rc = cn_ui_error(CMD, NULL);
    if (!rc) {
        printf("\n");
        rc = report_sanity(shipped ? shipped : m.ngram, &test, &train, quick ? 10 : 100);
    }
    if (shipped) shipped->destroy(shipped->self);
    models_close(&m);
    cn_bench_corpus_free(&test);
    cn_bench_corpus_free(&ryans);
    cn_bench_corpus_free(&train);
    return rc;
}

// ---- `continuo bench mixture`: the mixture's weights on a validation folder

static void mixture_help(void) {
    printf("usage: continuo bench mixture [--model FILE|PRESET] [--data DIR] [--spread N]\n"
           "Bits per note on DIR (default data/melody/nottingham/valid: tune on a validation\n"
           "split, never on a test split) of the transformer, heard once and as a transposition\n"
           "ensemble (the tune at -N..+N semitones, mixed), then of the ensemble mixed with the\n"
           "adaptive n-gram: the shipped predictor, the same with fixed weights, and a grid of\n"
           "entropy bias x transformer weight (rows) by the rate the weights are learnt at\n"
           "within each tune (columns). The ensemble's answers are recorded once and replayed\n"
           "to every cell. The shipped predictor uses N = CN_PREDICTOR_SPREAD %d, weight %.2f,\n"
           "entropy bias %.2f and rate %.2f (models/melody/cn_predictor.h); the best cell is\n"
           "printed last.\n"
           "  --model M   transformer preset or .safetensors file (default %s)\n"
           "  --data DIR  the tunes (default data/melody/nottingham/valid)\n"
           "  --spread N  transpositions -N..+N, 0..3 (default %d)\n",
           CN_PREDICTOR_SPREAD, CN_PREDICTOR_TF_WEIGHT, CN_PREDICTOR_ENTROPY_BIAS, CN_PREDICTOR_ADAPT_RATE,
           CN_PREDICTOR_DEFAULT_MODEL, CN_PREDICTOR_SPREAD);
}

// Bits/note of the recorded ensemble (replayed from its start) mixed with the n-gram.
static double replayed_mix(tape *t, cn_event_model *tm, cn_event_model *ngram, const corpus *c,
                           double tf_weight, double bias, double rate) {
    cn_event_model *parts[2] = {tm, ngram}, *mix;
    const double w[2] = {tf_weight, CN_PREDICTOR_NGRAM_WEIGHT};
    if (cn_mixture_create(parts, w, 2, bias, 0, NULL, &mix)) return -1;
    double b = cn_mixture_set_adapt(mix, rate) ? -1 : (t->pos = 0, bits_per_note(mix, c));
    mix->destroy(mix->self);
    if (t->failed) return cn_fail(CN_ERR_NOMEM, "transformer replay failed (out of memory)"), -1;
    return b;
}

int cn_bench_mixture(int argc, char **argv) {
    const char *model = CN_PREDICTOR_DEFAULT_MODEL, *data = NULL;
    long spread = CN_PREDICTOR_SPREAD;
    int n_pos;
    const cn_flag flags[] = {{"model", 0, CN_FLAG_STR, &model, 0, 0, NULL},
                             {"data", 0, CN_FLAG_STR, &data, 0, 0, NULL},
                             {"spread", 0, CN_FLAG_LONG, &spread, 0, 3, NULL}};
    int rc = cn_ui_flags_parse(CMD, flags, 3, argc, argv, NULL, 0, &n_pos);
    if (rc == 1) mixture_help();
    if (rc) return rc == 1 ? 0 : rc;
    char dir[CN_PATH_MAX];
    if (!data && cn_share_path("data/melody/nottingham/valid", dir, sizeof dir)) return cn_ui_error(CMD, NULL);
    corpus c;
    models m;
    if (cn_bench_corpus_load(data ? data : dir, 0, 1, &c)) return cn_ui_error(CMD, NULL);
    cn_event_model *ens = NULL;
    if (models_open(model, &m) || !m.tf || cn_predictor_tf_ensemble(m.tf, (int)spread, &ens)) {
        cn_bench_corpus_free(&c);
        models_close(&m);
        return cn_ui_error(CMD, m.tf ? NULL : "no transformer to mix (see --model)");
    }
    cn_blas_set_threads(1);
    static const double biases[] = {0.25, 0.5, 0.75}, weights[] = {1.0, 1.4, 2.0, 3.0},
                        rates[] = {0, 0.1, 0.2, 0.4, 0.6};
    enum { N_BIAS = 3, N_WEIGHT = 4, N_RATE = 5 };
    tape t = {.inner = *ens, .recording = 1};
    cn_event_model tm = tape_model(&t);
    double once = bits_per_note(&m.tf_model, &c), alone = once < 0 ? -1 : bits_per_note(&tm, &c);
    t.recording = 0;
    printf("continuo bench mixture --model %s --spread %ld on %s (%d tunes, %ld notes)\n", model,
           spread, data ? data : "data/melody/nottingham/valid", c.n, c.notes);
    printf("  transformer heard once %.4f bits/note\n", once);
    printf("  transformer alone %.4f bits/note (transpositions -%ld..+%ld)\n", alone, spread, spread);
    const double w = CN_PREDICTOR_TF_WEIGHT, bias = CN_PREDICTOR_ENTROPY_BIAS;
    double fixed = alone < 0 ? -1 : replayed_mix(&t, &tm, m.ngram, &c, w, bias, 0);
    double shipped = fixed < 0 ? -1 : replayed_mix(&t, &tm, m.ngram, &c, w, bias, CN_PREDICTOR_ADAPT_RATE);
    printf("  mixed with the n-gram, fixed weights (weight %.2f, entropy bias %.2f) %.4f bits/note\n", w, bias, fixed);
    printf("  mixed with the n-gram, shipped (the same, learnt at rate %.2f) %.4f bits/note\n", CN_PREDICTOR_ADAPT_RATE,
           shipped);
    rc = shipped < 0 ? cn_ui_error(CMD, NULL) : 0;
    if (!rc) {
        printf("  entropy bias, transformer weight \\ rate");
        for (int k = 0; k < N_RATE; k++) printf(" %7.2f", rates[k]);
        printf("\n");
    }
    double best = 1e9, best_b = 0, best_w = 0, best_r = 0;
    for (int i = 0; i < N_BIAS && !rc; i++)
        for (int j = 0; j < N_WEIGHT && !rc; j++) {
            printf("  %12.2f %20.1f         ", biases[i], weights[j]);
            for (int k = 0; k < N_RATE && !rc; k++) {
                double b = replayed_mix(&t, &tm, m.ngram, &c, weights[j], biases[i], rates[k]);
                if (b < 0) rc = cn_ui_error(CMD, NULL);
                printf(" %7.4f", b);
                fflush(stdout);
                if (b < best) best = b, best_b = biases[i], best_w = weights[j], best_r = rates[k];
            }
            printf("\n");
        }
    if (!rc)
        printf("  best: entropy bias %.2f, weight %.1f, rate %.2f: %.4f bits/note\n", best_b, best_w, best_r, best);
    tape_free(&t);
    ens->destroy(ens->self);
    models_close(&m);
    cn_bench_corpus_free(&c);
    return rc;
}
