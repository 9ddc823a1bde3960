// cmd_plugins.c: `continuo plugins`: every registered generator and effect with its
// description and parameters (range and default).
#include <stdio.h>
#include <string.h>

#include "cli/cn_cli.h"
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

int cn_cmd_plugins(int argc, char **argv) {
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: continuo plugins\n"
               "Lists the registered generator and effect plugins: id (as used by --synth and\n"
               "--fx), kind, description, and each parameter with its range and default.\n"
               "Effect parameters are set in --fx chains, e.g. --fx \"eq:gain=3,limiter\".\n"
               "External plugins: set CONTINUO_PLUGINS to shared objects (separated by ':')\n"
               "that export cn_plugin_entry (engine/cn_plugin.h); render and play use them too.\n");
        return 0;
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
