// train_wavenet.c: `continuo train wavenet`: train (or fine-tune with --init, or continue
// with --resume) the WaveNet on folders of WAV + MIDI pairs, printing progress and the
// pitch accuracy of checkpoints on stderr; and `continuo train wavenet prepare`, which
// writes the MIDI copy with a General MIDI program that scripts/render_training_audio.sh
// renders with FluidSynth.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cn_clock.h"
#include "cli/cn_cli.h"
#include "cli/cn_train.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_train.h"

#define CMD "train wavenet"
#define MAX_DIRS 32
#define EVAL_SECONDS 6.0

static void usage(void) {
    printf(
        "usage: continuo train wavenet --data DIR... [options] -o FILE\n"
        "       continuo train wavenet prepare IN.mid --program P -o OUT.mid\n"
        "       continuo train wavenet export CKPT -o MODEL\n"
        "Train the WaveNet on each DIR's NAME.wav files (mono, model rate) with NAME.mid beside\n"
        "them; the instrument is the folder name (e.g. .../flute). 'prepare' writes IN.mid's\n"
        "monophonic notes with General MIDI program P (0..127) for FluidSynth to render.\n"
        "'export' writes a checkpoint's weights without the optimizer state (a third the size).\n"
        "  --data DIR        training folder (repeatable; more folders may follow the flag)\n"
        "  --eval DIR        validation WAV+MIDI folder (repeatable; never the test tunes):\n"
        "                    checkpoints are scored for pitch accuracy on the first %.0f s of\n"
        "                    each of its files\n"
        "  --best FILE       also export the weights of the best-scoring checkpoint to FILE\n"
        "                    (needs --eval; with --resume an existing FILE is scored first)\n"
        "  --eval-temperature T  sampling temperature of that scoring (default 0: most likely\n"
        "                    sample; briefly trained models only play in tune near 0)\n"
        "  --init FILE       fine-tune from this model (new instruments get new embeddings)\n"
        "  --resume CKPT     continue an interrupted run (weights, optimizer state and step)\n"
        "  --steps N         total optimizer steps (default 1000)\n"
        "  --minutes M       stop after M minutes of training (checkpoint saved; default none)\n"
        "  --batch B         chunks per step (default 8)\n"
        "  --chunk T         samples per chunk (default 4096); --warm W: first W of them only\n"
        "                    fill the receptive field (default 1024)\n"
        "  --lr LR           peak learning rate (default 2e-3), --lr-min (default 1e-4),\n"
        "                    --warmup N steps (default 100)\n"
        "  --input-noise X   std of noise added to the input samples (default 0)\n"
        "  --lag MS          FluidSynth's onset delay: audio frames dropped at the start of each\n"
        "                    file so notes and audio line up (default 7 ms, measured)\n"
        "  --threads T       worker threads (default 1)\n"
        "  --seed S          seed of init and chunk choice (default 1)\n"
        "  --layers L --cycle C --res R --gate G --skip S --emb E\n"
        "                    architecture of a fresh model (default 10 10 32 32 64 8)\n"
        "  --rate HZ         sample rate of a fresh model (default 16000)\n"
        "  --ckpt-every N    steps between checkpoints to FILE and evaluations (default 200)\n"
        "  -o FILE           output model (.safetensors), written atomically; --resume FILE\n"
        "                    continues it\n"
        "Progress (stderr): step/total, loss (nats/sample, EMA), samples/s, elapsed, ETA.\n",
        EVAL_SECONDS);
}

// ---- prepare -------------------------------------------------------------------------------------

static int prepare_main(int argc, char **argv) {
    const char *out = NULL;
    long program = -1;
    static const struct option opts[] = {
        {"program", required_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'o') out = optarg;
        else if (c == 'p') {
            if (!cn_ui_parse_int(optarg, 0, 127, &program))
                return cn_ui_usage_error(CMD, "--program must be 0..127, got '%s'", optarg);
        } else if (c == 'h') {
            usage();
            return 0;
        } else
            return cn_ui_usage_error(CMD, "bad option");
    }
    if (optind != argc - 1 || !out || program < 0)
        return cn_ui_usage_error(CMD, "prepare needs IN.mid, --program P and -o OUT.mid");
    cn_midi *m;
    if (cn_midi_read_file(argv[optind], &m)) return cn_ui_error(CMD, NULL);
    cn_status st = cn_wn_write_program_midi(m, (int)program, out);
    cn_midi_destroy(m);
    return st ? cn_ui_error(CMD, NULL) : 0;
}

