// wn_run.c: a whole WaveNet training run (cn_wn_run.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_clock.h"
#include "models/nn/cn_dist.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_run.h"

void cn_wn_run_config_default(cn_wn_run_config *c) {
    memset(c, 0, sizeof *c);
    cn_wn_train_opts_default(&c->o);
    cn_wn_config_default(&c->arch);
    c->arch.n_instruments = 0;
    c->lag_ms = 7.0;
    c->eval_seconds = 6.0;
    c->ckpt_every = 200;
}

cn_status cn_wn_grow_instruments(cn_wn_model **pm, char names[][32], int n_names) {
    cn_wn_model *m = *pm;
    cn_wn_config cfg = m->cfg;
    for (int i = 0; i < n_names; i++) {
        if (cn_wn_instrument_index(&cfg, names[i]) >= 0) continue;
        if (cfg.n_instruments >= CN_WN_MAX_INSTRUMENTS)
            return cn_fail(CN_ERR_RANGE, "more than %d instruments", CN_WN_MAX_INSTRUMENTS);
        strcpy(cfg.instruments[cfg.n_instruments++], names[i]);
    }
    if (cfg.n_instruments == m->cfg.n_instruments) return CN_OK;
    cn_wn_model *g;
    cn_status st = cn_wn_create(&cfg, &g);
    if (st) return st;
    size_t so[CN_WN_NPARAM], sn[CN_WN_NPARAM], oo = 0, on = 0;
    cn_wn_param_sizes(&m->cfg, so);
    cn_wn_param_sizes(&cfg, sn);
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        memcpy(g->mem + on, m->mem + oo, so[i] * sizeof(float));
        if (i == CN_WN_P_EMB)
            for (int r = m->cfg.n_instruments; r < cfg.n_instruments; r++)
                for (int j = 0; j < cfg.emb; j++) {
                    float s = 0.0f;
                    for (int k = 0; k < m->cfg.n_instruments; k++) s += m->p.emb[k * cfg.emb + j];
                    g->p.emb[r * cfg.emb + j] = s / (float)m->cfg.n_instruments;
                }
        oo += so[i];
        on += sn[i];
    }
    memcpy(g->level_db, m->level_db, sizeof g->level_db); // new instruments: uncalibrated
    cn_wn_destroy(m);
    *pm = g;
    return CN_OK;
}

// Pitch accuracy of m on the first seconds of each validation clip: the mean, or -1 when a
// clip failed; per-clip scores into detail.
static double evaluate(const cn_wn_run_config *c, const cn_wn_model *m, const cn_wn_dataset *ev,
                       char *detail, size_t size) {
    double sum = 0.0;
    size_t len = (size_t)snprintf(detail, size, "(temperature %.2f)", c->eval_temperature);
    for (int i = 0; i < ev->n_clips; i++) {
        const cn_wn_clip *clip = &ev->clips[i];
        int64_t n = (int64_t)(c->eval_seconds * m->cfg.sample_rate);
        if (n > clip->n) n = clip->n;
        float *audio = malloc((size_t)n * sizeof *audio);
        double acc = -1.0;
        int ok = audio && !cn_wn_eval_pitch(m, clip->instrument, clip->notes, clip->n_notes, n,
                                            c->eval_temperature, 1, audio, &acc);
        if (len < size)
            len += (size_t)(ok ? snprintf(detail + len, size - len, "  %s/%s %.3f",
                                          m->cfg.instruments[clip->instrument], clip->name, acc)
                               : snprintf(detail + len, size - len, "  %s failed: %s", clip->name,
                                          cn_error_message()));
        free(audio);
        sum = acc < 0.0 || sum < 0.0 ? -1.0 : sum + acc;
    }
    return sum < 0.0 ? -1.0 : sum / ev->n_clips;
}

static double report_eval(const cn_wn_run_config *c, cn_progress_tracker *tr, long step,
                          const cn_wn_model *m, const cn_wn_dataset *ev) {
    char detail[2048];
    cn_progress p = cn_progress_blank("eval");
    p.valid = evaluate(c, m, ev, detail, sizeof detail);
    p.detail = detail;
    cn_progress_send(tr, step, &p);
    return p.valid;
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
                            double *best) {
    long s = cn_wn_trainer_steps_done(tr);
    cn_status st = cn_dist_check_same(m->mem, m->n_params * sizeof(float), "the weights");
    if (st || cn_dist_rank() != 0) return cn_dist_agree(st);
    if (!(st = cn_wn_trainer_save(tr, c->out, prov))) {
        cn_progress p = cn_progress_blank("checkpoint");
        p.path = c->out;
        cn_progress_send(track, s, &p);
        double score = ev->n_clips ? report_eval(c, track, s, m, ev) : -1.0;
        if (c->best && score > *best && !(st = cn_wn_save(m, c->best, NULL, NULL, s, prov))) {
            *best = score;
            p = cn_progress_blank("best");
            p.path = c->best;
            p.valid = score;
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
    char prov[512];
    snprintf(prov, sizeof prov, "continuo train wavenet: batch %d chunk %d lr %g seed %llu",
             c->o.batch, c->o.chunk, c->o.lr, (unsigned long long)c->o.seed);
    double best = -1.0;
    if (c->best && c->resume && cn_dist_rank() == 0) { // an existing best file is the score to beat
        cn_wn_model *b;
        if (!cn_wn_load(c->best, &b, NULL, NULL, NULL)) {
            best = report_eval(c, &track, 0, b, ev);
            cn_wn_destroy(b);
        }
    }
    double t0 = cn_clock_now(), ema = -1.0;
    for (int stop = 0; !stop && cn_wn_trainer_steps_done(tr) < c->o.steps;) {
        float loss;
        cn_status st = cn_wn_trainer_step(tr, &loss);
        if (st) return st;
        long s = cn_wn_trainer_steps_done(tr);
        ema = ema < 0 ? loss : 0.98 * ema + 0.02 * loss;
        double el = cn_clock_now() - t0;
        stop = c->max_seconds > 0 && cn_wn_trainer_clock(tr) >= c->max_seconds; // the same on every rank
        p = cn_progress_blank("progress");
        p.loss = loss;
        p.loss_avg = ema;
        p.loss_unit = "nats/sample";
        p.items_per_s = (double)(s - first) * c->o.batch * (c->o.chunk - c->o.warm) / el;
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
    if (!st) {
        float *m0 = am, *v0 = av;
        am = av = NULL; // the trainer owns them from here, even when create fails
        st = cn_wn_trainer_create(m, &ds, &c->o, m0, v0, step, &tr);
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
