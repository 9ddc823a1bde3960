// cmd_continue.c: `continuo continue`: continue a primer melody (MIDI file or text
// notation) with the melody predictor, by sampling (temperature, top-k, top-p, seed)
// or beam search, and print the continuation as notation or write primer +
// continuation as MIDI (docs/DESIGN.md).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cn_cli.h"
#include "cli/cn_continue.h"
#include "models/cn_midi.h"
#include "models/nn/cn_nn.h"
#include "models/cn_notation.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_sample.h"

#define CMD "continue"
#define MAX_SAMPLES CN_CONTINUE_MAX_SAMPLES
#define MAX_NGRAM_DATA CN_CONTINUE_MAX_NGRAM_DATA

static void help(void) {
    printf("usage: continuo continue PRIMER [-o OUT.mid] [--notes N | --bars B] [--temperature T]\n"
           "                 [--top-k K] [--top-p P] [--beam N] [--seed S] [--samples N]\n"
           "                 [--key K] [--meter M] [--style S] [--model FILE|PRESET] [--ngram-only]\n"
           "                 [--ngram-data DIR]...\n"
           "Continue PRIMER, a MIDI file or text notation such as \"C4 D4 E4:1/2 | r G4\"\n"
           "(PITCH[:BEATS], r = rest, | = bar line). Without -o the continuation is printed in\n"
           "that notation; with -o, primer + continuation are written as a MIDI file whose text\n"
           "event records the model, seed and settings.\n"
           "  -o OUT.mid        write MIDI (with --samples N: OUT-1.mid .. OUT-N.mid)\n"
           "  --notes N         notes to add (default 32)\n"
           "  --bars B          add exactly B bars of the meter instead (default meter 4/4)\n"
           "  --temperature T   sharpen (<1) or flatten (>1) each factor (default 1)\n"
           "  --top-k K         sample among the K most likely values of each factor (0 = all)\n"
           "  --top-p P         sample among the most likely values holding mass P, 0<P<=1\n"
           "  --beam N          beam search of width N (1..16): the most likely continuation,\n"
           "                    deterministic (no sampling flags, no --samples)\n"
           "  --seed S          seed of the sampler (default: random, printed on stderr)\n"
           "  --samples N       N continuations (1..%d); sample k uses stream k of the seed\n"
           "  --key K           key, e.g. G, Em, F#m, Bb (default: the primer's key signature)\n"
           "  --meter M         time signature, e.g. 6/8 (default: the primer's)\n"
           "  --style S         nottingham, oneills, ryans or other (default unknown)\n"
           "  --model M         transformer preset or .safetensors file (default %s),\n"
           "                    mixed with the adaptive n-gram\n"
           "  --ngram-only      use the adaptive n-gram alone\n"
           "  --ngram-data D    train the n-gram's long-term model on D (repeatable;\n"
           "                    default data/melody/nottingham/train)\n"
           "  --replay FILE.mid make again, with -o NEW.mid, the continuation a file written\n"
           "                    by continue -o records (byte for byte: same model and primer)\n"
           "Key, meter and style condition the transformer; the n-gram learns from the primer.\n",
           MAX_SAMPLES, CN_PREDICTOR_DEFAULT_MODEL);
}

// "G", "Em", "F#m", "Bb", "Ebm" -> 0..23 (tonic pitch class + 12 * minor), -1 if invalid.
static int parse_key(const char *s) {
    static const int pc[7] = {9, 11, 0, 2, 4, 5, 7}; // A..G
    if (s[0] < 'A' || s[0] > 'G') return -1;
    int k = pc[s[0] - 'A'], i = 1;
    if (s[i] == '#') k++, i++;
    else if (s[i] == 'b') k--, i++;
    int minor = s[i] == 'm';
    if (s[i + minor]) return -1;
    return (k + 12) % 12 + 12 * minor;
}

// Key signature (sharps, negative = flats) of a key index, spelled as usual.
static int key_sharps(int key) {
    static const int major[12] = {0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5};
    return major[(key % 12 + (key >= 12 ? 3 : 0)) % 12];
}

