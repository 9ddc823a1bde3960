// continue_record.c: the settings record in `continue`'s MIDI files, and --replay from it
// (cn_continue.h). The record is the file's text event, "continuo-run 1 continue " then
// key=value pairs (core/cn_kv.h, values %-escaped), so a run is repeatable from its file.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cn_continue.h"
#include "cn_version.h"
#include "core/cn_kv.h"
#include "core/cn_sha256.h"
#include "models/cn_midi.h"

#define CMD "continue"
#define RECORD_HEAD "continuo-run 1 continue "

static int is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

// "abcdef012345": the first 12 hex digits of a file's SHA-256, or "none".
static void short_hash(const char *path, char out[13]) {
    char hex[65];
    if (path && *path && !cn_sha256_file(path, hex)) snprintf(out, 13, "%.12s", hex);
    else snprintf(out, 13, "none");
}

static int put(char *text, size_t size, size_t *len, const char *key, const char *value) {
    char esc[2048];
    if (cn_kv_escape(value, esc, sizeof esc)) return 1;
    int n = snprintf(text + *len, size - *len, "%s%s=%s", *len > strlen(RECORD_HEAD) ? "," : "", key, esc);
    if (n < 0 || (size_t)n >= size - *len) return 1;
    *len += (size_t)n;
    return 0;
}

int cn_continue_record(const cont_args *a, const char *model_path, int k, char *text, size_t size) {
    size_t len = (size_t)snprintf(text, size, "%s", RECORD_HEAD);
    char num[12][64], model_hash[13], primer_hash[13];
    short_hash(model_path, model_hash);
    short_hash(is_file(a->primer) ? a->primer : NULL, primer_hash);
    snprintf(num[0], 64, "%ld", a->notes);
    snprintf(num[1], 64, "%ld", a->bars);
    snprintf(num[2], 64, "%.17g", a->temperature);
    snprintf(num[3], 64, "%ld", a->top_k);
    snprintf(num[4], 64, "%.17g", a->top_p);
    snprintf(num[5], 64, "%ld", a->beam);
    snprintf(num[6], 64, "%" PRIu64, a->seed);
    snprintf(num[7], 64, "%ld", a->samples);
    snprintf(num[8], 64, "%d", a->first_sample + k + 1);
    int bad = put(text, size, &len, "version", CN_VERSION) || put(text, size, &len, "primer", a->primer) ||
              put(text, size, &len, "primer_sha256", primer_hash) ||
              put(text, size, &len, "model", a->popts.ngram_only ? "none" : a->popts.model ? a->popts.model : "default") ||
              put(text, size, &len, "model_sha256", model_hash);
    for (int i = 0; i < a->popts.n_ngram_data && !bad; i++) bad = put(text, size, &len, "ngram_data", a->popts.ngram_data[i]);
    const char *keys[] = {"key", "meter", "style"}, *vals[] = {a->key, a->meter, a->style};
    for (int i = 0; i < 3 && !bad; i++)
        if (vals[i]) bad = put(text, size, &len, keys[i], vals[i]);
    const char *nkeys[] = {"notes", "bars", "temperature", "top_k", "top_p", "beam", "seed", "samples", "sample"};
    for (int i = 0; i < 9 && !bad; i++) bad = put(text, size, &len, nkeys[i], num[i]);
    return bad;
}

// The stored copy of a value (the args point into it).
static const char *keep(cont_args *a, int *used, const cn_kv *kv) {
    if (*used == 16 || cn_kv_unescape(kv, "--replay", a->replay_buf[*used], sizeof a->replay_buf[0])) return NULL;
    return a->replay_buf[(*used)++];
}

static int number(const char *file, const cn_kv *kv, double *out) {
    char buf[64], *end;
    if (cn_kv_value(kv, file, buf, sizeof buf)) return 1;
    *out = strtod(buf, &end);
    return *end != 0;
}