// ---- export ----------------------------------------------------------------------------------------

static int export_main(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage();
        return 0;
    }
    if (argc != 4 || strcmp(argv[2], "-o"))
        return cn_ui_usage_error(CMD, "export needs CKPT -o MODEL");
    cn_wn_model *m;
    float *am = NULL, *av = NULL;
    long step = 0;
    if (cn_wn_load(argv[1], &m, &am, &av, &step)) return cn_ui_error(CMD, NULL);
    free(am);
    free(av);
    char prov[512];
    snprintf(prov, sizeof prov, "continuo train wavenet, step %ld, exported from %s", step, argv[1]);
    cn_status st = cn_wn_save(m, argv[3], NULL, NULL, step, prov);
    cn_wn_destroy(m);
    return st ? cn_ui_error(CMD, NULL) : 0;
}

// ---- training --------------------------------------------------------------------------------------

typedef struct args {
    const char *data[MAX_DIRS], *eval[MAX_DIRS];
    int n_data, n_eval;
    const char *init, *resume, *out, *best;
    double minutes, lag_ms, eval_temp;
    long ckpt_every;
    cn_wn_train_opts o;
    cn_wn_config cfg;
} args;

static int parse(int argc, char **argv, args *a) {
    enum { O_DATA = 256, O_EVAL, O_INIT, O_RESUME, O_STEPS, O_MIN, O_BATCH, O_CHUNK, O_WARM, O_LR,
           O_LRMIN, O_WARMUP, O_NOISE, O_LAG, O_THREADS, O_SEED, O_LAYERS, O_CYCLE, O_RES, O_GATE,
           O_SKIP, O_EMB, O_RATE, O_CKPT, O_ETEMP, O_BEST };
    static const struct option opts[] = {
        {"data", required_argument, 0, O_DATA},     {"eval", required_argument, 0, O_EVAL},
        {"init", required_argument, 0, O_INIT},     {"resume", required_argument, 0, O_RESUME},
        {"steps", required_argument, 0, O_STEPS},   {"minutes", required_argument, 0, O_MIN},
        {"batch", required_argument, 0, O_BATCH},   {"chunk", required_argument, 0, O_CHUNK},
        {"warm", required_argument, 0, O_WARM},     {"lr", required_argument, 0, O_LR},
        {"lr-min", required_argument, 0, O_LRMIN},  {"warmup", required_argument, 0, O_WARMUP},
        {"input-noise", required_argument, 0, O_NOISE}, {"lag", required_argument, 0, O_LAG},
        {"threads", required_argument, 0, O_THREADS}, {"seed", required_argument, 0, O_SEED},
        {"layers", required_argument, 0, O_LAYERS}, {"cycle", required_argument, 0, O_CYCLE},
        {"res", required_argument, 0, O_RES},       {"gate", required_argument, 0, O_GATE},
        {"skip", required_argument, 0, O_SKIP},     {"emb", required_argument, 0, O_EMB},
        {"rate", required_argument, 0, O_RATE},     {"ckpt-every", required_argument, 0, O_CKPT},
        {"eval-temperature", required_argument, 0, O_ETEMP}, {"best", required_argument, 0, O_BEST},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    int c;
    long v;
    double d;
    const char **list = NULL;
    int *nlist = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "-o:h", opts, NULL)) != -1) {
        const char *arg = optarg;
#define INT_OPT(field, lo, hi, name)                                                   \
    do {                                                                               \
        if (!cn_ui_parse_int(arg, lo, hi, &v))                                        \
            return cn_ui_usage_error(CMD, "%s must be %ld..%ld, got '%s'", name, (long)(lo), \
                                      (long)(hi), arg);                                \
        field = v;                                                                     \
    } while (0)
#define DBL_OPT(field, lo, hi, name)                                                   \
    do {                                                                               \
        if (!cn_ui_parse_double(arg, lo, hi, &d))                                     \
            return cn_ui_usage_error(CMD, "%s must be in [%g, %g], got '%s'", name, \
                                      (double)(lo), (double)(hi), arg);                \
        field = d;                                                                     \
    } while (0)
        switch (c) {
        case 1: // a folder after --data/--eval
            if (!list) return cn_ui_usage_error(CMD, "unexpected argument '%s'", arg);
            if (*nlist >= MAX_DIRS) return cn_ui_usage_error(CMD, "more than %d folders", MAX_DIRS);
            list[(*nlist)++] = arg;
            continue;
        case O_DATA: list = a->data; nlist = &a->n_data; list[(*nlist)++] = arg;
            if (*nlist > MAX_DIRS) return cn_ui_usage_error(CMD, "more than %d folders", MAX_DIRS);
            continue;
        case O_EVAL: list = a->eval; nlist = &a->n_eval; list[(*nlist)++] = arg;
            if (*nlist > MAX_DIRS) return cn_ui_usage_error(CMD, "more than %d folders", MAX_DIRS);
            continue;
        case O_INIT: a->init = arg; break;
        case O_RESUME: a->resume = arg; break;
        case O_STEPS: INT_OPT(a->o.steps, 1, 100000000, "--steps"); break;
        case O_MIN: DBL_OPT(a->minutes, 0.01, 1e6, "--minutes"); break;
        case O_BATCH: INT_OPT(a->o.batch, 1, 4096, "--batch"); break;
        case O_CHUNK: INT_OPT(a->o.chunk, 2, 1 << 20, "--chunk"); break;
        case O_WARM: INT_OPT(a->o.warm, 0, 1 << 20, "--warm"); break;
        case O_LR: DBL_OPT(a->o.lr, 1e-7, 1.0, "--lr"); break;
        case O_LRMIN: DBL_OPT(a->o.lr_min, 0.0, 1.0, "--lr-min"); break;
        case O_WARMUP: INT_OPT(a->o.warmup, 0, 100000000, "--warmup"); break;
        case O_NOISE: DBL_OPT(a->o.input_noise, 0.0, 1.0, "--input-noise"); break;
        case O_LAG: DBL_OPT(a->lag_ms, 0.0, 1000.0, "--lag"); break;
        case O_THREADS: INT_OPT(a->o.threads, 1, 64, "--threads"); break;
        case O_SEED: INT_OPT(a->o.seed, 0, 2147483647, "--seed"); break;
        case O_LAYERS: INT_OPT(a->cfg.n_layers, 1, CN_WN_MAX_LAYERS, "--layers"); break;
        case O_CYCLE: INT_OPT(a->cfg.cycle, 1, 16, "--cycle"); break;
        case O_RES: INT_OPT(a->cfg.res, 1, 512, "--res"); break;
        case O_GATE: INT_OPT(a->cfg.gate, 1, 512, "--gate"); break;
        case O_SKIP: INT_OPT(a->cfg.skip, 1, 1024, "--skip"); break;
        case O_EMB: INT_OPT(a->cfg.emb, 0, 64, "--emb"); break;
        case O_RATE: INT_OPT(a->cfg.sample_rate, 4000, 192000, "--rate"); break;
        case O_CKPT: INT_OPT(a->ckpt_every, 1, 100000000, "--ckpt-every"); break;
        case O_ETEMP: DBL_OPT(a->eval_temp, 0.0, 2.0, "--eval-temperature"); break;
        case O_BEST: a->best = optarg; break;
        case 'o': a->out = arg; break;
        case 'h': usage(); return -1;
        default: return cn_ui_usage_error(CMD, "bad option");
        }
        list = NULL; // a flag ends a folder list
#undef INT_OPT
#undef DBL_OPT
    }
    if (!a->n_data) return cn_ui_usage_error(CMD, "--data DIR is required");
    if (!a->out) return cn_ui_usage_error(CMD, "-o FILE is required");
    if (a->init && a->resume) return cn_ui_usage_error(CMD, "--init and --resume exclude each other");
    if (a->o.warm >= a->o.chunk) return cn_ui_usage_error(CMD, "--warm must be below --chunk");
    if (a->best && !a->n_eval) return cn_ui_usage_error(CMD, "--best needs --eval DIR");
    return 0;
}