// Returns 0, 1 after --help, or the exit code of a usage error.
static int parse_args(int argc, char **argv, cont_args *a) {
    int sampling[3] = {0, 0, 0};
    const cn_flag flags[] = {
        {"output", 'o', CN_FLAG_STR, &a->out, 0, 0, NULL},
        {"notes", 0, CN_FLAG_LONG, &a->notes, 1, 100000, NULL},
        {"bars", 0, CN_FLAG_LONG, &a->bars, 1, 10000, NULL},
        {"temperature", 0, CN_FLAG_DBL, &a->temperature, 1e-3, 100, &sampling[0]},
        {"top-k", 0, CN_FLAG_LONG, &a->top_k, 0, 128, &sampling[1]},
        {"top-p", 0, CN_FLAG_DBL, &a->top_p, 1e-9, 1, &sampling[2]},
        {"beam", 0, CN_FLAG_LONG, &a->beam, 1, 16, NULL},
        {"seed", 0, CN_FLAG_U64, &a->seed, 0, 9.3e18, &a->have_seed},
        {"samples", 0, CN_FLAG_LONG, &a->samples, 1, MAX_SAMPLES, NULL},
        {"key", 0, CN_FLAG_STR, &a->key, 0, 0, NULL},
        {"meter", 0, CN_FLAG_STR, &a->meter, 0, 0, NULL},
        {"style", 0, CN_FLAG_STR, &a->style, 0, 0, NULL},
        {"model", 0, CN_FLAG_STR, &a->popts.model, 0, 0, NULL},
        {"ngram-only", 0, CN_FLAG_SET, &a->popts.ngram_only, 0, 0, NULL},
        {"ngram-data", 0, CN_FLAG_LIST, &a->ngram_list, 0, 0, NULL},
        {"replay", 0, CN_FLAG_STR, &a->replay, 0, 0, NULL},
    };
    const char *pos[2];
    int n_pos = 0;
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, pos, 2, &n_pos);
    if (rc) return rc;
    a->sampling_flags = sampling[0] || sampling[1] || sampling[2];
    a->popts.ngram_data = a->ngram_list.n ? a->ngram_list.items : NULL;
    a->popts.n_ngram_data = a->ngram_list.n;
    if (a->replay) {
        if (n_pos || a->notes || a->bars || a->beam || a->have_seed || a->sampling_flags || a->samples != 1 ||
            a->key || a->meter || a->style || a->popts.model || a->popts.ngram_only || a->ngram_list.n)
            return cn_ui_usage_error(CMD, "--replay takes its settings from the file: only -o may go with it");
        if (!a->out) return cn_ui_usage_error(CMD, "--replay needs -o OUT.mid");
        return 0; // the settings are read from the file by the caller
    }
    if (n_pos == 0) return cn_ui_usage_error(CMD, "no PRIMER given");
    if (n_pos > 1) return cn_ui_usage_error(CMD, "one PRIMER only ('%s' is extra)", pos[1]);
    a->primer = pos[0];
    const char *dot = a->out ? strrchr(a->out, '.') : NULL;
    if (a->out && (!dot || strchr(dot, '/') || (strcasecmp(dot, ".mid") && strcasecmp(dot, ".midi"))))
        return cn_ui_usage_error(CMD, "-o %s: continue writes MIDI, so the name must end in .mid", a->out);
    if (a->notes && a->bars) return cn_ui_usage_error(CMD, "--notes and --bars exclude each other");
    if (a->beam && (a->sampling_flags || a->samples > 1 || a->have_seed))
        return cn_ui_usage_error(CMD, "--beam is deterministic: no --temperature, --top-k, --top-p, "
                                       "--seed or --samples with it");
    if (a->popts.ngram_only && a->popts.model)
        return cn_ui_usage_error(CMD, "--model and --ngram-only exclude each other");
    return 0;
}

