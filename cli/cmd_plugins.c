// cmd_plugins.c: `continuo plugins`: every registered generator and effect with its
// description and parameters (range and default); `--lv2 [URI]`: the installed LV2
// effects with their ports.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
#include "host/cn_lv2.h"
#include "host/cn_playback.h"
#include "engine/cn_registry.h"

static const char *kind_name(cn_plugin_kind k) {
    switch (k) {
    case CN_PLUGIN_GENERATOR: return "generator";
    case CN_PLUGIN_EFFECT: return "effect";
    case CN_PLUGIN_EVENT_GENERATOR: return "event generator";
    }
    return "?";
}

// A port's bound or default as text: "-" where the plugin gives none.
static const char *num(float v, char *buf, size_t size) {
    if (isnan(v)) return "-";
    snprintf(buf, size, "%g", (double)v);
    return buf;
}

// One LV2 plugin: a header line, then its control inputs (with `full`, also their names,
// the plugin's class and its control outputs).
static void print_lv2(const cn_lv2_info *e, int full) {
    printf("%s\n  %s; audio %d in, %d out", e->uri, e->name, e->audio_in, e->audio_out);
    if (e->audio_unconnected) printf(" (+%d optional, left unconnected)", e->audio_unconnected);
    printf("%s%s%s\n", e->reports_latency ? "; reports latency (compensated)" : "",
           e->unusable ? "; NOT USABLE: " : "", e->unusable ? e->unusable : "");
    if (full) printf("  class: %s\n", e->class_name);
    for (int k = 0; k < e->n_controls; k++) {
        const cn_lv2_port_info *c = &e->controls[k];
        if (c->output && !full) break; // outputs come last
        if (c->output && (k == 0 || !e->controls[k - 1].output)) printf("  control outputs (not settable):\n");
        printf("  %-16s", c->symbol);
        if (full) printf(" %-28s", c->name);
        char lo[32], hi[32], def[32];
        printf(" [%s .. %s]", num(c->min, lo, sizeof lo), num(c->max, hi, sizeof hi));
        if (!c->output) printf(" default %s", num(c->def, def, sizeof def));
        printf("\n");
    }
}

static int list_lv2(const char *uri) {
    cn_lv2_info *list = NULL;
    int n = 0;
    if (cn_lv2_list(uri, &list, &n)) return cn_ui_error("plugins", NULL);
    for (int i = 0; i < n; i++) {
        if (i) printf("\n");
        print_lv2(&list[i], uri != NULL);
    }
    if (!uri) fprintf(stderr, "%d LV2 effects; use one in a chain as --fx \"lv2:URI:PORT=VALUE,...\"\n", n);
    cn_lv2_list_free(list, n);
    return 0;
}

int cn_cmd_plugins(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: continuo plugins [--lv2 [URI]]\n"
               "Lists the registered generator and effect plugins: id (as used by --synth and\n"
               "--fx), kind, description, and each parameter with its range and default.\n"
               "Effect parameters are set in --fx chains, e.g. --fx \"eq:gain=3,limiter\".\n"
               "External plugins: set CONTINUO_PLUGINS to shared objects (separated by ':')\n"
               "that export cn_plugin_entry (engine/cn_plugin.h); render and play use them too.\n"
               "  --lv2        list the installed LV2 effects (found through lilv in LV2_PATH or\n"
               "               the standard folders): URI, name, audio inputs and outputs, and\n"
               "               each control port's symbol, range and default. Use one with\n"
               "               --fx \"lv2:URI:SYMBOL=VALUE,...\" (docs/lv2.md)\n"
               "  --lv2 URI    the one plugin in full (port names, class, control outputs),\n"
               "               or why continuo cannot load it\n");
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--lv2")) {
        if (argc > 3) return cn_ui_usage_error("plugins", "unexpected argument '%s'", argv[3]);
        return list_lv2(argc > 2 ? argv[2] : NULL);
    }
    if (argc > 1) return cn_ui_usage_error("plugins", "unexpected argument '%s'", argv[1]);
    if (cn_playback_register_plugins()) return cn_ui_error("plugins", NULL);
    for (int i = 0; i < cn_registry_count(); i++) {
        const cn_plugin_desc *d = cn_registry_get(i);
        printf("%s%s (%s): %s\n", i ? "\n" : "", d->id, kind_name(d->kind),
               d->description ? d->description : d->name);
        for (int p = 0; p < d->n_params; p++) {
            const cn_param_desc *pd = &d->params[p];
            printf("  %-12s %-40s [%g .. %g] default %g\n", pd->name, pd->help ? pd->help : "",
                   (double)pd->min, (double)pd->max, (double)pd->def);
        }
    }
    return 0;
}
