// cmd_infill.c: `continuo infill`: regenerate bars A..B of a tune given the music on both
// sides (models/melody/cn_infill.h), printed as notation or written as MIDI.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "core/cn_paths.h"
#include "models/cn_midi.h"
#include "models/cn_notation.h"
#include "models/melody/cn_infill.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_tokenizer.h"
#include "models/nn/cn_nn.h"

#define CMD "infill"

static void help(void) {
    printf("usage: continuo infill TUNE --bars A-B [-o OUT.mid] [--model FILE|PRESET]\n"
           "                 [--temperature T] [--top-k K] [--top-p P] [--candidates N] [--seed S]\n"
           "Regenerate bars A to B (counted from 1 at the file's start, in its first time\n"
           "signature, 4/4 without one) of TUNE, a MIDI file or text notation, given the music\n"
           "before and after them. The new bars take exactly the time of the old ones, so the\n"
           "tune carries on after them as it did. Without -o the new bars are printed in\n"
           "notation; with -o the whole tune is written as MIDI, its text event recording the\n"
           "command. Uses the transformer alone (not the n-gram), which must be trained for\n"
           "infilling (train melody --fim; the shipped model is).\n"
           "  --bars A-B        the bars to regenerate, e.g. 5-8 or 3 (one bar)\n"
           "  -o OUT.mid        write the tune with the new bars\n"
           "  --model M         transformer preset or .safetensors file (default %s)\n"
           "  --temperature T   sharpen (<1) or flatten (>1) each factor (default 1)\n"
           "  --top-k K         sample among the K most likely values of each factor (0 = all)\n"
           "  --top-p P         sample among the most likely values holding mass P, 0<P<=1\n"
           "  --candidates N    draw N new stretches and keep one, chosen in proportion to how\n"
           "                    likely the model finds the music after it (1..%d, default 8;\n"
           "                    1 = the first draw)\n"
           "  --seed S          seed of the sampler (default: random, printed on stderr)\n",
           CN_PREDICTOR_DEFAULT_MODEL, CN_INFILL_MAX_CANDIDATES);
}

typedef struct infill_args {
    const char *tune, *bars, *out, *model;
    double temperature, top_p;
    long top_k, candidates;
    uint64_t seed;
    int have_seed;
    long bar_a, bar_b;
} infill_args;

static int parse_args(int argc, char **argv, infill_args *a) {
    const cn_flag flags[] = {
        {"bars", 0, CN_FLAG_STR, &a->bars, 0, 0, NULL},
        {"output", 'o', CN_FLAG_STR, &a->out, 0, 0, NULL},
        {"model", 0, CN_FLAG_STR, &a->model, 0, 0, NULL},
        {"temperature", 0, CN_FLAG_DBL, &a->temperature, 1e-3, 100, NULL},
        {"top-k", 0, CN_FLAG_LONG, &a->top_k, 0, 128, NULL},
        {"top-p", 0, CN_FLAG_DBL, &a->top_p, 1e-9, 1, NULL},
        {"candidates", 0, CN_FLAG_LONG, &a->candidates, 1, CN_INFILL_MAX_CANDIDATES, NULL},
        {"seed", 0, CN_FLAG_U64, &a->seed, 0, 9.3e18, &a->have_seed},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, pos, 1, &n_pos);
    if (rc) return rc;
    if (n_pos != 1) return cn_ui_usage_error(CMD, "give one tune (a MIDI file or notation)");
    a->tune = pos[0];
    if (!a->bars) return cn_ui_usage_error(CMD, "which bars? (--bars A-B)");
    if (!cn_ui_parse_range(a->bars, 1, 100000, &a->bar_a, &a->bar_b))
        return cn_ui_usage_error(CMD, "--bars %s: expected A-B with 1 <= A <= B, e.g. 5-8", a->bars);
    if (a->out && !cn_has_suffix(a->out, ".mid"))
        return cn_ui_usage_error(CMD, "-o %s: infill writes MIDI, so the name must end in .mid", a->out);
    return 0;
}

