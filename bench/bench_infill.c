// bench_infill.c: `continuo bench infill`: how well a model trained for infilling fills
// bars A-B of every tune of a folder. In one run: bits per note of each tune's own
// middle given both sides against given the left side only (the same model, the same
// prefix), and how sampled middles join the music after them (the interval into the
// suffix's first note, the rhythm at the join, onsets on the beat grid), for the
// infills, for middles drawn from the left side only, and for the real tunes.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cn_bench.h"
#include "bench/cn_bench_corpus.h"
#include "core/cn_paths.h"
#include "models/melody/cn_infill.h"
#include "models/melody/cn_predictor.h"
#include "models/nn/cn_nn.h"
#include "ui/cn_ui.h"

#define CMD "bench"

static void help(void) {
    printf("usage: continuo bench infill [--model FILE|PRESET] [--data DIR] [--bars A-B]\n"
           "                             [--seed S] [--temperature T] [--candidates N] [--quick]\n"
           "Bars A-B of every tune in DIR (default data/melody/nottingham/test; tunes with no\n"
           "note after bar B are skipped): bits per note of the tune's own bars given both\n"
           "sides against given the left side only, with the same model and prefix; then per\n"
           "tune an infill as continuo infill draws it (N candidates), the first draw alone,\n"
           "a middle sampled from the left side only (fitted to the same time), and the real\n"
           "bars, compared where they meet the rest of the tune:\n"
           "the interval into the next note, the ratio of the inter-onset intervals on either\n"
           "side of the join, onsets on the eighth-note grid, mean note length, in-key share.\n"
           "  --model M        an infilling model (default %s)\n"
           "  --bars A-B       the stretch (default 5-8)\n"
           "  --seed S         sampling seed (default 1); --temperature T (default 1)\n"
           "  --candidates N   as for continuo infill (default 8)\n"
           "  --quick          the first 20 tunes\n",
           CN_PREDICTOR_DEFAULT_MODEL);
}

typedef struct join_stats {
    long tunes, notes, steps, leaps, on_grid, keyed, in_key;
    double interval, ioi_ratio, dur_beats;
} join_stats;

// Add one middle (events on the tune's timeline from `start`) followed by `next`, the
// suffix's first event (NULL at the tune's end), in a bar of `bar` ticks.
static void join_add(join_stats *js, const cn_mevent *mid, int n, long start, const cn_mevent *next,
                     long bar, int key) {
    if (n == 0) return;
    long t = start;
    for (int i = 0; i < n; i++) {
        js->on_grid += (t % bar) % (CN_TICKS_PER_BEAT / 2) == 0;
        js->dur_beats += mid[i].dur / (double)CN_TICKS_PER_BEAT;
        if (key >= 0) js->keyed++, js->in_key += cn_bench_in_scale(mid[i].pitch, key);
        t += mid[i].dur + mid[i].rest;
    }
    js->notes += n;
    js->tunes++;
    if (!next) return;
    int iv = abs(next->pitch - mid[n - 1].pitch);
    js->interval += iv;
    js->steps += iv <= 2;
    js->leaps += iv > 7;
    double a = mid[n - 1].dur + mid[n - 1].rest, b = next->dur + next->rest;
    js->ioi_ratio += fabs(log2(a / b));
}

static void join_print(const char *label, const join_stats *s, long joins) {
    double j = joins ? (double)joins : 1, n = s->notes ? (double)s->notes : 1;
    printf("  %-26s %8.2f %8.1f%% %8.1f%% %10.2f %8.1f%% %9.3f %7.1f%%\n", label, s->interval / j,
           100.0 * s->steps / j, 100.0 * s->leaps / j, s->ioi_ratio / j, 100.0 * s->on_grid / n,
           s->dur_beats / n, s->keyed ? 100.0 * s->in_key / s->keyed : 0.0);
}

