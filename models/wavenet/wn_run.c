// wn_run.c: a whole WaveNet training run (cn_wn_run.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_clock.h"
#include "models/nn/cn_dist.h"
#include "dsp/cn_mrstft.h"
#include "models/nn/cn_parallel.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_run.h"
#include "models/wavenet/cn_wn_note_shape.h"

void cn_wn_run_config_default(cn_wn_run_config *c) {
    memset(c, 0, sizeof *c);
    cn_wn_train_opts_default(&c->o);
    cn_wn_config_default(&c->arch);
    c->arch.n_instruments = 0;
    c->lag_ms = 7.0;
    c->eval_seconds = 6.0;
    c->ckpt_every = 200;
}

// *pm rebuilt with cfg's instrument table: row r of the embedding and of the level table
// comes from row from[r] of the old model, or (from[r] < 0) is the mean of the old
// embedding rows, uncalibrated; every other weight is copied.
static cn_status wn_remap_instruments(cn_wn_model **pm, const cn_wn_config *cfg, const int *from) {
    cn_wn_model *m = *pm, *g;
    cn_status st = cn_wn_create(cfg, &g);
    if (st) return st;
    g->eq_per_octave = m->eq_per_octave;
    size_t so[CN_WN_NPARAM], sn[CN_WN_NPARAM], oo = 0, on = 0;
    cn_wn_param_sizes(&m->cfg, so);
    cn_wn_param_sizes(cfg, sn);
    const int E = cfg->emb;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        if (i != CN_WN_P_EMB) memcpy(g->mem + on, m->mem + oo, so[i] * sizeof(float));
        oo += so[i];
        on += sn[i];
    }
    for (int r = 0; r < cfg->n_instruments; r++) {
        float *row = g->p.emb + (size_t)r * E;
        if (from[r] >= 0) {
            memcpy(row, m->p.emb + (size_t)from[r] * E, (size_t)E * sizeof(float));
            memcpy(g->level_db[r], m->level_db[from[r]], sizeof g->level_db[r]);
            memcpy(g->legato_db[r], m->legato_db[from[r]], sizeof g->legato_db[r]);
            g->legato = m->legato;
            memcpy(g->decay_db[r], m->decay_db[from[r]], sizeof g->decay_db[r]);
            memcpy(g->eq_db[r], m->eq_db[from[r]], sizeof g->eq_db[r]);
            continue;
        }
        for (int j = 0; j < E; j++) {
            float sum = 0.0f;
            for (int k = 0; k < m->cfg.n_instruments; k++) sum += m->p.emb[k * E + j];
            row[j] = sum / (float)m->cfg.n_instruments;
        }
    }
    cn_wn_destroy(m);
    *pm = g;
    return CN_OK;
}

cn_status cn_wn_grow_instruments(cn_wn_model **pm, char names[][CN_WN_NAME_MAX], int n_names) {
    const cn_wn_model *m = *pm;
    cn_wn_config cfg = m->cfg;
    int from[CN_WN_MAX_INSTRUMENTS];
    for (int r = 0; r < m->cfg.n_instruments; r++) from[r] = r;
    for (int i = 0; i < n_names; i++) {
        if (cn_wn_instrument_index(&cfg, names[i]) >= 0) continue;
        if (cfg.n_instruments >= CN_WN_MAX_INSTRUMENTS)
            return cn_fail(CN_ERR_RANGE, "more than %d instruments", CN_WN_MAX_INSTRUMENTS);
        from[cfg.n_instruments] = -1;
        strcpy(cfg.instruments[cfg.n_instruments++], names[i]);
    }
    if (cfg.n_instruments == m->cfg.n_instruments) return CN_OK;
    return wn_remap_instruments(pm, &cfg, from);
}

cn_status cn_wn_add_weights(cn_wn_model *dst, const cn_wn_model *src, float w) {
    const cn_wn_config *a = &dst->cfg, *b = &src->cfg;
    if (a->out != b->out || a->n_layers != b->n_layers || a->cycle != b->cycle || a->res != b->res ||
        a->gate != b->gate || a->skip != b->skip || a->emb != b->emb || a->sample_rate != b->sample_rate)
        return cn_fail(CN_ERR_ARG, "the models differ in architecture, head or rate");
    if (a->n_instruments != b->n_instruments ||
        memcmp(a->instruments, b->instruments, sizeof a->instruments[0] * (size_t)a->n_instruments))
        return cn_fail(CN_ERR_ARG, "the models have different instruments");
    for (size_t i = 0; i < dst->n_params; i++) dst->mem[i] += w * src->mem[i];
    return CN_OK;
}

