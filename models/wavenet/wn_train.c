// wn_train.c: WaveNet training loop: random chunks, parallel gradients, AdamW (cn_wn_train.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_clock.h"
#include "models/nn/cn_adamw.h"
#include "models/nn/cn_dist.h"
#include "models/nn/cn_nn.h"
#include "models/nn/cn_parallel.h"
#include "dsp/cn_pitch_accuracy.h"
#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wn_free_run.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_synth.h"
#include "models/wavenet/cn_wn_train.h"

void cn_wn_train_opts_default(cn_wn_train_opts *o) {
    memset(o, 0, sizeof *o);
    o->steps = 1000;
    o->batch = 8;
    o->chunk = 4096;
    o->warm = 1024;
    o->lr = 2e-3f;
    o->lr_min = 1e-4f;
    o->warmup = 100;
    o->weight_decay = 0.01f;
    o->clip = 1.0f;
    o->threads = 1;
    o->seed = 1;
    o->input_noise_end = -1.0f;
    o->self_feed_passes = 1;
    o->free_run_passes = 4;
    for (int i = 0; i < CN_WN_MAX_INSTRUMENTS; i++) o->free_run_boost[i] = 1.0f;
}

float cn_wn_input_noise_at(const cn_wn_train_opts *o, long step) {
    if (o->input_noise_end < 0.0f || o->steps <= 1) return o->input_noise;
    double f = (double)step / (double)(o->steps - 1);
    if (f > 1.0) f = 1.0;
    return (float)(o->input_noise + f * (o->input_noise_end - o->input_noise));
}

typedef struct wn_worker {
    cn_wn_acts *acts;
    float *grad;          // [n_params]
    float *feat;          // [chunk][NFEAT]
    float *heard;         // [CN_WN_HISTORY + chunk] heard samples, the chunk's history first
    float *noise;         // [CN_WN_HISTORY + chunk] input noise added to them
    float *past;          // [CN_WN_HISTORY + chunk] heard + noise: what the inputs read
    float *audio;         // [chunk][CN_WN_NAUDIO] audio inputs
    float *target;        // [chunk]
    float *dmean;         // [chunk] the harmonic loss's derivative by the predicted means
    float *recording;     // [CN_WN_HISTORY + chunk] the heard samples as recorded (the free run's)
    cn_wn_free_run *free_run;
    double loss, free_balance, free_spectrum;
    int free_chunks, spectrum_chunks;
    cn_status st;         // a free run that failed (memory)
} wn_worker;

struct cn_wn_trainer {
    cn_wn_model *m;
    const cn_wn_dataset *ds;
    cn_wn_train_opts o;
    float *adam_m, *adam_v;
    long step;
    wn_worker w[CN_PARALLEL_MAX];
    float *gsum[CN_PARALLEL_MAX];
    int64_t *cum;         // [n_clips + 1] prefix sums of usable chunk starts
    int lo, hi;           // this rank's chunks [lo, hi) of every batch
    double t0, clock;     // when the first step began; rank 0's seconds since then
    cn_wn_free_run_losses free_loss; // the last step's means
};

// Summed over the ranks in the same allreduce as the gradients (after them): the batch's
// loss, and rank 0's clock (the others add 0), so that every rank stops at the same step.
// Then the free-run loss, the chunks that had one, and the ranks whose free run failed
// (so that all stop at the same step).
enum { EXTRA_LOSS, EXTRA_CLOCK, EXTRA_FREE, EXTRA_FREE_CHUNKS, EXTRA_SPECTRUM, EXTRA_SPECTRUM_CHUNKS, EXTRA_FAILED,
       N_EXTRA };