int cn_bench_infill(int argc, char **argv) {
    const char *model = CN_PREDICTOR_DEFAULT_MODEL, *data = NULL, *bars = "5-8";
    double temperature = 1.0;
    uint64_t seed = 1;
    int quick = 0, n_pos;
    long candidates = 8;
    const cn_flag flags[] = {
        {"model", 0, CN_FLAG_STR, &model, 0, 0, NULL},
        {"candidates", 0, CN_FLAG_LONG, &candidates, 1, CN_INFILL_MAX_CANDIDATES, NULL},
        {"data", 0, CN_FLAG_STR, &data, 0, 0, NULL},
        {"bars", 0, CN_FLAG_STR, &bars, 0, 0, NULL},
        {"seed", 0, CN_FLAG_U64, &seed, 0, 9.3e18, NULL},
        {"temperature", 0, CN_FLAG_DBL, &temperature, 1e-3, 100, NULL},
        {"quick", 0, CN_FLAG_SET, &quick, 0, 0, NULL},
    };
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, NULL, 0, &n_pos);
    if (rc == 1) help();
    if (rc) return rc == 1 ? 0 : rc;
    long bar_a, bar_b;
    if (!cn_ui_parse_range(bars, 1, 100000, &bar_a, &bar_b))
        return cn_ui_usage_error(CMD, "--bars %s: expected A-B, e.g. 5-8", bars);
    char dir[CN_PATH_MAX], path[1024];
    if (!data && cn_share_path("data/melody/nottingham/test", dir, sizeof dir)) return cn_ui_error(CMD, NULL);
    cn_bench_corpus c;
    cn_tf *m = NULL;
    if (cn_predictor_resolve(model, path, sizeof path) || cn_tf_load(path, &m)) return cn_ui_error(CMD, NULL);
    if (!m->fim) {
        cn_tf_destroy(m);
        return cn_ui_error(CMD, "%s was not trained for infilling (train melody --fim)", path);
    }
    if (cn_bench_corpus_load(data ? data : dir, quick ? 20 : 0, 0, &c)) {
        cn_tf_destroy(m);
        return cn_ui_error(CMD, NULL);
    }
    cn_blas_set_threads(1);
    printf("continuo bench infill --model %s --bars %ld-%ld --seed %llu --temperature %g --candidates %ld"
           " (OpenBLAS core: %s)\n", model, bar_a, bar_b, (unsigned long long)seed, temperature, candidates,
           cn_blas_corename());
    cn_sample_config cfg = {temperature, 0, 1.0};
    join_stats real = {0}, both = {0}, first = {0}, left = {0};
    double bits_both = 0, bits_left = 0;
    long notes = 0, joins = 0, skipped = 0;
    cn_status st = CN_OK;
    for (int i = 0; i < c.n && !st; i++) {
        long bar = cn_bar_ticks(c.meter_num[i], c.meter_den[i]);
        cn_infill_parts p;
        if (cn_infill_split(&c.s[i], (bar_a - 1) * bar, bar_b * bar, &p)) {
            skipped++;
            continue;
        }
        if (p.suffix.n == 0 || p.middle.n == 0) {
            skipped++;
            cn_infill_parts_free(&p);
            continue;
        }
        const cn_melody_cond unknown = {-1, -1, -1, -1};
        double b2, b1;
        cn_event_seq mb = {0}, m1 = {0}, ml = {0};
        cn_rng r1, r2, r3;
        cn_rng_seed(&r1, seed, (uint64_t)i);
        cn_rng_seed(&r2, seed, (uint64_t)i);
        cn_rng_seed(&r3, seed, (uint64_t)i);
        st = cn_infill_bits(m, &unknown, &p, &b2, &b1);
        if (!st) st = cn_infill_sample(m, &unknown, &p, &cfg, (int)candidates, &r1, &mb);
        if (!st) st = cn_infill_sample(m, &unknown, &p, &cfg, 1, &r3, &m1);
        if (!st) st = cn_infill_sample_left(m, &unknown, &p, &cfg, &r2, &ml);
        if (!st) {
            bits_both += b2, bits_left += b1;
            notes += p.middle.n;
            joins++;
            const cn_mevent *next = &p.suffix.ev[0];
            join_add(&real, p.middle.ev, p.middle.n, p.start, next, bar, c.key[i]);
            join_add(&both, mb.ev, mb.n, p.start, next, bar, c.key[i]);
            join_add(&first, m1.ev, m1.n, p.start, next, bar, c.key[i]);
            join_add(&left, ml.ev, ml.n, p.start, next, bar, c.key[i]);
        }
        cn_events_free(&mb);
        cn_events_free(&m1);
        cn_events_free(&ml);
        cn_infill_parts_free(&p);
    }
    if (st) rc = cn_ui_error(CMD, "%s", cn_error_message());
    else if (!joins) rc = cn_ui_error(CMD, "no tune has notes in and after bars %ld-%ld", bar_a, bar_b);
    if (!rc) {
        printf("%s: %ld tunes, %ld notes in bars %ld-%ld (%ld tunes skipped: no note in or after them)\n",
               data ? data : "data/melody/nottingham/test", joins, notes, bar_a, bar_b, skipped);
        printf("bits/note of the real bars: both sides %.4f, left side only %.4f (%+.1f%%)\n",
               bits_both / notes, bits_left / notes, 100.0 * (bits_both - bits_left) / bits_left);
        printf("  %-26s %8s %9s %9s %10s %9s %9s %8s\n", "where the bars meet the rest", "|interval|",
               "steps<=2", "leaps>7", "|log2 IOI|", "on 1/8", "dur(beat)", "in-key");
        join_print("real tunes", &real, joins);
        char label[64];
        snprintf(label, sizeof label, "infill (%ld candidates)", candidates);
        join_print(label, &both, joins);
        join_print("infill (first draw)", &first, joins);
        join_print("left side only", &left, joins);
    }
    cn_bench_corpus_free(&c);
    cn_tf_destroy(m);
    return rc;
}