static int read_pair(cont_args *a, int *used, const cn_kv *kv, char *model_hash, char *primer_hash) {
    double v = 0;
    const char *s;
    if (cn_kv_is(kv, "version")) return 0; // informational: another version may differ
    if (cn_kv_is(kv, "model_sha256")) return cn_kv_value(kv, a->replay, model_hash, 13) != 0;
    if (cn_kv_is(kv, "primer_sha256")) return cn_kv_value(kv, a->replay, primer_hash, 13) != 0;
    if (cn_kv_is(kv, "primer") || cn_kv_is(kv, "model") || cn_kv_is(kv, "ngram_data") || cn_kv_is(kv, "key") ||
        cn_kv_is(kv, "meter") || cn_kv_is(kv, "style")) {
        if (!(s = keep(a, used, kv))) return 1;
        if (cn_kv_is(kv, "primer")) a->primer = s;
        else if (cn_kv_is(kv, "model")) {
            a->popts.ngram_only = !strcmp(s, "none");
            a->popts.model = strcmp(s, "none") && strcmp(s, "default") ? s : NULL;
        } else if (cn_kv_is(kv, "ngram_data")) {
            if (a->ngram_list.n == a->ngram_list.max) return 1;
            a->ngram_list.items[a->ngram_list.n++] = s;
        } else if (cn_kv_is(kv, "key")) a->key = s;
        else if (cn_kv_is(kv, "meter")) a->meter = s;
        else a->style = s;
        return 0;
    }
    if (number(a->replay, kv, &v)) return 1;
    if (cn_kv_is(kv, "notes")) a->notes = (long)v;
    else if (cn_kv_is(kv, "bars")) a->bars = (long)v;
    else if (cn_kv_is(kv, "temperature")) a->temperature = v;
    else if (cn_kv_is(kv, "top_k")) a->top_k = (long)v;
    else if (cn_kv_is(kv, "top_p")) a->top_p = v;
    else if (cn_kv_is(kv, "beam")) a->beam = (long)v;
    else if (cn_kv_is(kv, "seed")) {
        char buf[32];
        cn_kv_value(kv, a->replay, buf, sizeof buf);
        a->seed = strtoull(buf, NULL, 10); // exactly, not through a double
        a->have_seed = 1;
    } else if (cn_kv_is(kv, "samples")) a->samples = (long)v;
    else if (cn_kv_is(kv, "sample")) a->first_sample = (int)v - 1;
    return 0; // keys of later versions are ignored
}

int cn_continue_replay_args(cont_args *a) {
    cn_midi *m;
    if (cn_midi_read_file(a->replay, &m)) return cn_ui_error(CMD, NULL);
    const char *text = m->text ? strstr(m->text, RECORD_HEAD) : NULL;
    if (!text) {
        cn_midi_destroy(m);
        return cn_ui_error(CMD, "%s holds no continuo-run record (was it written by continuo continue -o?)",
                           a->replay);
    }
    char record[8192];
    snprintf(record, sizeof record, "%s", text + strlen(RECORD_HEAD));
    cn_midi_destroy(m);
    char *nl = strchr(record, '\n');
    if (nl) *nl = 0;
    char model_hash[13] = "none", primer_hash[13] = "none";
    int used = 0;
    cn_kv kv;
    cn_status st = CN_OK;
    for (const char *p = record; cn_kv_next(&p, a->replay, &kv, &st);)
        if (read_pair(a, &used, &kv, model_hash, primer_hash))
            return cn_ui_error(CMD, "%s: bad record item '%.*s'", a->replay, (int)kv.item_len, kv.item);
    if (st) return cn_ui_error(CMD, NULL);
    if (!a->primer) return cn_ui_error(CMD, "%s: the record names no primer", a->replay);
    a->sampling_flags = !a->beam;
    a->popts.ngram_data = a->ngram_list.n ? a->ngram_list.items : NULL;
    a->popts.n_ngram_data = a->ngram_list.n;
    char now[13];
    short_hash(is_file(a->primer) ? a->primer : NULL, now);
    if (strcmp(now, primer_hash))
        return cn_ui_error(CMD, "%s: the primer %s is not the one recorded (sha256 %s, now %s)", a->replay, a->primer,
                           primer_hash, now);
    if (!a->popts.ngram_only) {
        char path[4096];
        if (cn_predictor_resolve(a->popts.model, path, sizeof path)) return cn_ui_error(CMD, NULL);
        short_hash(path, now);
        if (strcmp(now, model_hash))
            return cn_ui_error(CMD, "%s: the model %s is not the one recorded (sha256 %s, now %s)", a->replay, path,
                               model_hash, now);
    }
    return 0;
}