cn_status cn_wn_trainer_create(cn_wn_model *m, const cn_wn_dataset *ds,
                               const cn_wn_train_opts *o, float *adam_m, float *adam_v,
                               long step, cn_wn_trainer **out) {
    *out = NULL;
    int boost_ok = 1;
    for (int i = 0; i < CN_WN_MAX_INSTRUMENTS; i++) boost_ok &= o->free_run_boost[i] >= 0.0f;
    if (!boost_ok || o->threads < 1 || o->threads > CN_PARALLEL_MAX || o->batch < 1 || o->chunk < 2 ||
        o->self_feed < 0.0f || o->self_feed > 1.0f || o->self_feed_passes < 1 || o->harmonic_noise < 0.0f ||
        o->harmonic_cut < 0.0f || o->harmonic_cut > 1.0f || o->harmonic_loss < 0.0f || o->free_run < 0.0f ||
        o->free_run_spectrum < 0.0f || o->free_run_passes < 0 ||
        o->warm < 0 || o->warm >= o->chunk || o->steps < 1 || !ds->n_clips) {
        free(adam_m);
        free(adam_v);
        return cn_fail(CN_ERR_ARG, "wavenet training: bad options (threads %d, batch %d, chunk %d,"
                       " warm %d, steps %ld) or empty data set", o->threads, o->batch, o->chunk,
                       o->warm, o->steps);
    }
    const int free_run = cn_wn_train_free_run_on(o);
    if ((o->harmonic_loss > 0.0f || free_run) && m->cfg.out != CN_WN_OUT_GAUSS) {
        free(adam_m);
        free(adam_v);
        return cn_fail(CN_ERR_ARG, "--%s needs a model with the Gaussian head (--head gauss)",
                       o->free_run > 0.0f          ? "free-run"
                       : o->free_run_spectrum > 0.0f ? "free-run-spectrum"
                                                     : "harmonic-loss");
    }
    if (o->batch < cn_dist_size()) {
        free(adam_m);
        free(adam_v);
        return cn_fail(CN_ERR_ARG, "batch %d is smaller than the %d ranks: each needs a chunk", o->batch,
                       cn_dist_size());
    }
    cn_wn_trainer *t = calloc(1, sizeof *t);
    if (!t) {
        free(adam_m);
        free(adam_v);
        return cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    t->m = m;
    t->ds = ds;
    t->o = *o;
    t->step = step;
    t->adam_m = adam_m ? adam_m : calloc(m->n_params, sizeof(float));
    t->adam_v = adam_v ? adam_v : calloc(m->n_params, sizeof(float));
    t->cum = malloc(((size_t)ds->n_clips + 1) * sizeof *t->cum);
    cn_status st = (!t->adam_m || !t->adam_v || !t->cum) ? cn_fail(CN_ERR_NOMEM, "out of memory")
                                                         : CN_OK;
    for (int i = 0; i < o->threads && !st; i++) {
        wn_worker *w = &t->w[i];
        st = cn_wn_acts_create(&m->cfg, o->chunk, &w->acts);
        if (st) break;
        w->grad = malloc((m->n_params + (i ? 0 : N_EXTRA)) * sizeof(float)); // 0: the sum
        w->feat = malloc((size_t)o->chunk * CN_WN_NFEAT * sizeof(float));
        w->heard = malloc(((size_t)CN_WN_HISTORY + (size_t)o->chunk) * sizeof(float));
        w->noise = malloc(((size_t)CN_WN_HISTORY + (size_t)o->chunk) * sizeof(float));
        w->past = malloc(((size_t)CN_WN_HISTORY + (size_t)o->chunk) * sizeof(float));
        w->audio = malloc((size_t)o->chunk * CN_WN_NAUDIO * sizeof(float));
        w->target = malloc((size_t)o->chunk * sizeof *w->target);
        w->dmean = malloc((size_t)o->chunk * sizeof *w->dmean);
        w->recording = malloc(((size_t)CN_WN_HISTORY + (size_t)o->chunk) * sizeof(float));
        if (!w->grad || !w->feat || !w->heard || !w->noise || !w->past || !w->audio || !w->target || !w->dmean ||
            !w->recording)
            st = cn_fail(CN_ERR_NOMEM, "out of memory");
        if (!st && free_run) st = cn_wn_free_run_create(m, o->chunk, &w->free_run);
        t->gsum[i] = w->grad;
    }
    if (st) {
        cn_wn_trainer_destroy(t);
        return st;
    }
    cn_dist_shard(o->batch, &t->lo, &t->hi);
    t->cum[0] = 0;
    for (int i = 0; i < ds->n_clips; i++) {
        int64_t starts = ds->clips[i].n - o->chunk + 1;
        t->cum[i + 1] = t->cum[i] + (starts > 0 ? starts : 1);
    }
    // Workers run their own BLAS calls; nested OpenBLAS threads would only oversubscribe.
    cn_blas_set_threads(1);
    *out = t;
    return CN_OK;
}

void cn_wn_trainer_destroy(cn_wn_trainer *t) {
    if (!t) return;
    for (int i = 0; i < CN_PARALLEL_MAX; i++) {
        cn_wn_acts_destroy(t->w[i].acts);
        free(t->w[i].grad);
        free(t->w[i].feat);
        free(t->w[i].heard);
        free(t->w[i].noise);
        free(t->w[i].past);
        free(t->w[i].audio);
        free(t->w[i].target);
        free(t->w[i].dmean);
        free(t->w[i].recording);
        cn_wn_free_run_destroy(t->w[i].free_run);
    }
    free(t->adam_m);
    free(t->adam_v);
    free(t->cum);
    free(t);
}

long cn_wn_trainer_steps_done(const cn_wn_trainer *t) { return t->step; }
double cn_wn_trainer_clock(const cn_wn_trainer *t) { return t->clock; }
cn_wn_free_run_losses cn_wn_trainer_free_run_losses(const cn_wn_trainer *t) { return t->free_loss; }

int cn_wn_train_free_run_on(const cn_wn_train_opts *o) { return o->free_run > 0.0f || o->free_run_spectrum > 0.0f; }

void cn_wn_self_feed(const cn_wn_model *m, cn_wn_acts *a, const float *feat, int instrument, int T,
                     int warm, float p, int passes, cn_rng *r, float *heard, const float *noise,
                     float *past, float *audio) {
    const int K = cn_wn_out_dim(&m->cfg);
    float work[CN_WN_CLASSES];
    for (int pass = 0;; pass++) { // the inputs of each pass, then those the caller trains on
        for (int i = 0; i < CN_WN_HISTORY + T - 1; i++) past[i] = heard[i] + (noise ? noise[i] : 0.0f);
        cn_wn_audio_inputs_chunk(m->cfg.sample_rate, feat, past, T, audio);
        if (pass == passes) break;
        cn_wn_forward(m, a, audio, feat, instrument, NULL, T, T);
        const float *out = cn_wn_acts_logits(a);
        // Output i predicts the sample heard at CN_WN_HISTORY + i (the input of i + 1).
        // Before warm the receptive field is not filled: those predictions are not the
        // model's own sound, and stay the recording.
        for (int i = warm; i < T - 1; i++)
            if (cn_rng_uniform(r) < p)
                heard[CN_WN_HISTORY + i] = cn_wn_draw(&m->cfg, out + (size_t)i * K, 0.0f, r, work);
    }
}

// One chunk: drawn from (seed, step, item) only, so the data does not depend on threads.
static void wn_chunk(cn_wn_trainer *t, wn_worker *w, int item) {
    const cn_wn_dataset *ds = t->ds;
    cn_rng r;
    cn_rng_seed(&r, t->o.seed, (uint64_t)t->step * 1024u + (uint64_t)item + 1u);
    int64_t pick = (int64_t)(cn_rng_uniform_d(&r) * (double)t->cum[ds->n_clips]);
    int lo = 0, hi = ds->n_clips - 1;
    while (lo < hi) { // last clip whose cum <= pick
        int mid = (lo + hi + 1) / 2;
        if (t->cum[mid] <= pick) lo = mid;
        else hi = mid - 1;
    }
    const cn_wn_clip *c = &ds->clips[lo];
    int64_t t0 = pick - t->cum[lo];
    int T = c->n < t->o.chunk ? (int)c->n : t->o.chunk;
    if (t0 + T > c->n) t0 = c->n - T;
    cn_wn_features_range(c->notes, c->n_notes, ds->sample_rate, CN_WN_NOISE_SEED, t0, T, w->feat);
    // What the model hears: samples t0 - CN_WN_HISTORY .. t0 + T - 2, with input noise
    // (silence before the clip).
    const float noise = cn_wn_input_noise_at(&t->o, t->step);
    for (int i = 0; i < CN_WN_HISTORY + T - 1; i++) {
        int64_t s = t0 - CN_WN_HISTORY + i;
        w->heard[i] = w->recording[i] = s >= 0 ? cn_wn_clip_heard(c, s, t->m->cfg.out) : 0.0f;
        w->noise[i] = noise > 0.0f ? noise * cn_rng_normal(&r) : 0.0f;
    }
    int warm = t->o.warm < T ? t->o.warm : 0;
    if (t->o.harmonic_noise > 0.0f) {
        double e = 0.0;
        for (int i = 0; i < T - 1; i++) e += (double)w->heard[CN_WN_HISTORY + i] * w->heard[CN_WN_HISTORY + i];
        float rms = T > 1 ? (float)sqrt(e / (T - 1)) : 0.0f;
        cn_wn_harmonic_noise(w->feat, T, t->o.harmonic_noise, rms, &r, w->heard + CN_WN_HISTORY);
    }
    if (t->o.harmonic_cut > 0.0f) { // past is free until self-feeding writes it
        float gain[4] = {1.0f, 1.0f, 1.0f, 1.0f};
        for (int k = 0; k < 2; k++) gain[k] = 1.0f - t->o.harmonic_cut * cn_rng_uniform(&r);
        cn_wn_harmonic_cut(w->feat, T, gain, w->heard + CN_WN_HISTORY, w->past);
    }
    cn_wn_self_feed(t->m, w->acts, w->feat, c->instrument, T, warm, t->o.self_feed,
                    t->o.self_feed > 0.0f ? t->o.self_feed_passes : 0, &r, w->heard, w->noise,
                    w->past, w->audio);
    for (int i = 0; i < T; i++) w->target[i] = cn_wn_clip_value(c, t0 + i);
    w->loss += cn_wn_forward(t->m, w->acts, w->audio, w->feat, c->instrument, w->target, T, warm);
    if (t->o.harmonic_loss > 0.0f) {
        cn_wn_harmonic_loss(w->feat, T, warm, CN_WN_CUT_WINDOW, w->target, cn_wn_acts_logits(w->acts),
                            cn_wn_out_dim(&t->m->cfg), w->dmean);
        for (int i = 0; i < T; i++) w->dmean[i] *= t->o.harmonic_loss;
        cn_wn_acts_set_dmean(w->acts, w->dmean);
    }
    cn_wn_backward(t->m, w->acts, w->grad, 1.0f / (float)t->o.batch);
    if (w->free_run && !w->st && !(t->o.free_run_skip >> c->instrument & 1u)) {
        const cn_wn_free_run_weights fw = {t->o.free_run * t->o.free_run_boost[c->instrument],
                                           t->o.free_run_spectrum, t->o.free_run_passes};
        cn_wn_free_run_losses fl;
        w->st = cn_wn_free_run_step(w->free_run, t->m, w->acts, w->feat, c->instrument, T, warm, w->recording,
                                    w->target, &fw, w->grad, 1.0f / (float)t->o.batch, &fl);
        w->free_balance += fl.balance;
        w->free_chunks += fl.balance > 0.0f;
        w->free_spectrum += fl.spectrum;
        w->spectrum_chunks += fl.spectrum > 0.0f;
    }
}

static void wn_worker_run(void *arg, int worker, int nworkers) {
    cn_wn_trainer *t = arg;
    wn_worker *w = &t->w[worker];
    memset(w->grad, 0, t->m->n_params * sizeof(float));
    w->loss = w->free_balance = w->free_spectrum = 0.0;
    w->free_chunks = w->spectrum_chunks = 0;
    w->st = CN_OK;
    for (int b = t->lo + worker; b < t->hi; b += nworkers) wn_chunk(t, w, b);
}

cn_status cn_wn_trainer_step(cn_wn_trainer *t, float *mean_loss) {
    cn_wn_model *m = t->m;
    size_t n = m->n_params;
    if (t->t0 == 0.0) t->t0 = cn_clock_now();
    cn_parallel_run(t->o.threads, wn_worker_run, t); // never fails for a valid count
    float *g = t->w[0].grad;
    cn_parallel_sum(g, t->gsum, t->o.threads, n);
    double loss = 0.0, free_balance = 0.0, free_spectrum = 0.0;
    int free_chunks = 0, spectrum_chunks = 0;
    cn_status failed = CN_OK;
    for (int i = 0; i < t->o.threads; i++) {
        if (t->w[i].st && !failed) failed = t->w[i].st;
        loss += t->w[i].loss;
        free_balance += t->w[i].free_balance;
        free_chunks += t->w[i].free_chunks;
        free_spectrum += t->w[i].free_spectrum;
        spectrum_chunks += t->w[i].spectrum_chunks;
    }
    g[n + EXTRA_LOSS] = (float)loss;
    g[n + EXTRA_CLOCK] = cn_dist_rank() == 0 ? (float)(cn_clock_now() - t->t0) : 0.0f;
    g[n + EXTRA_FREE] = (float)free_balance;
    g[n + EXTRA_FREE_CHUNKS] = (float)free_chunks;
    g[n + EXTRA_SPECTRUM] = (float)free_spectrum;
    g[n + EXTRA_SPECTRUM_CHUNKS] = (float)spectrum_chunks;
    g[n + EXTRA_FAILED] = failed ? 1.0f : 0.0f;
    cn_status st = cn_dist_sum(g, n + N_EXTRA);
    if (st) return st;
    if (failed) return failed;
    if (g[n + EXTRA_FAILED] > 0.0f) return cn_fail(CN_ERR_NOMEM, "wavenet training: another rank ran out of memory");
    loss = g[n + EXTRA_LOSS];
    t->clock = g[n + EXTRA_CLOCK];
    t->free_loss.balance = g[n + EXTRA_FREE_CHUNKS] > 0.0f ? g[n + EXTRA_FREE] / g[n + EXTRA_FREE_CHUNKS] : 0.0f;
    t->free_loss.spectrum =
        g[n + EXTRA_SPECTRUM_CHUNKS] > 0.0f ? g[n + EXTRA_SPECTRUM] / g[n + EXTRA_SPECTRUM_CHUNKS] : 0.0f;
    cn_grad_clip(t->w[0].grad, m->n_params, t->o.clip);
    cn_adamw_config ac;
    cn_adamw_config_default(&ac);
    ac.lr = cn_lr_schedule(t->step, t->o.warmup, t->o.steps, t->o.lr, t->o.lr_min);
    ac.beta2 = 0.99f;
    ac.weight_decay = t->o.weight_decay;
    size_t sizes[CN_WN_NPARAM], off = 0;
    cn_wn_param_sizes(&m->cfg, sizes);
    t->step++;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        cn_adamw_step(&ac, t->step, cn_wn_param_decays(i), m->mem + off, t->w[0].grad + off,
                      t->adam_m + off, t->adam_v + off, sizes[i]);
        off += sizes[i];
    }
    *mean_loss = (float)(loss / t->o.batch);
    return CN_OK;
}