// A copy of `m` with room for `names` as instruments (existing rows kept, new rows the mean
// of the old ones), for fine-tuning on a new instrument.
static cn_status grow_instruments(cn_wn_model **pm, char names[][32], int n_names) {
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
    cn_wn_destroy(m);
    *pm = g;
    return CN_OK;
}

static void fmt_time(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 1e7) s = 0;
    long t = (long)s;
    snprintf(buf, n, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
}

// Pitch accuracy of the model on the first seconds of each eval clip, printed per clip;
// returns the mean (-1 if a clip failed).
static double evaluate(const cn_wn_model *m, const cn_wn_dataset *ev, long step, float temp) {
    fprintf(stderr, "eval step %ld: pitch accuracy (temperature %.2f)", step, temp);
    double sum = 0.0;
    for (int i = 0; i < ev->n_clips; i++) {
        const cn_wn_clip *c = &ev->clips[i];
        int64_t n = (int64_t)(EVAL_SECONDS * m->cfg.sample_rate);
        if (n > c->n) n = c->n;
        float *audio = malloc((size_t)n * sizeof *audio);
        double acc = -1.0;
        if (audio && !cn_wn_eval_pitch(m, c->instrument, c->notes, c->n_notes, n, temp, 1, audio, &acc))
            fprintf(stderr, "  %s/%s %.3f", m->cfg.instruments[c->instrument], c->name, acc);
        else
            fprintf(stderr, "  %s failed: %s", c->name, cn_error_message());
        free(audio);
        sum = acc < 0.0 || sum < 0.0 ? -1.0 : sum + acc;
    }
    double mean = sum < 0.0 ? -1.0 : sum / ev->n_clips;
    fprintf(stderr, "  mean %.3f\n", mean);
    return mean;
}

