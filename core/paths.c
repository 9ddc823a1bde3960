// paths.c: the shipped folder and preset lookup (cn_paths.h).
#include "core/cn_paths.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static char share_dir[CN_PATH_MAX];
static pthread_once_t share_once = PTHREAD_ONCE_INIT;

static int is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static void find_share_dir(void) {
    char exe[CN_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    // Installed layout first (PREFIX/bin/continuo), then the build tree's links.
    const char *tails[] = {"/../share/continuo", "/share/continuo"};
    for (int i = 0; i < 2; i++) {
        char cand[CN_PATH_MAX];
        if ((size_t)snprintf(cand, sizeof cand, "%s%s", exe, tails[i]) >= sizeof cand) continue;
        if (is_dir(cand) && realpath(cand, share_dir)) return;
    }
    share_dir[0] = 0;
}

const char *cn_share_dir(void) {
    pthread_once(&share_once, find_share_dir);
    return share_dir;
}

cn_status cn_share_path(const char *rel, char *out, size_t size) {
    const char *dir = cn_share_dir();
    if (!*dir)
        return cn_fail(CN_ERR_IO, "cannot find continuo's shipped files (share/continuo next to the "
                                  "binary) for %s; reinstall, or run the binary from its build folder", rel);
    if ((size_t)snprintf(out, size, "%s/%s", dir, rel) >= size) return cn_fail(CN_ERR_RANGE, "path too long: %s", rel);
    if (access(out, R_OK)) return cn_fail(CN_ERR_IO, "shipped file %s is missing", out);
    return CN_OK;
}

// The preset folders in search order; returns how many (0..2).
static int preset_dirs(char dirs[2][CN_PATH_MAX]) {
    int n = 0;
    const char *env = getenv("CONTINUO_PRESETS");
    if (env && *env) snprintf(dirs[n++], CN_PATH_MAX, "%s", env);
    const char *share = cn_share_dir();
    if (*share && (size_t)snprintf(dirs[n], CN_PATH_MAX, "%.*s/presets", CN_PATH_MAX - 16, share) < CN_PATH_MAX)
        n++;
    return n;
}

// Preset files by name without ".json": "wavenet-flute.json" before "wavenet-flute-16k.json".
static int cmp_preset_file(const void *a, const void *b) {
    const char *s = *(char *const *)a, *t = *(char *const *)b;
    const size_t m = strlen(s) - 5, n = strlen(t) - 5;
    int c = strncmp(s, t, m < n ? m : n);
    return c ? c : (m > n) - (m < n);
}

void cn_presets_each(cn_preset_fn fn, void *user) {
    char dirs[2][CN_PATH_MAX];
    int nd = preset_dirs(dirs);
    char *seen[256];
    int n_seen = 0;
    for (int d = 0; d < nd; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) continue;
        char *names[256];
        int n = 0;
        for (struct dirent *e; (e = readdir(dir)) && n < 256;) {
            if (!cn_is_hidden_name(e->d_name) && cn_has_suffix(e->d_name, ".json") && (names[n] = strdup(e->d_name)))
                n++;
        }
        closedir(dir);
        qsort(names, (size_t)n, sizeof *names, cmp_preset_file);
        for (int i = 0; i < n; i++) {
            int dup = 0;
            for (int k = 0; k < n_seen && !dup; k++) dup = !strcmp(seen[k], names[i]);
            if (!dup) fn(dirs[d], names[i], user);
            if (!dup && n_seen < 256) seen[n_seen++] = names[i];
            else free(names[i]);
        }
    }
    for (int k = 0; k < n_seen; k++) free(seen[k]);
}

typedef struct {
    const char *prefix;
    int strip;
    char *buf;
    size_t size, len;
} name_list;

static void add_name(const char *dir, const char *file, void *user) {
    (void)dir;
    name_list *l = user;
    size_t pl = strlen(l->prefix);
    if (strncmp(file, l->prefix, pl)) return;
    size_t skip = l->strip ? pl : 0;
    int n = snprintf(l->buf + l->len, l->size - l->len, "%s%.*s", l->len ? ", " : "",
                     (int)(strlen(file) - skip - 5), file + skip);
    if (n > 0 && l->len + (size_t)n < l->size) l->len += (size_t)n;
}

void cn_presets_names(const char *prefix, int strip, char *buf, size_t size) {
    buf[0] = 0;
    name_list l = {prefix ? prefix : "", strip, buf, size, 0};
    cn_presets_each(add_name, &l);
}

