// cmd_score.c: `continuo score`: bits per note of MIDI melodies under the melody
// predictor (docs/DESIGN.md, docs/scoring.md). Bits of a note = -log2 P(pitch, dur,
// rest | the notes before it), with no conditioning (key, meter, style unknown).
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "models/nn/cn_nn.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_sample.h"

#define CMD "score"
#define MAX_NGRAM_DATA 16

static void help(void) {
    printf("usage: continuo score FILE.mid|DIR... [--json] [--model FILE|PRESET]\n"
           "                      [--ngram-only | --transformer-only] [--ngram-data DIR]...\n"
           "                      [--no-ensemble]\n"
           "Bits per note of each melody and in total: -log2 P of each note event (pitch,\n"
           "duration, rest after it) given the notes before it, summed over every note (the\n"
           "first included) and divided by the number of notes. No conditioning: key, meter\n"
           "and style are unknown to the model. A DIR means every .mid file in it.\n"
           "  --model M       transformer preset name or .safetensors file (default %s),\n"
           "                  mixed with the adaptive n-gram (alone with --transformer-only)\n"
           "  --ngram-only    the adaptive n-gram alone (long- plus short-term model)\n"
           "  --transformer-only\n"
           "                  the transformer alone (no n-gram; its KV cache and sliding\n"
           "                  window as in the mixture)\n"
           "  --no-ensemble   hear the transformer once, on the tune as written: about 5x\n"
           "                  faster, a little worse (by default it hears the tune at -2..+2\n"
           "                  semitones and mixes the five answers)\n"
           "  --ngram-data D  train the n-gram's long-term model on D (repeatable;\n"
           "                  default data/melody/nottingham/train)\n"
           "  --json          print {\"files\":[{\"path\":P,\"notes\":N,\"bits\":B}],\n"
           "                  \"notes\":N,\"bits_per_note\":X} where B is the file's total bits\n",
           CN_PREDICTOR_DEFAULT_MODEL);
}

// Score every file; fills the JSON document and prints text lines unless json. A file
// that cannot be read or scored is reported on one line and skipped; *bad counts them.
static int score_files(cn_event_model *m, char **files, int n, int json, cJSON *arr,
                       long *notes, double *bits, int *bad) {
    for (int i = 0; i < n; i++) {
        cn_event_seq s;
        int clamped = 0;
        double b = 0;
        cn_status st = cn_events_load_midi(files[i], &s, &clamped);
        if (!st && s.n == 0) {
            cn_events_free(&s);
            st = cn_fail(CN_ERR_FORMAT, "no notes");
        }
        if (!st) {
            st = cn_event_model_score(m, NULL, &s, &b);
            if (st) cn_events_free(&s);
        }
        if (st) {
            const char *msg = cn_error_message(), *more = n > 1 ? " (skipped)" : "";
            // messages that already start with the path are printed as they are
            if (!strncmp(msg, files[i], strlen(files[i]))) cn_ui_error(CMD, "%s%s", msg, more);
            else cn_ui_error(CMD, "%s: %s%s", files[i], msg, more);
            if (n == 1) return 1; // the one file given: that line says it all
            ++*bad;
            continue;
        }
        int nn = s.n;
        cn_events_free(&s);
        if (clamped)
            fprintf(stderr, "continuo score: %s: %d notes or rests longer than 8 beats were "
                            "shortened to 8 beats\n", files[i], clamped);
        *notes += nn;
        *bits += b;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o) || !cJSON_AddStringToObject(o, "path", files[i]) ||
                !cJSON_AddNumberToObject(o, "notes", nn) || !cJSON_AddNumberToObject(o, "bits", b))
                return cn_ui_error(CMD, "out of memory building the JSON output");
        } else {
            printf("%s: %d notes, %.4f bits/note\n", files[i], nn, nn ? b / nn : 0.0);
        }
    }
    return 0;
}

typedef struct {
    cn_predictor_opts opts;
    const char *data[MAX_NGRAM_DATA];
    cn_flag_list data_list;
    int json;
} score_args;