static int print_middle(const cn_melody *tune, const cn_event_seq *mid) {
    cn_melody mel;
    cn_melody_init(&mel);
    cn_status st = cn_events_to_melody(mid, cn_melody_mean_velocity(tune), &mel);
    char *txt = NULL;
    mel.has_key = tune->has_key; // spelled in the tune's key: flats in flat keys
    mel.key_sharps = tune->key_sharps;
    mel.key_minor = tune->key_minor;
    mel.meter_num = mel.meter_den = 0; // no bar lines: the notation carries no offset
    if (!st) st = cn_notation_format(&mel, &txt);
    cn_melody_free(&mel);
    if (st) return cn_ui_error(CMD, NULL);
    printf("%s\n", txt);
    free(txt);
    return 0;
}

static int write_tune(const infill_args *a, int argc, char **argv, const cn_melody *tune,
                      const cn_event_seq *whole, int new_notes, int old_notes) {
    cn_melody mel;
    cn_melody_init(&mel);
    mel.meter_num = tune->meter_num, mel.meter_den = tune->meter_den;
    mel.has_key = tune->has_key, mel.key_sharps = tune->key_sharps, mel.key_minor = tune->key_minor;
    mel.bpm = tune->bpm;
    char text[4096];
    size_t k = cn_ui_command_line(text, sizeof text, "continuo infill", argc, argv);
    if (!a->have_seed) snprintf(text + k, sizeof text - k, " --seed %" PRIu64, a->seed);
    cn_status st = cn_events_to_melody(whole, cn_melody_mean_velocity(tune), &mel);
    if (!st) st = cn_melody_write_midi_change(&mel, a->out, text, NULL);
    cn_melody_free(&mel);
    if (st) return cn_ui_error(CMD, NULL);
    printf("%s: bars %ld-%ld regenerated: %d notes (were %d)\n", a->out, a->bar_a, a->bar_b, new_notes, old_notes);
    return 0;
}

int cn_cmd_infill(int argc, char **argv) {
    infill_args a = {.temperature = 1.0, .top_p = 1.0, .candidates = 8};
    int rc = parse_args(argc, argv, &a);
    if (rc == 1) help();
    if (rc) return rc == 1 ? 0 : rc;
    cn_melody tune;
    if (cn_primer_load(a.tune, &tune)) return cn_ui_error(CMD, NULL);
    long bar = cn_bar_ticks(tune.meter_num, tune.meter_den);
    cn_event_seq ev = {0}, mid = {0}, whole = {0};
    cn_infill_parts parts = {0};
    cn_tf *m = NULL;
    char path[1024];
    rc = 1;
    if (cn_events_from_melody(&tune, &ev) ||
        cn_infill_split(&ev, (a.bar_a - 1) * bar, a.bar_b * bar, &parts) ||
        cn_predictor_resolve(a.model ? a.model : CN_PREDICTOR_DEFAULT_MODEL, path, sizeof path) ||
        cn_tf_load(path, &m)) {
        cn_ui_error(CMD, NULL);
        goto done;
    }
    if (!m->fim) {
        cn_ui_error(CMD, "%s was not trained for infilling (hint: fine-tune it with continuo train melody --init %s --fim 0.5 ...)",
                    path, path);
        goto done;
    }
    if (!a.have_seed) {
        a.seed = cn_rng_fresh_seed();
        fprintf(stderr, "continuo infill: seed %" PRIu64 "\n", a.seed);
    }
    cn_blas_set_threads(1); // one token's matrix-vector products: too small to share
    cn_sample_config cfg = {a.temperature, (int)a.top_k, a.top_p};
    cn_rng rng;
    cn_rng_seed(&rng, a.seed, 0);
    cn_melody_cond cond = cn_tok_cond(&tune, -1, ev.n); // the file's key and meter
    if (cn_infill_sample(m, &cond, &parts, &cfg, (int)a.candidates, &rng, &mid) || cn_infill_join(&parts, &mid, &whole)) {
        cn_ui_error(CMD, NULL);
        goto done;
    }
    rc = a.out ? write_tune(&a, argc, argv, &tune, &whole, mid.n, parts.middle.n) : print_middle(&tune, &mid);
done:
    cn_events_free(&whole);
    cn_events_free(&mid);
    cn_events_free(&ev);
    cn_infill_parts_free(&parts);
    cn_tf_destroy(m);
    cn_melody_free(&tune);
    return rc;
}