cn_status cn_wn_trainer_save(const cn_wn_trainer *t, const char *path, const char *provenance) {
    return cn_wn_save(t->m, path, t->adam_m, t->adam_v, t->step, provenance);
}

// ---- evaluation ------------------------------------------------------------------------------------

cn_status cn_wn_pitch_accuracy(const float *audio, int64_t n, int sample_rate,
                               const cn_timed_note *notes, int n_notes, double *accuracy) {
    cn_pitch_accuracy_config pc = cn_pitch_accuracy_config_default();
    cn_pitch_accuracy_result res;
    cn_status st = cn_pitch_accuracy(audio, (size_t)n, sample_rate, notes, n_notes, &pc, &res);
    if (!st) *accuracy = res.accuracy;
    return st;
}

cn_status cn_wn_eval_pitch(const cn_wn_model *m, int instrument, const cn_timed_note *notes,
                           int n_notes, int64_t n, float temperature, uint64_t seed,
                           float *audio, double *accuracy) {
    cn_wn_synth *s;
    cn_status st = cn_wn_synth_create(m, instrument, temperature, seed, &s);
    if (st) return st;
    cn_wn_synth_render_notes(s, seed, notes, n_notes, n, audio);
    cn_wn_synth_destroy(s);
    return cn_wn_pitch_accuracy(audio, n, m->cfg.sample_rate, notes, n_notes, accuracy);
}