// Returns 0, 1 after --help, or the exit code of a usage error; the files and folders
// to score go to pos[0..*n_pos).
static int parse(int argc, char **argv, score_args *a, const char **pos, int *n_pos) {
    const cn_flag flags[] = {
        {"json", 0, CN_FLAG_SET, &a->json, 0, 0, NULL},
        {"model", 0, CN_FLAG_STR, &a->opts.model, 0, 0, NULL},
        {"ngram-only", 0, CN_FLAG_SET, &a->opts.ngram_only, 0, 0, NULL},
        {"transformer-only", 0, CN_FLAG_SET, &a->opts.transformer_only, 0, 0, NULL},
        {"ngram-data", 0, CN_FLAG_LIST, &a->data_list, 0, 0, NULL},
        {"no-ensemble", 0, CN_FLAG_SET, &a->opts.single_pass, 0, 0, NULL},
    };
    int rc = cn_ui_flags_parse(CMD, flags, (int)(sizeof flags / sizeof *flags), argc, argv, pos, argc, n_pos);
    if (rc) return rc;
    a->opts.ngram_data = a->data_list.n ? a->data : NULL;
    a->opts.n_ngram_data = a->data_list.n;
    const cn_predictor_opts *o = &a->opts;
    if (!*n_pos) return cn_ui_usage_error(CMD, "no MIDI files given");
    if (o->ngram_only && o->model) return cn_ui_usage_error(CMD, "--model and --ngram-only exclude each other");
    if (o->ngram_only && o->transformer_only)
        return cn_ui_usage_error(CMD, "--ngram-only and --transformer-only exclude each other");
    if (o->ngram_only && o->single_pass)
        return cn_ui_usage_error(CMD, "--no-ensemble has no use with --ngram-only");
    if (o->transformer_only && o->n_ngram_data)
        return cn_ui_usage_error(CMD, "--ngram-data has no use with --transformer-only");
    return 0;
}

int cn_cmd_score(int argc, char **argv) {
    score_args a = {.opts = {0}};
    a.data_list = (cn_flag_list){a.data, 0, MAX_NGRAM_DATA};
    const char **pos = malloc((size_t)argc * sizeof *pos);
    int n_pos = 0, rc = pos ? parse(argc, argv, &a, pos, &n_pos) : cn_ui_error(CMD, "out of memory");
    if (rc == 1) help();
    if (rc) {
        free(pos);
        return rc == 1 ? 0 : rc;
    }
    cn_predictor_opts opts = a.opts;
    int json = a.json;
    char **files = NULL;
    int n_files = 0;
    cn_status listed = cn_midi_paths(pos, n_pos, &files, &n_files);
    free(pos);
    if (listed) return cn_ui_error(CMD, NULL);
    if (n_files == 0) {
        cn_midi_paths_free(files, n_files);
        return cn_ui_error(CMD, "no .mid files in the given directories");
    }
    // Scoring runs one token at a time: OpenBLAS threads would only add synchronisation
    // to matrix-vector products this small (same results; 3x faster on a loaded machine).
    cn_blas_set_threads(1);
    cn_predictor pred;
    if (cn_predictor_open(&opts, &pred)) {
        cn_midi_paths_free(files, n_files);
        return cn_ui_error(CMD, NULL);
    }
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = doc ? cJSON_AddArrayToObject(doc, "files") : NULL;
    long notes = 0;
    double bits = 0;
    int bad = 0;
    rc = json && !arr ? cn_ui_error(CMD, "out of memory building the JSON output")
                      : score_files(pred.model, files, n_files, json, arr, &notes, &bits, &bad);
    if (!rc && notes == 0 && !bad) rc = cn_ui_error(CMD, "the given files hold no notes");
    if (!rc && json && notes) {
        char *txt = NULL;
        if (cJSON_AddNumberToObject(doc, "notes", (double)notes) &&
            cJSON_AddNumberToObject(doc, "bits_per_note", bits / (double)notes) &&
            (txt = cJSON_PrintUnformatted(doc)))
            printf("%s\n", txt);
        else
            rc = cn_ui_error(CMD, "out of memory building the JSON output");
        cJSON_free(txt);
    } else if (!rc && notes) {
        printf("total (%s): %d files, %ld notes, %.4f bits/note\n", pred.name, n_files - bad, notes,
               bits / (double)notes);
    }
    if (!rc && bad) rc = cn_ui_error(CMD, "%d of %d files could not be scored", bad, n_files);
    cJSON_Delete(doc);
    cn_predictor_close(&pred);
    cn_midi_paths_free(files, n_files);
    return rc;
}
