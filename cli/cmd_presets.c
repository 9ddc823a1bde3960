// cmd_presets.c: `continuo presets`: the shipped (and the user's) presets, one line each.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "core/cn_paths.h"

static void print_preset(const char *dir, const char *file, void *user) {
    int *count = user;
    char path[CN_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cn_preset_info in;
    int len = (int)strlen(file) - 5;
    if (cn_preset_read_info(path, &in)) {
        printf("%-19.*s %-10s (unreadable: %s)\n", len, file, "?", cn_error_message());
        return;
    }
    // The flag that picks it: --instrument NAME finds wavenet-NAME.json (NAME need not be the
    // model's instrument: wavenet-flute-16k.json plays "flute" of another model).
    const char *desc = in.description[0] ? in.description : in.model;
    const int wn = !strncmp(file, "wavenet-", 8);
    char what[CN_PATH_MAX + 600];
    if (in.instrument[0] && wn) snprintf(what, sizeof what, "--instrument %.*s: %s", len - 8, file + 8, desc);
    else if (in.instrument[0]) snprintf(what, sizeof what, "--preset %s: %s", path, desc);
    else snprintf(what, sizeof what, "--model %.*s: %s", len, file, desc);
    printf("%-19.*s %-10s %s [%s]\n", len, file, in.kind, what, in.model);
    ++*count;
}

int cn_cmd_presets(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: continuo presets\n"
               "Lists the presets: melody models (continue, score, play --endless: --model NAME)\n"
               "and WaveNet instruments (render, play: --synth wavenet --instrument NAME), one line\n"
               "each: name, kind, the flag that selects it, what it is, and its weights file.\n"
               "Presets in $CONTINUO_PRESETS come first and hide shipped ones of the same name.\n");
        return 0;
    }
    if (argc > 1) return cn_ui_usage_error("presets", "unexpected argument '%s'", argv[1]);
    const char *env = getenv("CONTINUO_PRESETS");
    printf("presets (%s%s%s/presets):\n", env && *env ? env : "", env && *env ? ", then " : "",
           *cn_share_dir() ? cn_share_dir() : "<shipped folder not found>");
    int count = 0;
    cn_presets_each(print_preset, &count);
    if (!count) return cn_ui_error("presets", "no presets found (reinstall continuo, or set CONTINUO_PRESETS)");
    return 0;
}