// The score of an existing --best file (resumed runs), or -1 when there is none.
static double best_score(const char *path, const cn_wn_dataset *ev, float temp) {
    cn_wn_model *b;
    if (cn_wn_load(path, &b, NULL, NULL, NULL)) return -1.0; // missing or unreadable
    double s = evaluate(b, ev, 0, temp);
    cn_wn_destroy(b);
    return s;
}

int cn_train_wavenet_main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "prepare")) return prepare_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "export")) return export_main(argc - 1, argv + 1);
    args a;
    memset(&a, 0, sizeof a);
    cn_wn_train_opts_default(&a.o);
    cn_wn_config_default(&a.cfg);
    a.cfg.n_instruments = 0;
    a.lag_ms = 7.0;
    a.ckpt_every = 200;
    int rc = parse(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;

    cn_wn_model *m = NULL;
    cn_wn_trainer *tr = NULL;
    float *am = NULL, *av = NULL;
    long step = 0;
    cn_wn_dataset ds = {0}, ev = {0};
    char names[CN_WN_MAX_INSTRUMENTS][32];
    int n_names = 0;
    cn_status st = CN_OK;
    if (a.resume) st = cn_wn_load(a.resume, &m, &am, &av, &step);
    else if (a.init) st = cn_wn_load(a.init, &m, NULL, NULL, NULL);
    if (st) goto fail;
    // The model's instruments come first so data folders map to their embeddings.
    if (m) {
        n_names = m->cfg.n_instruments;
        memcpy(names, m->cfg.instruments, sizeof names);
    }
    int rate = m ? m->cfg.sample_rate : a.cfg.sample_rate;
    int lag = (int)(a.lag_ms * 1e-3 * rate + 0.5);
    ds.sample_rate = ev.sample_rate = rate;
    for (int i = 0; i < a.n_data && !st; i++)
        st = cn_wn_dataset_add_dir(&ds, a.data[i], NULL, lag, names, &n_names, CN_WN_MAX_INSTRUMENTS);
    for (int i = 0; i < a.n_eval && !st; i++)
        st = cn_wn_dataset_add_dir(&ev, a.eval[i], NULL, lag, names, &n_names, CN_WN_MAX_INSTRUMENTS);
    if (st) goto fail;
    if (!m) {
        a.cfg.n_instruments = n_names;
        memcpy(a.cfg.instruments, names, sizeof names);
        if ((st = cn_wn_create(&a.cfg, &m))) goto fail;
        cn_wn_init_weights(m, a.o.seed);
    } else if (a.resume) {
        if (n_names != m->cfg.n_instruments) {
            st = cn_fail(CN_ERR_ARG, "%s: --resume data has instruments the checkpoint lacks", a.resume);
            goto fail;
        }
    } else if ((st = grow_instruments(&m, names, n_names))) {
        goto fail;
    }
    float *m0 = am, *v0 = av;
    am = av = NULL; // the trainer owns them from here, even when create fails
    if ((st = cn_wn_trainer_create(m, &ds, &a.o, m0, v0, step, &tr))) goto fail;
    fprintf(stderr, "wavenet: %zu parameters, receptive field %d, %d clips (%.1f min of audio), "
            "%d instrument(s), step %ld of %ld\n", m->n_params, cn_wn_receptive_field(&m->cfg),
            ds.n_clips, (double)ds.total / rate / 60.0, m->cfg.n_instruments, step, a.o.steps);
    char prov[512];
    snprintf(prov, sizeof prov, "continuo train wavenet: batch %d chunk %d lr %g seed %llu",
             a.o.batch, a.o.chunk, a.o.lr, (unsigned long long)a.o.seed);
    double best = a.best && a.resume ? best_score(a.best, &ev, (float)a.eval_temp) : -1.0;
    double t0 = cn_clock_now(), last = t0, ema = -1.0;
    long first = cn_wn_trainer_steps_done(tr);
    int stop = 0;
    while (!stop && cn_wn_trainer_steps_done(tr) < a.o.steps) {
        float loss = cn_wn_trainer_step(tr);
        long s = cn_wn_trainer_steps_done(tr);
        ema = ema < 0 ? loss : 0.98 * ema + 0.02 * loss;
        double t = cn_clock_now(), el = t - t0;
        stop = a.minutes > 0 && el >= a.minutes * 60.0;
        double sps = (double)(s - first) * a.o.batch * (a.o.chunk - a.o.warm) / el;
        if (t - last >= 10.0 || s == a.o.steps || s == first + 1 || stop) {
            char eta[32], els[32];
            fmt_time(eta, sizeof eta, el / (double)(s - first) * (double)(a.o.steps - s));
            fmt_time(els, sizeof els, el);
            fprintf(stderr, "step %ld/%ld  loss %.4f (avg %.4f) nats/sample  %.0f samples/s  "
                    "elapsed %s  ETA %s\n", s, a.o.steps, loss, ema, sps, els, eta);
            last = t;
        }
        if (s % a.ckpt_every == 0 || s == a.o.steps || stop) {
            if ((st = cn_wn_trainer_save(tr, a.out, prov))) goto fail;
            fprintf(stderr, "step %ld: checkpoint %s\n", s, a.out);
            double score = ev.n_clips ? evaluate(m, &ev, s, (float)a.eval_temp) : -1.0;
            if (a.best && score > best) {
                best = score;
                if ((st = cn_wn_save(m, a.best, NULL, NULL, s, prov))) goto fail;
                fprintf(stderr, "step %ld: best so far (%.3f), weights exported to %s\n", s, score, a.best);
            }
        }
    }
    cn_wn_trainer_destroy(tr);
    cn_wn_destroy(m);
    cn_wn_dataset_free(&ds);
    cn_wn_dataset_free(&ev);
    return 0;
fail:
    rc = cn_ui_error(CMD, NULL);
    free(am);
    free(av);
    cn_wn_trainer_destroy(tr);
    cn_wn_destroy(m);
    cn_wn_dataset_free(&ds);
    cn_wn_dataset_free(&ev);
    return rc;
}
