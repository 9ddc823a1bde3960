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

#include "cli/cn_cli.h"
#include "cli/cn_train.h"
#include "models/nn/cn_safetensors.h"
#include "models/nn/cn_dist.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/nn/cn_parallel.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_run.h"

#define CMD "train wavenet"
#define MAX_DIRS 32

static void usage(void) {
    printf(
        "usage: continuo train wavenet --data DIR... [options] -o FILE\n"
        "       continuo train wavenet prepare IN.mid --program P [--transpose N] -o OUT.mid\n"
        "       continuo train wavenet export CKPT [CKPT...] -o MODEL [--instruments A,B,...]\n"
        "       continuo train wavenet levels --score OUT.mid --program P [--low L --high H --step S --hold SEC]\n"
        "                                     [--velocity V] [--legato]\n"
        "       continuo train wavenet levels --model MODEL --data DIR... [--lag MS] [--no-spectrum | --spectrum-bands N]\n"
        "                                     [--no-legato] [--no-follow] [--threads T] -o OUT | --check\n"
        "Train the WaveNet on each DIR's NAME.wav files (mono, model rate) with NAME.mid beside\n"
        "them; the instrument is the folder name (e.g. .../flute). 'prepare' writes IN.mid's\n"
        "monophonic notes with General MIDI program P (0..127), moved by N semitones (default 0),\n"
        "for FluidSynth to render.\n"
        "'export' writes a checkpoint's weights without the optimizer state (a third the size),\n"
        "with --instruments only those instruments (in that order); given several checkpoints of\n"
        "one run, their mean (checkpoint averaging; level and decay tables are not kept).\n"
        "'levels' calibrates the loudness of each pitch against FluidSynth: --score writes a\n"
        "run for FluidSynth to render (pitches L..H every S semitones, default 55..91 every 1,\n"
        "each held SEC seconds, default 0.8, then SEC/4 of rest, --velocity V, default 100;\n"
        "--legato: no rest, up and down again, for the legato table);\n"
        "--model measures the notes of DIR/*.wav+*.mid (the folder name is the instrument)\n"
        "played by MODEL as the plugin's voices play them (a melody legato in one voice, a\n"
        "note after a rest from silence; --no-legato: every note from silence, and the plugin\n"
        "plays the written model so) and writes MODEL with the tables that playback applies: from\n"
        "notes held 4 s or more (--hold 4) the level over time after the onset per\n"
        "pitch (struck and plucked notes decay), the spectrum in N bands per octave (1, 2 or 3,\n"
        "default 2; one layout for all of a model's instruments; one gain from the band of the\n"
        "instrument's lowest note up to 1 kHz, so the table does not tilt a note's first\n"
        "harmonics) and the level per pitch from\n"
        "every note, one table for a voice's first notes and one for its legato notes, and\n"
        "FluidSynth's level per pitch, which the voices of sustained instruments follow as they\n"
        "play (--no-follow: the tables' gains alone)\n"
        "(--no-spectrum: no spectrum table; the 16 kHz model's trumpet plays out\n"
        "of tune through one)\n"
        "(scripts/render_training_audio.sh makes the folders); --check only prints each\n"
        "folder's per-note level against FluidSynth's, its tunes played by the plugin on MODEL\n"
        "as it is. Its --threads T (default: one per core) calibrate that many instruments at\n"
        "once: the same file on any T.\n"
        "  --data DIR        training folder (repeatable; more folders may follow the flag)\n"
        "  --eval DIR        validation WAV+MIDI folder (repeatable; never the test tunes):\n"
        "                    checkpoints are scored for pitch accuracy and MR-STFT distance\n"
        "                    to the recording on the first 6 s of each of its files, played\n"
        "                    as the plugin's voices play them (with the model's tables), and\n"
        "                    notes that swell beyond the recording's are counted\n"
        "  --best FILE       also export the weights of the best checkpoint to FILE: the one\n"
        "                    with the lowest MR-STFT distance among those in tune (on every\n"
        "                    instrument at least 95%% of the recordings' own pitch accuracy;\n"
        "                    until one is, within 0.01 of the run's best pitch accuracy)\n"
        "                    (needs --eval; with --resume an existing FILE is scored first)\n"
        "  --eval-temperature T  sampling temperature of that scoring (default 0: most likely\n"
        "                    sample; briefly trained models only play in tune near 0)\n"
        "  --init FILE       fine-tune from this model (new instruments get new embeddings)\n"
        "  --resume CKPT     continue an interrupted run (weights, optimizer state and step)\n"
        "  --steps N         total optimizer steps (default 1000)\n"
        "  --minutes M       stop after M minutes of training (checkpoint saved; default none)\n"
        "  --stop-at N       stop after step N (checkpoint saved), the learning rate and noise\n"
        "                    still scheduled for --steps: one checkpoint of a longer run\n"
        "  --batch B         chunks per step (default 8)\n"
        "  --chunk T         samples per chunk (default 4096); --warm W: first W of them only\n"
        "                    fill the receptive field (default 1024)\n"
        "  --lr LR           peak learning rate (default 2e-3), --lr-min (default 1e-4),\n"
        "                    --warmup N steps (default 100)\n"
        "  --input-noise X   std of noise added to the input samples (default 0)\n"
        "  --input-noise-end Y  move that std linearly from X at the first step to Y at the\n"
        "                    last (default: constant X)\n"
        "  --harmonic-noise A  add to each chunk's heard samples a random mix of the note's\n"
        "                    first four harmonics, each of std A x the chunk's RMS (default 0):\n"
        "                    the model learns to put each harmonic back where the notes want it\n"
        "  --harmonic-cut F  scale the note's first and second harmonics in each chunk's\n"
        "                    heard samples by random gains in [1-F, 1] (0..1, default 0), the\n"
        "                    chunk's RMS kept: what generation that lost its fundamental\n"
        "                    hears; the model learns to bring them back\n"
        "  --harmonic-loss W  add W x the squared log ratio of the power of the note's first\n"
        "                    and second harmonics in the predicted samples to the recording's,\n"
        "                    per 1,024 samples (default 0; Gaussian head): a weak fundamental\n"
        "                    costs as much on a quiet note as on a loud one\n"
        "  --free-run W      add W x the squared log ratios to the recording's of the first\n"
        "                    four harmonics' shares of the power and of the level, per\n"
        "                    1,024 samples, in what the model plays from its own output after\n"
        "                    each chunk's warm-up at temperature 0 (default 0; Gaussian head):\n"
        "                    a fundamental that fades in its own loop costs here, where\n"
        "                    teacher forcing never hears it;\n"
        "                    --free-run-spectrum S: add S x the MR-STFT distance of that\n"
        "                    output to the recording (default 0; every partial, not only\n"
        "                    four harmonics; either weight alone turns the free run on);\n"
        "                    --free-run-passes K: the derivative follows K loops through that\n"
        "                    output (default 4; each costs about a backward pass; 0: none);\n"
        "                    --free-run-skip A,B: those instruments' chunks play no free run\n"
        "                    (the likelihood alone), e.g. piano,guitar; --free-run-boost\n"
        "                    NAME=F,...: that instrument's balance loss weighs F x --free-run\n"
        "                    (e.g. guitar=0: that loss speeds the guitar's late drift)\n"
        "  --self-feed P     replace that share (0..1) of each chunk's heard samples by the\n"
        "                    model's own temperature-0 predictions of them, made by a\n"
        "                    forward pass first (parallel scheduled sampling: the model learns\n"
        "                    to play on from its own output; default 0, off); --self-feed-passes\n"
        "                    K: K such passes, each hearing the last's (default 1)\n"
        "  --lag MS          FluidSynth's onset delay: audio frames dropped at the start of each\n"
        "                    file so notes and audio line up (default 7 ms, measured)\n"
        "  --threads T       worker threads (default 1)\n"
        "  --seed S          seed of init and chunk choice (default 1)\n"
        "  --layers L --cycle C --res R --gate G --skip S --emb E\n"
        "                    architecture of a fresh model (default 10 10 32 32 64 8)\n"
        "  --rate HZ         sample rate of a fresh model (default 16000)\n"
        "  --head H          output of a fresh model: mulaw (256 classes of 8-bit mu-law, the\n"
        "                    default) or gauss (one Gaussian per sample: 16-bit, no hiss)\n"
        "  --ckpt-every N    steps between checkpoints to FILE and evaluations (default 200)\n"
        "  -o FILE           output model (.safetensors), written atomically; --resume FILE\n"
        "                    continues it\n"
        "Progress (stderr): step/total, loss (nats/sample, EMA), samples/s, elapsed, ETA.\n"
        "Data-parallel: mpirun -np N continuo train wavenet ... shares each batch among N processes\n"
        "(a build with MPI); rank 0 prints and writes. See docs/training-mpi.md.\n");
}