cn_status cn_preset_find(const char *name, const char *prefix, const char *ext, char *out, size_t size) {
    if (!name || !*name) return cn_fail(CN_ERR_ARG, "empty preset name");
    if (strchr(name, '/') || is_file(name)) {
        if (!is_file(name)) return cn_fail(CN_ERR_IO, "no such file: %s", name);
        snprintf(out, size, "%s", name);
        return CN_OK;
    }
    char dirs[2][CN_PATH_MAX];
    int nd = preset_dirs(dirs);
    for (int d = 0; d < nd; d++) {
        const char *forms[3][2] = {{"", ".json"}, {prefix ? prefix : "", ".json"}, {"", ext}};
        for (int f = 0; f < 3; f++) {
            if (!forms[f][1] || (f == 1 && !prefix)) continue;
            if ((size_t)snprintf(out, size, "%s/%s%s%s", dirs[d], forms[f][0], name, forms[f][1]) < size &&
                is_file(out))
                return CN_OK;
        }
    }
    char names[512];
    cn_presets_names(prefix, 0, names, sizeof names);
    if (!nd)
        return cn_fail(CN_ERR_IO, "no preset '%s': no preset folder (shipped files not found next to the "
                                  "binary, CONTINUO_PRESETS not set)", name);
    return cn_fail(CN_ERR_ARG, "no preset '%s' (available: %s)", name, *names ? names : "none");
}

// A preset's keys: what each holds. Anything else is refused (a typo would be ignored).
static const char *const preset_strings[] = {"model", "weights", "instrument", "description"};
static const char *const preset_numbers[] = {"temperature", "gain"};

static cn_status preset_field(const cJSON *item, const char *name, cn_preset_info *info) {
    for (int i = 0; i < 4; i++)
        if (!strcmp(item->string, preset_strings[i])) {
            if (!cJSON_IsString(item) || !*item->valuestring)
                return cn_fail(CN_ERR_FORMAT, "preset %s: \"%s\" must be a non-empty string", name, item->string);
            char *dst = i < 2 ? info->model : i == 2 ? info->instrument : info->description;
            size_t size = i < 2 ? sizeof info->model : i == 2 ? sizeof info->instrument : sizeof info->description;
            if (strlen(item->valuestring) >= size)
                return cn_fail(CN_ERR_FORMAT, "preset %s: \"%s\" is too long", name, item->string);
            strcpy(dst, item->valuestring);
            return CN_OK;
        }
    for (int i = 0; i < 2; i++)
        if (!strcmp(item->string, preset_numbers[i])) {
            if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
                return cn_fail(CN_ERR_FORMAT, "preset %s: \"%s\" must be a number", name, item->string);
            *(i ? &info->gain : &info->temperature) = item->valuedouble;
            return CN_OK;
        }
    return cn_fail(CN_ERR_FORMAT, "preset %s: unknown key \"%s\" (model, instrument, description, "
                                  "temperature, gain)", name, item->string);
}

cn_status cn_preset_parse_info(const char *json, size_t n, const char *name, cn_preset_info *info) {
    memset(info, 0, sizeof *info);
    info->temperature = info->gain = NAN;
    cJSON *doc = cJSON_ParseWithLength(json, n);
    cn_status st = cJSON_IsObject(doc) ? CN_OK : cn_fail(CN_ERR_FORMAT, "preset %s is not a JSON object", name);
    for (const cJSON *it = doc ? doc->child : NULL; it && !st; it = it->next) st = preset_field(it, name, info);
    cJSON_Delete(doc);
    if (!st && !info->model[0]) st = cn_fail(CN_ERR_FORMAT, "preset %s has no \"model\" file name", name);
    if (st) return st;
    snprintf(info->kind, sizeof info->kind, "%s", info->instrument[0] ? "instrument" : "melody");
    return CN_OK;
}

int cn_has_suffix(const char *path, const char *suffix) {
    size_t a = strlen(path), b = strlen(suffix);
    return a >= b && !strcmp(path + a - b, suffix);
}

int cn_is_midi_name(const char *path) {
    const char *base = strrchr(path, '/'), *dot = strrchr(path, '.');
    base = base ? base + 1 : path;
    return dot && dot > base && (!strcasecmp(dot, ".mid") || !strcasecmp(dot, ".midi"));
}

int cn_is_hidden_name(const char *name) {
    return name[0] == '.';
}

cn_status cn_preset_read_info(const char *path, cn_preset_info *info) {
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "rb");
    if (!f) return cn_fail(CN_ERR_IO, "cannot open preset %s", path);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    int too_long = n == sizeof buf && fgetc(f) != EOF;
    fclose(f);
    if (too_long) // a preset is a short JSON file; models are found by their extension
        return cn_fail(CN_ERR_FORMAT, "preset %s is not a JSON preset (larger than %zu bytes); a model file is"
                       " named *.safetensors or, for a WaveNet training checkpoint, *.ckpt", path, sizeof buf);
    return cn_preset_parse_info(buf, n, path, info);
}

cn_status cn_preset_model_path(const char *preset_path, const cn_preset_info *info, char *out, size_t size) {
    const char *slash = strrchr(preset_path, '/');
    int dir_len = slash ? (int)(slash - preset_path) + 1 : 0;
    size_t n = info->model[0] == '/' ? (size_t)snprintf(out, size, "%s", info->model)
                                     : (size_t)snprintf(out, size, "%.*s%s", dir_len, preset_path, info->model);
    if (n >= size) return cn_fail(CN_ERR_RANGE, "preset %s: model path too long", preset_path);
    if (!is_file(out)) return cn_fail(CN_ERR_IO, "preset %s names the model %s, which does not exist", preset_path, out);
    return CN_OK;
}
