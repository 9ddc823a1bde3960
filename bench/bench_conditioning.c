// bench_conditioning.c: `continuo bench conditioning`: what each conditioning input
// (key, meter, style) does to continuations after short and after long primers. For
// tunes of nottingham/test with a key and time signature, continuations are sampled
// with the same seed under each setting (paired), and measured: share of notes in the
// primer's key and in the requested key, share of onsets on the primer's beats and on
// the requested meter's beats, mean note length.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cn_bench.h"
#include "bench/cn_bench_corpus.h"
#include "core/cn_paths.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_sample.h"
#include "models/nn/cn_nn.h"
#include "ui/cn_ui.h"

#define CMD "bench"
#define GEN_NOTES 48
#define LONG_PRIMER 64

enum { S_FILE, S_UNKNOWN, S_KEY, S_METER, S_NOTT, S_ONEILLS, S_RYANS, S_N };
static const char *const setting_names[S_N] = {
    "the file's key and meter", "all unknown", "--key a tritone away", "--meter 6/8 <-> 4/4",
    "--style nottingham", "--style oneills", "--style ryans"};

static void help(void) {
    printf("usage: continuo bench conditioning [--model FILE|PRESET] [--transformer-only]\n"
           "                                   [--seed S] [--quick]\n"
           "Continuations of %d notes after a one-note primer and after a %d-note primer (the\n"
           "starts of the tunes of data/melody/nottingham/test that have a key and a time\n"
           "signature), sampled at temperature 1 with the same seed under each conditioning:\n"
           "the file's key and meter (what continue does by default), all unknown, a key a\n"
           "tritone away (same mode), 6/8 for a simple meter and 4/4 for a compound one, and\n"
           "each style. Measured: notes in the primer's key and in the requested key, onsets\n"
           "on the primer's beats and on the requested meter's beats, mean note length.\n"
           "  --model M            transformer (default %s), mixed with the n-gram as in\n"
           "                       continue\n"
           "  --transformer-only   the transformer alone\n"
           "  --seed S             sampling seed (default 1)\n"
           "  --quick              15 tunes instead of 60\n",
           GEN_NOTES, LONG_PRIMER, CN_PREDICTOR_DEFAULT_MODEL);
}

typedef struct cond_stats {
    long notes, in_primer_key, in_asked_key, onsets, on_primer_beat, on_asked_beat;
    double dur_beats;
} cond_stats;

static int compound(int num, int den) { return den == 8 && num % 3 == 0; }

// Ticks of a beat: a dotted quarter in compound meters, else the denominator's note.
static int beat_ticks(int num, int den) {
    return compound(num, den) ? 3 * CN_TICKS_PER_BEAT / 2 : 4 * CN_TICKS_PER_BEAT / den;
}

static void stats_add(cond_stats *s, const cn_event_seq *cont, long t0, int pkey, int akey, int pbeat, int abeat) {
    long t = t0;
    for (int i = 0; i < cont->n; i++) {
        const cn_mevent *e = &cont->ev[i];
        s->notes++;
        s->in_primer_key += cn_bench_in_scale(e->pitch, pkey);
        s->in_asked_key += cn_bench_in_scale(e->pitch, akey);
        s->onsets++;
        s->on_primer_beat += t % pbeat == 0;
        s->on_asked_beat += t % abeat == 0;
        s->dur_beats += e->dur / (double)CN_TICKS_PER_BEAT;
        t += e->dur + e->rest;
    }
}

static cn_status continue_one(cn_event_model *m, const cn_melody_cond *cond, const cn_mevent *primer, int n,
                              uint64_t seed, uint64_t stream, cn_event_seq *out) {
    cn_status st = m->reset(m->self, cond);
    for (int i = 0; i < n && !st; i++) st = m->observe(m->self, &primer[i]);
    if (st) return st;
    cn_sample_config sc = {1.0, 0, 1.0};
    cn_rng rng;
    cn_rng_seed(&rng, seed, stream);
    cn_gen_limit lim = {GEN_NOTES, 0, {NULL, NULL}};
    return cn_sample_continue(m, &sc, &rng, &lim, out);
}