// Conditioning from the flags, else from the primer; fills the output melody's meter/key.
static int make_cond(const cont_args *a, const cn_melody *primer, cn_melody_cond *cond,
                     int *meter_num, int *meter_den) {
    *cond = (cn_melody_cond){cn_melody_key_index(primer), -1, -1, -1};
    *meter_num = primer->meter_num;
    *meter_den = primer->meter_den;
    if (a->key && (cond->key = parse_key(a->key)) < 0)
        return cn_ui_usage_error(CMD, "--key '%s' is not a key like G, Em, F#m or Bb", a->key);
    if (a->meter) {
        int num, den, end = 0;
        if (sscanf(a->meter, "%d/%d%n", &num, &den, &end) != 2 || a->meter[end] ||
            cn_meter_index(num, den) < 0)
            return cn_ui_usage_error(CMD, "--meter '%s' is not one of 4/4 3/4 2/4 6/8 9/8 12/8 2/2 3/2", a->meter);
        *meter_num = num;
        *meter_den = den;
    }
    if (*meter_num > 0) cond->meter = cn_meter_cond(*meter_num, *meter_den);
    if (a->style && (cond->style = cn_style_index(a->style)) < 0)
        return cn_ui_usage_error(CMD, "--style '%s' is not nottingham, oneills, ryans or other", a->style);
    if (!a->bars) cond->length = cn_length_bucket(cn_melody_note_count(primer) + (int)a->notes);
    return 0;
}

// Generate one continuation (sample k uses stream k of the seed).
static cn_status generate(const cont_args *a, cn_event_model *m, const cn_melody_cond *cond,
                          const cn_event_seq *primer, const cn_gen_limit *lim, int k,
                          cn_event_seq *out) {
    cn_status st = m->reset(m->self, cond);
    for (int i = 0; i < primer->n && !st; i++) st = m->observe(m->self, &primer->ev[i]);
    if (st) return st;
    if (a->beam) return cn_beam_continue(m, (int)a->beam, lim, out, NULL);
    cn_sample_config sc = {a->temperature, (int)a->top_k, a->top_p};
    cn_rng rng;
    cn_rng_seed(&rng, a->seed, (uint64_t)(a->first_sample + k));
    return cn_sample_continue(m, &sc, &rng, lim, out);
}

// OUT.mid -> OUT-k.mid when there are several samples.
static void out_name(const char *out, int k, int samples, char *buf, size_t size) {
    const char *dot = strrchr(out, '.');
    if (samples == 1)
        snprintf(buf, size, "%s", out);
    else if (dot && !strchr(dot, '/'))
        snprintf(buf, size, "%.*s-%d%s", (int)(dot - out), out, k, dot);
    else
        snprintf(buf, size, "%s-%d", out, k);
}

static int emit(const cont_args *a, const cn_melody *primer, int meter_num, int meter_den,
                int key, const char *model_path, cn_event_seq *cont, int n) {
    for (int k = 0; k < n; k++) {
        cn_melody mel;
        cn_status st;
        if (a->out) {
            st = cn_melody_copy(&mel, primer);
        } else {
            cn_melody_init(&mel);
            st = CN_OK;
        }
        if (!st) st = cn_events_to_melody(&cont[k], cn_melody_mean_velocity(primer), &mel);
        if (st) {
            cn_melody_free(&mel);
            return cn_ui_error(CMD, NULL);
        }
        if (!a->out) { // the continuation alone, without bar lines (it may start mid-bar)
            if (key >= 0) { // spelled in its key: flats in flat keys
                mel.has_key = 1;
                mel.key_minor = key >= 12;
                mel.key_sharps = key_sharps(key);
            }
            char *txt = NULL;
            mel.meter_num = mel.meter_den = 0;
            st = cn_notation_format(&mel, &txt);
            cn_melody_free(&mel);
            if (st) return cn_ui_error(CMD, NULL);
            printf("%s\n", txt);
            free(txt);
            continue;
        }
        // The primer keeps its own signatures; other requested ones start with the
        // continuation (a change event), or label the whole file when the primer had none.
        cn_melody_change ch = {cn_melody_length_ticks(primer), 0, 0, 0, 0, 0};
        int key_differs = key >= 0 && key != cn_melody_key_index(primer);
        if (key_differs && mel.has_key) ch.has_key = 1, ch.key_sharps = key_sharps(key), ch.key_minor = key >= 12;
        else if (key_differs) mel.has_key = 1, mel.key_sharps = key_sharps(key), mel.key_minor = key >= 12;
        int meter_differs = meter_num > 0 && (meter_num != mel.meter_num || meter_den != mel.meter_den);
        if (meter_differs && mel.meter_num > 0) ch.meter_num = meter_num, ch.meter_den = meter_den;
        else if (meter_differs) mel.meter_num = meter_num, mel.meter_den = meter_den;
        char path[4096], text[8192];
        out_name(a->out, k + 1, n, path, sizeof path);
        if (cn_continue_record(a, model_path, k, text, sizeof text)) {
            cn_melody_free(&mel);
            return cn_ui_error(CMD, "the settings are too long to record in the file");
        }
        st = cn_melody_write_midi_change(&mel, path, text, ch.has_key || ch.meter_num ? &ch : NULL);
        cn_melody_free(&mel);
        if (st) return cn_ui_error(CMD, NULL);
        printf("%s: %d notes of primer + %d new\n", path, cn_melody_note_count(primer), cont[k].n);
    }
    return 0;
}