cn_status cn_wn_keep_instruments(cn_wn_model **pm, char names[][CN_WN_NAME_MAX], int n_names) {
    const cn_wn_model *m = *pm;
    cn_wn_config cfg = m->cfg;
    int from[CN_WN_MAX_INSTRUMENTS];
    if (n_names < 1 || n_names > CN_WN_MAX_INSTRUMENTS) return cn_fail(CN_ERR_ARG, "keep 1..%d instruments", CN_WN_MAX_INSTRUMENTS);
    for (int i = 0; i < n_names; i++) {
        if ((from[i] = cn_wn_instrument_index(&m->cfg, names[i])) < 0)
            return cn_fail(CN_ERR_ARG, "the model has no instrument '%s'", names[i]);
        for (int j = 0; j < i; j++)
            if (from[j] == from[i]) return cn_fail(CN_ERR_ARG, "instrument '%s' named twice", names[i]);
        snprintf(cfg.instruments[i], CN_WN_NAME_MAX, "%s", names[i]);
    }
    cfg.n_instruments = n_names;
    return wn_remap_instruments(pm, &cfg, from);
}

// ---- checkpoint scores -------------------------------------------------------------------------

typedef struct {
    float temperature;
    const cn_wn_model *m;
    const cn_wn_dataset *ev;
    float **audio; // per clip; a clip that could not be rendered is freed and set to NULL
    int64_t *n;
} wn_eval_job;

// Worker w renders clips w, w + n, ... (rendering is the costly part and needs no FFTW;
// the scores below plan FFTs, so they run on one thread): audio[i] gets the clip as the
// plugin's voices play it without the model's tables, then the same through its decay and
// spectrum tables (cn_wn_voice_tables), each n[i] frames.
static void eval_render(void *arg, int worker, int nworkers) {
    wn_eval_job *j = arg;
    for (int i = worker; i < j->ev->n_clips; i += nworkers) {
        const cn_wn_clip span = cn_wn_clip_head(&j->ev->clips[i], j->n[i]);
        float *bare = j->audio[i], *heard = bare + span.n;
        if (cn_wn_voice_render(j->m, span.instrument, &span, 0, 0.0, j->temperature, bare, NULL)) {
            free(j->audio[i]); // only this worker touches clip i
            j->audio[i] = NULL;
            continue;
        }
        memcpy(heard, bare, (size_t)span.n * sizeof *heard);
        cn_wn_voice_tables(j->m, span.instrument, &span, CN_WN_VOICE_DECAY | CN_WN_VOICE_EQ, 0.0, heard);
    }
}