// ---- prepare -------------------------------------------------------------------------------------

static int prepare_main(int argc, char **argv) {
    const char *out = NULL;
    long program = -1, transpose = 0;
    static const struct option opts[] = {{"program", required_argument, 0, 'p'},
                                         {"transpose", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'o') out = optarg;
        else if (c == 'p') {
            if (!cn_ui_parse_int(optarg, 0, 127, &program))
                return cn_ui_usage_error(CMD, "--program must be 0..127, got '%s'", optarg);
        } else if (c == 't') {
            if (!cn_ui_parse_int(optarg, -48, 48, &transpose))
                return cn_ui_usage_error(CMD, "--transpose must be -48..48 semitones, got '%s'", optarg);
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
    cn_status st = cn_wn_write_program_midi(m, (int)program, (int)transpose, out);
    cn_midi_destroy(m);
    return st ? cn_ui_error(CMD, NULL) : 0;
}

// ---- export ----------------------------------------------------------------------------------------

#define MAX_AVERAGE 64

// The mean of the weights of n models loaded from paths (the first one's step); n == 1 is
// that model as it is.
static cn_status load_mean(const char *const *paths, int n, cn_wn_model **out, long *step) {
    cn_status st = cn_wn_load(paths[0], out, NULL, NULL, step);
    for (int i = 1; i < n && !st; i++) {
        cn_wn_model *m;
        long s;
        if ((st = cn_wn_load(paths[i], &m, NULL, NULL, &s))) break;
        st = cn_wn_add_weights(*out, m, 1.0f);
        if (st) {
            char why[256];
            snprintf(why, sizeof why, "%s", cn_error_message());
            st = cn_fail(st, "%s and %s: %s", paths[0], paths[i], why);
        }
        cn_wn_destroy(m);
    }
    if (!st && n > 1) {
        for (size_t k = 0; k < (*out)->n_params; k++) (*out)->mem[k] /= (float)n;
        memset((*out)->level_db, 0, sizeof (*out)->level_db); // calibrated for one model only
        memset((*out)->legato_db, 0, sizeof (*out)->legato_db);
        (*out)->legato = 0;
        memset((*out)->target_db, 0, sizeof (*out)->target_db);
        (*out)->follow = 0;
        memset((*out)->decay_db, 0, sizeof (*out)->decay_db);
        memset((*out)->eq_db, 0, sizeof (*out)->eq_db);
    }
    if (st && *out) {
        cn_wn_destroy(*out);
        *out = NULL;
    }
    return st;
}

// Writes "PROVENANCE; " of a model file into buf (empty when it has none) and returns its
// length, so that a file made from it can say where its weights came from.
static size_t file_provenance(const char *path, char *buf, size_t n) {
    cn_st_file *f = NULL;
    buf[0] = 0;
    if (!cn_st_open(path, &f) && cn_st_meta(f, "provenance")) snprintf(buf, n, "%s; ", cn_st_meta(f, "provenance"));
    cn_st_close(f);
    return strlen(buf);
}

static int export_main(int argc, char **argv) {
    const char *out = NULL, *keep = NULL;
    const cn_flag flags[] = {
        {"output", 'o', CN_FLAG_STR, &out, 0, 0, NULL},
        {"instruments", 0, CN_FLAG_STR, &keep, 0, 0, NULL},
    };
    const char *pos[MAX_AVERAGE];
    int n_pos;
    int rc = cn_ui_flags_parse(CMD " export", flags, (int)(sizeof flags / sizeof *flags), argc, argv, pos,
                               MAX_AVERAGE, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    if (n_pos < 1 || !out)
        return cn_ui_usage_error(CMD, "export needs CKPT [CKPT...] -o MODEL [--instruments A,B,...]");
    char names[CN_WN_MAX_INSTRUMENTS][CN_WN_NAME_MAX];
    int n_keep = keep ? cn_wn_split_names(keep, names, CN_WN_MAX_INSTRUMENTS) : 0;
    if (n_keep < 0) return cn_ui_usage_error(CMD, "--instruments wants names separated by commas, got '%s'", keep);
    cn_wn_model *m;
    long step = 0;
    if (load_mean(pos, n_pos, &m, &step)) return cn_ui_error(CMD, NULL);
    if (n_keep && cn_wn_keep_instruments(&m, names, n_keep)) {
        cn_wn_destroy(m);
        return cn_ui_error(CMD, "%s: %s", pos[0], cn_error_message());
    }
    char prov[8192];
    size_t at = file_provenance(pos[0], prov, sizeof prov); // how the run was trained, then this export
    if (n_pos > 1)
        snprintf(prov + at, sizeof prov - at, "continuo train wavenet export: the mean of %d checkpoints from %s to %s%s%s",
                 n_pos, pos[0], pos[n_pos - 1], keep ? ", instruments " : "", keep ? keep : "");
    else
        snprintf(prov + at, sizeof prov - at, "continuo train wavenet export: step %ld of %s%s%s", step, pos[0],
                 keep ? ", instruments " : "", keep ? keep : "");
    cn_status st = cn_wn_save(m, out, NULL, NULL, step, prov);
    cn_wn_destroy(m);
    return st ? cn_ui_error(CMD, NULL) : 0;
}

// ---- levels ----------------------------------------------------------------------------------------

static void print_line(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "levels: %s\n", line);
}

static int levels_main(int argc, char **argv) {
    const char *score = NULL, *model = NULL, *out = NULL, *data[MAX_DIRS];
    cn_flag_list data_list = {data, 0, MAX_DIRS};
    long program = -1, low = 55, high = 91, step = 1, velocity = CN_WN_LEVEL_VELOCITY,
         per_octave = CN_WN_EQ_DEFAULT_PER_OCTAVE, threads = cn_parallel_cores();
    int check = 0, no_spectrum = 0, no_legato = 0, no_follow = 0, legato_run = 0;
    double lag_ms = 7.0, hold = CN_WN_LEVEL_HOLD_S;
    const cn_flag flags[] = {
        {"score", 0, CN_FLAG_STR, &score, 0, 0, NULL},
        {"program", 0, CN_FLAG_LONG, &program, 0, 127, NULL},
        {"low", 0, CN_FLAG_LONG, &low, 0, 127, NULL},
        {"high", 0, CN_FLAG_LONG, &high, 0, 127, NULL},
        {"velocity", 0, CN_FLAG_LONG, &velocity, 1, 127, NULL},
        {"step", 0, CN_FLAG_LONG, &step, 1, 127, NULL},
        {"hold", 0, CN_FLAG_DBL, &hold, 0.01, 60, NULL},
        {"check", 0, CN_FLAG_SET, &check, 0, 0, NULL},
        {"no-spectrum", 0, CN_FLAG_SET, &no_spectrum, 0, 0, NULL},
        {"no-legato", 0, CN_FLAG_SET, &no_legato, 0, 0, NULL},
        {"no-follow", 0, CN_FLAG_SET, &no_follow, 0, 0, NULL},
        {"legato", 0, CN_FLAG_SET, &legato_run, 0, 0, NULL},
        {"spectrum-bands", 0, CN_FLAG_LONG, &per_octave, 1, CN_WN_EQ_MAX_PER_OCTAVE, NULL},
        {"model", 0, CN_FLAG_STR, &model, 0, 0, NULL},
        {"data", 0, CN_FLAG_LIST_MANY, &data_list, 0, 0, NULL},
        {"lag", 0, CN_FLAG_DBL, &lag_ms, 0, 1000, NULL},
        {"threads", 0, CN_FLAG_LONG, &threads, 1, 64, NULL},
        {"output", 'o', CN_FLAG_STR, &out, 0, 0, NULL},
    };
    int n_pos;
    int rc = cn_ui_flags_parse(CMD " levels", flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    if (score) {
        if (program < 0 || model || data_list.n || out)
            return cn_ui_usage_error(CMD, "levels --score OUT.mid needs --program P (and no --model/--data/-o)");
        if (low > high) return cn_ui_usage_error(CMD, "levels: --low %ld is above --high %ld", low, high);
        return cn_wn_write_run_midi((int)program, (int)low, (int)high, (int)step, hold, (int)velocity, legato_run, score)
                   ? cn_ui_error(CMD, NULL)
                   : 0;
    }
    if (!model || !data_list.n || (!out && !check) || (out && check))
        return cn_ui_usage_error(CMD, "levels needs --model MODEL, --data DIR and -o OUT or --check (or --score)");
    cn_wn_model *m;
    long model_step;
    if (cn_wn_load(model, &m, NULL, NULL, &model_step)) return cn_ui_error(CMD, NULL);
    cn_wn_dataset ds = {.sample_rate = m->cfg.sample_rate};
    char names[CN_WN_MAX_INSTRUMENTS][32];
    int n_names = 0;
    int lag = (int)(lag_ms * m->cfg.sample_rate / 1000.0 + 0.5);
    cn_status st = CN_OK;
    for (int i = 0; i < data_list.n && !st; i++)
        st = cn_wn_dataset_add_dir(&ds, data[i], NULL, lag, names, &n_names, CN_WN_MAX_INSTRUMENTS);
    for (int i = 0; i < n_names && !st && check; i++) {
        cn_wn_level_stats ls;
        if (!(st = cn_wn_level_stats_of(model, m, &ds, i, names[i], &ls)))
            printf("%s: %d notes, median %+.1f dB, %.1f%% within 6 dB, worst %+.1f dB\n", names[i], ls.notes, ls.median_db,
                   100.0 * ls.within6, ls.worst_db);
    }
    if (check) {
        cn_wn_dataset_free(&ds);
        cn_wn_destroy(m);
        return st ? cn_ui_error(CMD, NULL) : 0;
    }
    // Decay first (levels are measured with it), then the levels, the spectrum at those
    // levels, and the levels again through the spectrum table. A previous spectrum table
    // would colour the first levels: calibrating again must give the same file.
    m->legato = !no_legato; // how the voices will play the notes, so how they are measured
    m->follow = !no_follow;
    if (!st) st = cn_wn_calibrate_all(m, &ds, names, n_names, no_spectrum ? 0 : (int)per_octave, (int)threads, print_line, NULL);
    // The provenance says where the weights came from, then this calibration.
    char prov[8192];
    static const char tag[] = "levels calibrated by continuo train wavenet levels";
    file_provenance(model, prov, sizeof prov);
    char *again = strstr(prov, tag); // calibrating again replaces the table: say it once
    if (again) *again = 0;
    snprintf(prov + strlen(prov), sizeof prov - strlen(prov), "%s", tag);
    if (!st) st = cn_wn_save(m, out, NULL, NULL, model_step, prov);
    cn_wn_dataset_free(&ds);
    cn_wn_destroy(m);
    return st ? cn_ui_error(CMD, NULL) : 0;
}

// ---- training --------------------------------------------------------------------------------------

typedef struct args {
    const char *data[MAX_DIRS], *eval[MAX_DIRS];
    cn_flag_list data_list, eval_list;
    const char *init, *resume, *out, *best, *head, *free_run_skip, *free_run_boost;
    double minutes, lag_ms, eval_temp;
    long ckpt_every, stop_at;
    cn_wn_train_opts o;
    cn_wn_config cfg;
} args;

// Returns 0, 1 after --help, or the exit code of a usage error.
static int parse(int argc, char **argv, args *a) {
    cn_wn_train_opts *o = &a->o;
    cn_wn_config *c = &a->cfg;
    const cn_flag flags[] = {
        {"data", 0, CN_FLAG_LIST_MANY, &a->data_list, 0, 0, NULL},
        {"eval", 0, CN_FLAG_LIST_MANY, &a->eval_list, 0, 0, NULL},
        {"init", 0, CN_FLAG_STR, &a->init, 0, 0, NULL},
        {"resume", 0, CN_FLAG_STR, &a->resume, 0, 0, NULL},
        {"best", 0, CN_FLAG_STR, &a->best, 0, 0, NULL},
        {"output", 'o', CN_FLAG_STR, &a->out, 0, 0, NULL},
        {"steps", 0, CN_FLAG_LONG, &o->steps, 1, 100000000, NULL},
        {"minutes", 0, CN_FLAG_DBL, &a->minutes, 0.01, 1e6, NULL},
        {"stop-at", 0, CN_FLAG_LONG, &a->stop_at, 1, 100000000, NULL},
        {"batch", 0, CN_FLAG_INT, &o->batch, 1, 4096, NULL},
        {"chunk", 0, CN_FLAG_INT, &o->chunk, 2, 1 << 20, NULL},
        {"warm", 0, CN_FLAG_INT, &o->warm, 0, 1 << 20, NULL},
        {"lr", 0, CN_FLAG_FLOAT, &o->lr, 1e-7, 1.0, NULL},
        {"lr-min", 0, CN_FLAG_FLOAT, &o->lr_min, 0.0, 1.0, NULL},
        {"warmup", 0, CN_FLAG_LONG, &o->warmup, 0, 100000000, NULL},
        {"input-noise", 0, CN_FLAG_FLOAT, &o->input_noise, 0.0, 1.0, NULL},
        {"input-noise-end", 0, CN_FLAG_FLOAT, &o->input_noise_end, 0.0, 1.0, NULL},
        {"harmonic-noise", 0, CN_FLAG_FLOAT, &o->harmonic_noise, 0.0, 10.0, NULL},
        {"harmonic-cut", 0, CN_FLAG_FLOAT, &o->harmonic_cut, 0.0, 1.0, NULL},
        {"harmonic-loss", 0, CN_FLAG_FLOAT, &o->harmonic_loss, 0.0, 100.0, NULL},
        {"free-run", 0, CN_FLAG_FLOAT, &o->free_run, 0.0, 100.0, NULL},
        {"free-run-spectrum", 0, CN_FLAG_FLOAT, &o->free_run_spectrum, 0.0, 100.0, NULL},
        {"free-run-passes", 0, CN_FLAG_INT, &o->free_run_passes, 0, 100000, NULL},
        {"free-run-skip", 0, CN_FLAG_STR, &a->free_run_skip, 0, 0, NULL},
        {"free-run-boost", 0, CN_FLAG_STR, &a->free_run_boost, 0, 0, NULL},
        {"self-feed", 0, CN_FLAG_FLOAT, &o->self_feed, 0.0, 1.0, NULL},
        {"self-feed-passes", 0, CN_FLAG_INT, &o->self_feed_passes, 1, 8, NULL},
        {"lag", 0, CN_FLAG_DBL, &a->lag_ms, 0.0, 1000.0, NULL},
        {"threads", 0, CN_FLAG_INT, &o->threads, 1, 64, NULL},
        {"seed", 0, CN_FLAG_U64, &o->seed, 0, 2147483647, NULL},
        {"layers", 0, CN_FLAG_INT, &c->n_layers, 1, CN_WN_MAX_LAYERS, NULL},
        {"cycle", 0, CN_FLAG_INT, &c->cycle, 1, 16, NULL},
        {"res", 0, CN_FLAG_INT, &c->res, 1, 512, NULL},
        {"gate", 0, CN_FLAG_INT, &c->gate, 1, 512, NULL},
        {"skip", 0, CN_FLAG_INT, &c->skip, 1, 1024, NULL},
        {"emb", 0, CN_FLAG_INT, &c->emb, 0, 64, NULL},
        {"rate", 0, CN_FLAG_INT, &c->sample_rate, 4000, 192000, NULL},
        {"head", 0, CN_FLAG_STR, &a->head, 0, 0, NULL},
        {"ckpt-every", 0, CN_FLAG_LONG, &a->ckpt_every, 1, 100000000, NULL},
        {"eval-temperature", 0, CN_FLAG_DBL, &a->eval_temp, 0.0, 2.0, NULL},
    };
    int n_pos = 0;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc) return rc;
    if (!a->data_list.n) return cn_ui_usage_error(CMD, "--data DIR is required");
    if (!a->out) return cn_ui_usage_error(CMD, "-o FILE is required");
    if (a->init && a->resume) return cn_ui_usage_error(CMD, "--init and --resume exclude each other");
    if (o->warm >= o->chunk) return cn_ui_usage_error(CMD, "--warm must be below --chunk");
    if (a->stop_at > o->steps) return cn_ui_usage_error(CMD, "--stop-at %ld is past --steps %ld", a->stop_at, o->steps);
    if (a->best && !a->eval_list.n) return cn_ui_usage_error(CMD, "--best needs --eval DIR");
    if (a->head && (c->out = cn_wn_out_parse(a->head)) < 0)
        return cn_ui_usage_error(CMD, "--head must be mulaw or gauss, got '%s'", a->head);
    if (a->head && (a->init || a->resume))
        return cn_ui_usage_error(CMD, "--head sets a fresh model's output; --init and --resume keep theirs");
    return 0;
}

// The run's reports as log lines on stderr (a "progress" line every 10 s, the first and
// the last).
typedef struct {
    double last_print;
} log_state;

static void on_report(const cn_progress *p, void *user) {
    log_state *l = user;
    if (!strcmp(p->event, "start")) {
        fprintf(stderr, "%s\n", p->detail);
    } else if (!strcmp(p->event, "progress")) {
        if (p->elapsed_s - l->last_print < 10.0 && p->done != p->total && l->last_print >= 0) return;
        char eta[32], el[32];
        cn_ui_format_duration(eta, sizeof eta, p->eta_s);
        cn_ui_format_duration(el, sizeof el, p->elapsed_s);
        fprintf(stderr, "step %lld/%lld  loss %.4f (avg %.4f) nats/sample%s%s  %.0f samples/s  elapsed %s  ETA %s\n",
                (long long)p->done, (long long)p->total, p->loss, p->loss_avg, p->detail ? "  " : "",
                p->detail ? p->detail : "", p->items_per_s, el, eta);
        l->last_print = p->elapsed_s;
    } else if (!strcmp(p->event, "checkpoint")) {
        fprintf(stderr, "step %lld: checkpoint %s\n", (long long)p->done, p->path);
    } else if (!strcmp(p->event, "eval")) {
        fprintf(stderr, "eval step %lld: %s\n", (long long)p->done, p->detail);
    } else if (!strcmp(p->event, "best")) {
        fprintf(stderr, "step %lld: best so far (%s), weights exported to %s\n", (long long)p->done, p->detail,
                p->path);
    }
    fflush(stderr);
}

static int train(int argc, char **argv) {
    args a;
    memset(&a, 0, sizeof a);
    cn_wn_run_config c;
    cn_wn_run_config_default(&c);
    a.o = c.o;
    a.cfg = c.arch;
    a.lag_ms = c.lag_ms;
    a.ckpt_every = c.ckpt_every;
    a.data_list = (cn_flag_list){a.data, 0, MAX_DIRS};
    a.eval_list = (cn_flag_list){a.eval, 0, MAX_DIRS};
    int rc = parse(argc, argv, &a);
    if (rc == 1) usage();
    if (rc) return rc == 1 ? 0 : rc;
    c.o = a.o;
    c.arch = a.cfg;
    c.data = a.data;
    c.n_data = a.data_list.n;
    c.eval = a.eval;
    c.n_eval = a.eval_list.n;
    c.init = a.init;
    c.free_run_skip = a.free_run_skip;
    c.free_run_boost = a.free_run_boost;
    c.resume = a.resume;
    c.out = a.out;
    c.best = a.best;
    c.max_seconds = a.minutes * 60.0;
    c.stop_at = a.stop_at;
    c.lag_ms = a.lag_ms;
    c.eval_temperature = (float)a.eval_temp;
    c.ckpt_every = a.ckpt_every;
    log_state l = {-1.0};
    if (cn_dist_rank() == 0) c.progress = (cn_progress_cb){on_report, &l}; // rank 0 alone reports
    cn_train_dist_note(c.o.batch, "chunks");
    return cn_wn_train_run(&c) ? cn_ui_error(CMD, NULL) : 0;
}

int cn_train_wavenet_main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "prepare")) return prepare_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "export")) return export_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "levels")) return levels_main(argc - 1, argv + 1);
    if (cn_train_dist_begin(CMD)) return 1;
    int rc = train(argc, argv);
    if (cn_dist_size() > 1) cn_ui_signals_quiet();
    cn_dist_finalize();
    return rc;
}