int cn_cmd_continue(int argc, char **argv) {
    cont_args a = {.temperature = 1.0, .top_p = 1.0, .samples = 1};
    a.ngram_list = (cn_flag_list){a.ngram_data, 0, MAX_NGRAM_DATA};
    int rc = parse_args(argc, argv, &a);
    if (rc == 1) help();
    if (rc) return rc == 1 ? 0 : rc;
    if (a.replay && cn_continue_replay_args(&a)) return 1;
    if (!a.notes && !a.bars) a.notes = 32;
    cn_melody primer;
    if (cn_primer_load(a.primer, &primer)) return cn_ui_error(CMD, NULL);
    cn_melody_cond cond;
    int meter_num, meter_den;
    if ((rc = make_cond(&a, &primer, &cond, &meter_num, &meter_den))) {
        cn_melody_free(&primer);
        return rc;
    }
    int pkey = cn_melody_key_index(&primer);
    if (a.key && pkey >= 0 && cond.key != pkey)
        fprintf(stderr, "continuo continue: the primer's key signature says otherwise than --key %s: it keeps its own, "
                        "and the continuation (conditioned on %s, but led by the primer's notes) is marked %s\n",
                a.key, a.key, a.key);
    if (a.meter && primer.meter_num > 0 && (primer.meter_num != meter_num || primer.meter_den != meter_den))
        fprintf(stderr, "continuo continue: the primer is in %d/%d, not --meter %s: it keeps its own time signature, "
                        "and the continuation is marked %s\n", primer.meter_num, primer.meter_den, a.meter, a.meter);
    cn_ui_progress line;
    cn_ui_progress_init(&line, "continue");
    cn_gen_limit lim = {(int)a.notes, 0, {cn_ui_progress_draw, &line}};
    if (a.bars) {
        int num = meter_num > 0 ? meter_num : 4, den = meter_num > 0 ? meter_den : 4;
        lim.max_ticks = (int)(a.bars * num * 4 * CN_TICKS_PER_BEAT / den);
    }
    cn_event_seq pev = {0};
    cn_predictor pred = {0};
    cn_event_seq cont[MAX_SAMPLES] = {{0}};
    int made = 0;
    if (cn_events_from_melody(&primer, &pev) || cn_predictor_open(&a.popts, &pred)) {
        rc = cn_ui_error(CMD, NULL);
        goto done;
    }
    if (cn_events_clamp(&pev))
        fprintf(stderr, "continuo continue: primer notes or rests longer than 8 beats were "
                        "shortened to 8 beats for the model\n");
    cn_blas_set_threads(1); // one token's matrix-vector products: too small to share
    if (!a.beam && !a.have_seed) {
        a.seed = cn_rng_fresh_seed();
        fprintf(stderr, "continuo continue: seed %" PRIu64 "\n", a.seed);
    }
    int to_make = a.replay ? 1 : (int)a.samples; // a replay makes the one sample it records
    for (; made < to_make; made++) {
        if (generate(&a, pred.model, &cond, &pev, &lim, made, &cont[made])) {
            rc = cn_ui_error(CMD, NULL);
            goto done;
        }
    }
    rc = emit(&a, &primer, meter_num, meter_den, cond.key, a.popts.ngram_only ? NULL : pred.model_path, cont, made);
done:
    for (int k = 0; k < made; k++) cn_events_free(&cont[k]);
    cn_events_free(&pev);
    cn_predictor_close(&pred);
    cn_melody_free(&primer);
    return rc;
}