cn_wn_score cn_wn_validate(const cn_wn_model *m, const cn_wn_dataset *ev, double seconds, float temperature,
                           int threads, char *detail, size_t size) {
    cn_wn_score sc = {-1.0, 0.0, 0};
    int nc = ev->n_clips;
    wn_eval_job j = {temperature, m, ev, calloc((size_t)nc, sizeof(float *)), calloc((size_t)nc, sizeof(int64_t))};
    cn_status st = j.audio && j.n ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory");
    for (int i = 0; i < nc && !st; i++) {
        j.n[i] = (int64_t)(seconds * m->cfg.sample_rate);
        if (j.n[i] > ev->clips[i].n) j.n[i] = ev->clips[i].n;
        j.audio[i] = malloc((size_t)(3 * j.n[i] + 1) * sizeof(float)); // bare, heard, the recording
        if (!j.audio[i]) st = cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    if (!st) cn_parallel_run(threads, eval_render, &j);
    for (int i = 0; i < nc && !st; i++)
        if (!j.audio[i]) st = cn_fail(CN_ERR_NOMEM, "out of memory rendering validation clip %s", ev->clips[i].name);
    double sum_acc = 0.0, sum_d = 0.0, inst_acc[CN_WN_MAX_INSTRUMENTS] = {0}, inst_ref[CN_WN_MAX_INSTRUMENTS] = {0};
    cn_wn_excess inst_sw[CN_WN_MAX_INSTRUMENTS] = {{0}};
    size_t len = 0;
    char *per = malloc(size);
    if (!per && !st) st = cn_fail(CN_ERR_NOMEM, "out of memory");
    if (per) per[0] = 0;
    for (int i = 0; i < nc && !st; i++) {
        const cn_wn_clip *clip = &ev->clips[i];
        const float *bare = j.audio[i], *heard = bare + j.n[i];
        float *ref = j.audio[i] + 2 * j.n[i];
        for (int64_t t = 0; t < j.n[i]; t++) ref[t] = cn_wn_clip_heard(clip, t, m->cfg.out);
        double acc, acc_ref, d;
        st = cn_wn_pitch_accuracy(heard, j.n[i], m->cfg.sample_rate, clip->notes, clip->n_notes, &acc);
        if (!st)
            st = cn_wn_pitch_accuracy(ref, j.n[i], m->cfg.sample_rate, clip->notes, clip->n_notes, &acc_ref);
        if (!st) st = cn_mrstft_distance(bare, (size_t)j.n[i], ref, (size_t)j.n[i], &d);
        cn_wn_excess sw;
        if (!st) st = cn_wn_note_swells(bare, ref, j.n[i], m->cfg.sample_rate, clip->notes, clip->n_notes, &sw);
        if (st) break;
        sum_acc += acc;
        sum_d += d;
        inst_acc[clip->instrument] += acc;
        inst_ref[clip->instrument] += acc_ref;
        cn_wn_excess_add(&inst_sw[clip->instrument], &sw);
        if (len < size)
            len += (size_t)snprintf(per + len, size - len, "  %s/%s %.3f/%.3f", m->cfg.instruments[clip->instrument],
                                    clip->name, acc, d);
    }
    if (!st && nc) {
        sc.pitch = sum_acc / nc;
        sc.mrstft = sum_d / nc;
        // Sums over an instrument's clips compare as their means do.
        // Out of tune: the instrument furthest under its recordings' accuracy is named.
        char tune[128] = "in tune";
        sc.in_tune = 1;
        double worst = 1.0;
        for (int k = 0; k < m->cfg.n_instruments; k++)
            if (inst_acc[k] < CN_WN_BEST_PITCH_SHARE * inst_ref[k] && inst_acc[k] < worst * inst_ref[k]) {
                sc.in_tune = 0;
                worst = inst_acc[k] / inst_ref[k];
                snprintf(tune, sizeof tune, "out of tune: %s %.0f%% of the recordings' pitch accuracy",
                         m->cfg.instruments[k], 100.0 * worst);
            }
        // Notes that swell (cn_wn_note_shape.h), per instrument with any.
        char swells[512] = "";
        size_t sl = 0;
        for (int k = 0; k < m->cfg.n_instruments && sl < sizeof swells; k++)
            if (inst_sw[k].over)
                sl += (size_t)snprintf(swells + sl, sizeof swells - sl, "%s %s %d/%d (worst %+.1f dB)", sl ? "," : "",
                                       m->cfg.instruments[k], inst_sw[k].over, inst_sw[k].notes,
                                       inst_sw[k].worst_db);
        snprintf(detail, size, "pitch accuracy %.3f, MR-STFT %.3f, %s; notes swelling:%s (temperature %.2f; per clip "
                 "pitch/MR-STFT:%s)", sc.pitch, sc.mrstft, tune, sl ? swells : " none", temperature, per);
    } else {
        snprintf(detail, size, "failed: %s", nc ? cn_error_message() : "no clips");
    }
    for (int i = 0; j.audio && i < nc; i++) free(j.audio[i]);
    free(j.audio);
    free(j.n);
    free(per);
    return sc;
}

static cn_wn_score report_eval(const cn_wn_run_config *c, cn_progress_tracker *tr, long step,
                            const cn_wn_model *m, const cn_wn_dataset *ev) {
    char detail[4096];
    cn_progress p = cn_progress_blank("eval");
    cn_wn_score sc = cn_wn_validate(m, ev, c->eval_seconds, c->eval_temperature, c->o.threads, detail, sizeof detail);
    p.valid = sc.pitch;
    p.detail = detail;
    cn_progress_send(tr, step, &p);
    return sc;
}

void cn_wn_best_init(cn_wn_best *b) {
    b->pitch = b->mrstft = -1.0;
    b->in_tune = 0;
    b->max_pitch = -1.0;
}

int cn_wn_best_offer(cn_wn_best *b, double pitch, double mrstft, int in_tune) {
    if (pitch < 0.0) return 0;
    if (pitch > b->max_pitch) b->max_pitch = pitch;
    if (in_tune) {
        if (b->in_tune && mrstft >= b->mrstft) return 0;
    } else {
        if (b->in_tune || pitch < b->max_pitch - CN_WN_BEST_PITCH_TOL) return 0;
        int kept_eligible = b->pitch >= 0.0 && b->pitch >= b->max_pitch - CN_WN_BEST_PITCH_TOL;
        if (kept_eligible && mrstft >= b->mrstft) return 0;
    }
    b->pitch = pitch;
    b->mrstft = mrstft;
    b->in_tune = in_tune;
    return 1;
}

// The model to train: a checkpoint to resume, a model to fine-tune, or none yet (NULL).
static cn_status open_model(const cn_wn_run_config *c, cn_wn_model **m, float **am, float **av, long *step) {
    *m = NULL;
    *am = *av = NULL;
    *step = 0;
    if (c->resume) return cn_wn_load(c->resume, m, am, av, step);
    if (c->init) return cn_wn_load(c->init, m, NULL, NULL, NULL);
    return CN_OK;
}

// The model and the data of a run: the model's instruments come first so data folders map
// to their embeddings; a fresh model gets the data's instruments, a fine-tuned one grows
// new rows, a resumed one must already have them all. *am, *av: a resumed run's moments.
static cn_status setup(const cn_wn_run_config *c, cn_wn_model **pm, float **am, float **av, long *step,
                       cn_wn_dataset *ds, cn_wn_dataset *ev) {
    char names[CN_WN_MAX_INSTRUMENTS][32];
    int n_names = 0;
    cn_status st = open_model(c, pm, am, av, step);
    if (st) return st;
    cn_wn_model *m = *pm;
    if (m) {
        n_names = m->cfg.n_instruments;
        memcpy(names, m->cfg.instruments, sizeof names);
    }
    int rate = m ? m->cfg.sample_rate : c->arch.sample_rate;
    int lag = (int)(c->lag_ms * 1e-3 * rate + 0.5);
    ds->sample_rate = ev->sample_rate = rate;
    for (int i = 0; i < c->n_data && !st; i++)
        st = cn_wn_dataset_add_dir(ds, c->data[i], NULL, lag, names, &n_names, CN_WN_MAX_INSTRUMENTS);
    for (int i = 0; i < c->n_eval && !st; i++)
        st = cn_wn_dataset_add_dir(ev, c->eval[i], NULL, lag, names, &n_names, CN_WN_MAX_INSTRUMENTS);
    if (st) return st;
    if (!m) {
        cn_wn_config arch = c->arch;
        arch.n_instruments = n_names;
        memcpy(arch.instruments, names, sizeof names);
        if ((st = cn_wn_create(&arch, pm))) return st;
        cn_wn_init_weights(*pm, c->o.seed);
        return CN_OK;
    }
    if (c->resume)
        return n_names == m->cfg.n_instruments
                   ? CN_OK
                   : cn_fail(CN_ERR_ARG, "%s: --resume data has instruments the checkpoint lacks", c->resume);
    return cn_wn_grow_instruments(pm, names, n_names);
}

// Rank 0 scores checkpoints (the others go on to the next step, where they wait for it)
// and saves; every rank learns whether the save worked.
static cn_status checkpoint(const cn_wn_run_config *c, cn_wn_model *m, cn_wn_trainer *tr,
                            const cn_wn_dataset *ev, cn_progress_tracker *track, const char *prov,
                            cn_wn_best *best) {
    long s = cn_wn_trainer_steps_done(tr);
    cn_status st = cn_dist_check_same(m->mem, m->n_params * sizeof(float), "the weights");
    if (st || cn_dist_rank() != 0) return cn_dist_agree(st);
    if (!(st = cn_wn_trainer_save(tr, c->out, prov))) {
        cn_progress p = cn_progress_blank("checkpoint");
        p.path = c->out;
        cn_progress_send(track, s, &p);
        cn_wn_score sc = {-1.0, 0.0, 0};
        if (ev->n_clips) sc = report_eval(c, track, s, m, ev);
        if (c->best && cn_wn_best_offer(best, sc.pitch, sc.mrstft, sc.in_tune) &&
            !(st = cn_wn_save(m, c->best, NULL, NULL, s, prov))) {
            char d[96];
            snprintf(d, sizeof d, "pitch accuracy %.3f, MR-STFT %.3f, %s", sc.pitch, sc.mrstft,
                     sc.in_tune ? "in tune" : "none in tune yet");
            p = cn_progress_blank("best");
            p.path = c->best;
            p.valid = sc.pitch;
            p.detail = d;
            cn_progress_send(track, s, &p);
        }
    }
    return cn_dist_agree(st);
}

// Steps until the end (or the time budget), with checkpoints, evaluations and the best
// weights every ckpt_every steps.
static cn_status train_loop(const cn_wn_run_config *c, cn_wn_model *m, cn_wn_trainer *tr,
                            const cn_wn_dataset *ds, const cn_wn_dataset *ev) {
    cn_progress_tracker track;
    cn_progress_start(&track, &c->progress, "steps", c->o.steps);
    long first = cn_wn_trainer_steps_done(tr);
    track.base = first;
    char info[512];
    snprintf(info, sizeof info, "wavenet: %zu parameters, receptive field %d, %d clips (%.1f min of audio), "
             "%d instrument(s), step %ld of %ld", m->n_params, cn_wn_receptive_field(&m->cfg), ds->n_clips,
             (double)ds->total / ds->sample_rate / 60.0, m->cfg.n_instruments, first, c->o.steps);
    cn_progress p = cn_progress_blank("start");
    p.detail = info;
    cn_progress_send(&track, first, &p);
    char prov[768];
    snprintf(prov, sizeof prov, "continuo train wavenet: batch %d chunk %d lr %g input noise %g..%g harmonic noise %g "
             "harmonic cut %g harmonic loss %g free run %g spectrum %g x%d%s%s%s%s self-feed %g x%d seed %llu", c->o.batch,
             c->o.chunk, c->o.lr, c->o.input_noise, c->o.input_noise_end < 0 ? c->o.input_noise : c->o.input_noise_end,
             c->o.harmonic_noise, c->o.harmonic_cut, c->o.harmonic_loss, c->o.free_run, c->o.free_run_spectrum,
             c->o.free_run_passes, c->free_run_skip ? " but " : "", c->free_run_skip ? c->free_run_skip : "",
             c->free_run_boost ? " boost " : "", c->free_run_boost ? c->free_run_boost : "",
             c->o.self_feed, c->o.self_feed_passes, (unsigned long long)c->o.seed);
    cn_wn_best best;
    cn_wn_best_init(&best);
    if (c->best && c->resume && cn_dist_rank() == 0) { // an existing best file is the score to beat
        cn_wn_model *b;
        if (!cn_wn_load(c->best, &b, NULL, NULL, NULL)) {
            cn_wn_score sc = report_eval(c, &track, 0, b, ev);
            cn_wn_best_offer(&best, sc.pitch, sc.mrstft, sc.in_tune);
            cn_wn_destroy(b);
        }
    }
    // Running means of the losses, from the first step on (the Gaussian's is negative).
    double t0 = cn_clock_now(), ema = 0.0, free_ema = 0.0, spectrum_ema = 0.0;
    for (int stop = 0; !stop && cn_wn_trainer_steps_done(tr) < c->o.steps;) {
        float loss;
        cn_status st = cn_wn_trainer_step(tr, &loss);
        if (st) return st;
        long s = cn_wn_trainer_steps_done(tr);
        const int first_step = s == first + 1;
        ema = first_step ? loss : 0.98 * ema + 0.02 * loss;
        double el = cn_clock_now() - t0;
        stop = (c->max_seconds > 0 && cn_wn_trainer_clock(tr) >= c->max_seconds) || // the same on every rank
               (c->stop_at > 0 && s >= c->stop_at);
        p = cn_progress_blank("progress");
        p.loss = loss;
        p.loss_avg = ema;
        p.loss_unit = "nats/sample";
        p.items_per_s = (double)(s - first) * c->o.batch * (c->o.chunk - c->o.warm) / el;
        char free_detail[128];
        if (cn_wn_train_free_run_on(&c->o)) {
            cn_wn_free_run_losses fl = cn_wn_trainer_free_run_losses(tr);
            free_ema = first_step ? fl.balance : 0.98 * free_ema + 0.02 * fl.balance;
            spectrum_ema = first_step ? fl.spectrum : 0.98 * spectrum_ema + 0.02 * fl.spectrum;
            snprintf(free_detail, sizeof free_detail, "free-run loss %.4f (avg %.4f), spectrum %.3f (avg %.3f)",
                     fl.balance, free_ema, fl.spectrum, spectrum_ema);
            p.detail = free_detail;
        }
        cn_progress_send(&track, s, &p);
        if (s % c->ckpt_every && s != c->o.steps && !stop) continue;
        if ((st = checkpoint(c, m, tr, ev, &track, prov, &best))) return st;
    }
    cn_progress_finish(&track, cn_wn_trainer_steps_done(tr));
    return CN_OK;
}

// The fingerprint of a data set that every rank must have loaded alike.
static cn_status check_same_data(const cn_wn_dataset *ds) {
    int64_t f[3] = {ds->n_clips, ds->total, ds->sample_rate};
    return cn_dist_check_same(f, sizeof f, "the training data");
}

// The instruments of m that `flag`'s `list` names (entries separated by commas; NULL: none):
// each entry NAME, or with `factors` NAME=F (F in 0..100); out[instrument] = 1 or F.
static cn_status named_instruments(const cn_wn_model *m, const char *flag, const char *list, int factors,
                                   float *out) {
    if (!list) return CN_OK;
    char names[CN_WN_MAX_INSTRUMENTS][CN_WN_NAME_MAX];
    const int n = cn_wn_split_names(list, names, CN_WN_MAX_INSTRUMENTS);
    if (n < 0) return cn_fail(CN_ERR_ARG, "%s: bad list '%s'%s", flag, list, factors ? " (want NAME=F,NAME=F)" : "");
    for (int i = 0; i < n; i++) {
        float f = 1.0f;
        if (factors) {
            char *eq = strchr(names[i], '='), *end = NULL;
            if (!eq) return cn_fail(CN_ERR_ARG, "%s: '%s' is not NAME=F", flag, names[i]);
            *eq = 0;
            f = strtof(eq + 1, &end);
            if (end == eq + 1 || *end || !(f >= 0.0f && f <= 100.0f))
                return cn_fail(CN_ERR_ARG, "%s: %s's factor '%s' is not a number in 0..100", flag, names[i], eq + 1);
        }
        const int inst = cn_wn_instrument_index(&m->cfg, names[i]);
        if (inst < 0) return cn_fail(CN_ERR_ARG, "%s: the model has no instrument '%s'", flag, names[i]);
        out[inst] = f;
    }
    return CN_OK;
}

// The instruments whose chunks play no free run, as bits.
static cn_status skip_mask(const cn_wn_model *m, const char *list, uint32_t *mask) {
    float named[CN_WN_MAX_INSTRUMENTS] = {0};
    cn_status st = named_instruments(m, "--free-run-skip", list, 0, named);
    *mask = 0;
    for (int i = 0; i < CN_WN_MAX_INSTRUMENTS; i++) *mask |= (named[i] > 0.0f ? 1u : 0u) << i;
    return st;
}

cn_status cn_wn_train_run(const cn_wn_run_config *c) {
    cn_return_val_if_fail(c && c->out && c->n_data > 0 && !(c->init && c->resume), CN_ERR_ARG);
    cn_return_val_if_fail(!c->best || c->n_eval > 0, CN_ERR_ARG);
    cn_wn_model *m = NULL;
    cn_wn_trainer *tr = NULL;
    float *am = NULL, *av = NULL;
    long step = 0;
    cn_wn_dataset ds = {0}, ev = {0};
    // Every rank reads the model and all the data: a file missing or unreadable on any of
    // them stops all, with that rank's message.
    cn_status st = setup(c, &m, &am, &av, &step, &ds, &ev);
    cn_wn_train_opts o = c->o;
    if (!st) st = skip_mask(m, c->free_run_skip, &o.free_run_skip);
    if (!st) st = named_instruments(m, "--free-run-boost", c->free_run_boost, 1, o.free_run_boost);
    if (!st) {
        float *m0 = am, *v0 = av;
        am = av = NULL; // the trainer owns them from here, even when create fails
        st = cn_wn_trainer_create(m, &ds, &o, m0, v0, step, &tr);
    }
    st = cn_dist_agree(st);
    if (!st) st = check_same_data(&ds);
    if (!st) st = cn_dist_check_same(m->mem, m->n_params * sizeof(float), "the starting weights");
    if (!st) st = train_loop(c, m, tr, &ds, &ev);
    free(am);
    free(av);
    cn_wn_trainer_destroy(tr);
    cn_wn_destroy(m);
    cn_wn_dataset_free(&ds);
    cn_wn_dataset_free(&ev);
    return st;
}