static cn_status run_primers(cn_event_model *m, const cn_bench_corpus *c, int max_tunes, int primer_len,
                             uint64_t seed, cond_stats st[S_N], int *used) {
    *used = 0;
    for (int i = 0; i < c->n && *used < max_tunes; i++) {
        const cn_event_seq *tune = &c->s[i];
        int num = c->meter_num[i], den = c->meter_den[i], key = c->key[i];
        if (key < 0 || num <= 0 || tune->n < primer_len + 1) continue;
        (*used)++;
        long t0 = tune->lead_rest;
        for (int k = 0; k < primer_len; k++) t0 += tune->ev[k].dur + tune->ev[k].rest;
        int anum = compound(num, den) ? 4 : 6, aden = compound(num, den) ? 4 : 8;
        int akey = (key % 12 + 6) % 12 + (key >= 12 ? 12 : 0);
        int pbeat = beat_ticks(num, den), abeat = beat_ticks(anum, aden);
        int len = cn_length_bucket(primer_len + GEN_NOTES);
        for (int s = 0; s < S_N; s++) {
            cn_melody_cond cond = {key, cn_meter_cond(num, den), -1, len};
            int ak = key, ab = pbeat;
            if (s == S_UNKNOWN) cond = (cn_melody_cond){-1, -1, -1, -1};
            if (s == S_KEY) cond.key = ak = akey;
            if (s == S_METER) cond.meter = cn_meter_cond(anum, aden), ab = abeat;
            if (s >= S_NOTT) cond.style = cn_style_index(s == S_NOTT ? "nottingham" : s == S_ONEILLS ? "oneills" : "ryans");
            cn_event_seq out = {0};
            cn_status e = continue_one(m, &cond, tune->ev, primer_len, seed, (uint64_t)i, &out);
            if (!e) stats_add(&st[s], &out, t0, key, ak, pbeat, ab);
            cn_events_free(&out);
            if (e) return e;
        }
    }
    return CN_OK;
}

static void print_table(const char *title, const cond_stats st[S_N], int used) {
    printf("%s (%d tunes, %d notes each)\n", title, used, GEN_NOTES);
    printf("  %-26s %12s %12s %12s %12s %10s\n", "conditioning", "primer key", "asked key", "primer beats",
           "asked beats", "dur(beat)");
    for (int s = 0; s < S_N; s++) {
        double n = st[s].notes ? (double)st[s].notes : 1, o = st[s].onsets ? (double)st[s].onsets : 1;
        printf("  %-26s %11.1f%% %11.1f%% %11.1f%% %11.1f%% %10.3f\n", setting_names[s],
               100.0 * st[s].in_primer_key / n, 100.0 * st[s].in_asked_key / n, 100.0 * st[s].on_primer_beat / o,
               100.0 * st[s].on_asked_beat / o, st[s].dur_beats / n);
    }
}

int cn_bench_conditioning(int argc, char **argv) {
    cn_predictor_opts po = {0};
    uint64_t seed = 1;
    int quick = 0, n_pos;
    const cn_flag flags[] = {
        {"model", 0, CN_FLAG_STR, &po.model, 0, 0, NULL},
        {"transformer-only", 0, CN_FLAG_SET, &po.transformer_only, 0, 0, NULL},
        {"seed", 0, CN_FLAG_U64, &seed, 0, 9.3e18, NULL},
        {"quick", 0, CN_FLAG_SET, &quick, 0, 0, NULL},
    };
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) help();
    if (rc) return rc == 1 ? 0 : rc;
    char dir[CN_PATH_MAX];
    cn_bench_corpus c;
    cn_predictor pred = {0};
    if (cn_share_path("data/melody/nottingham/test", dir, sizeof dir) || cn_bench_corpus_load(dir, 0, 1, &c))
        return cn_ui_error(CMD, NULL);
    if (cn_predictor_open(&po, &pred)) {
        cn_bench_corpus_free(&c);
        return cn_ui_error(CMD, NULL);
    }
    cn_blas_set_threads(1);
    printf("continuo bench conditioning: %s, seed %llu, temperature 1 (OpenBLAS core: %s)\n", pred.name,
           (unsigned long long)seed, cn_blas_corename());
    int max_tunes = quick ? 15 : 60, used_short, used_long;
    cond_stats short_st[S_N] = {{0}}, long_st[S_N] = {{0}};
    cn_status st = run_primers(pred.model, &c, max_tunes, 1, seed, short_st, &used_short);
    if (!st) st = run_primers(pred.model, &c, max_tunes, LONG_PRIMER, seed, long_st, &used_long);
    if (st) {
        rc = cn_ui_error(CMD, NULL);
    } else {
        print_table("after a one-note primer", short_st, used_short);
        print_table("after a 64-note primer", long_st, used_long);
    }
    cn_predictor_close(&pred);
    cn_bench_corpus_free(&c);
    return rc;
}
