// lv2_list.c: the installed LV2 effects and their control ports, for `continuo plugins
// --lv2` (cn_lv2.h).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "host/cn_lv2.h"
#include "host/cn_lv2_host.h"

static char *dup_node(const LilvNode *n) { return strdup(n ? lilv_node_as_string(n) : ""); }

static char *take_node(LilvNode *n) {
    char *s = dup_node(n);
    lilv_node_free(n);
    return s;
}

void cn_lv2_list_free(cn_lv2_info *list, int n) {
    for (int i = 0; list && i < n; i++) {
        cn_lv2_info *e = &list[i];
        free(e->uri);
        free(e->name);
        free(e->class_name);
        free(e->unusable);
        for (int k = 0; k < e->n_controls; k++) {
            free(e->controls[k].symbol);
            free(e->controls[k].name);
        }
        free(e->controls);
    }
    free(list);
}

static cn_status describe(const cn_lv2_world *w, const LilvPlugin *p, const cn_lv2_shape *s, cn_lv2_info *e) {
    e->uri = dup_node(lilv_plugin_get_uri(p));
    e->name = take_node(lilv_plugin_get_name(p));
    e->class_name = dup_node(lilv_plugin_class_get_label(lilv_plugin_get_class(p)));
    e->audio_in = s->n_in;
    e->audio_out = s->n_out;
    e->audio_unconnected = s->n_unconnected;
    e->reports_latency = s->latency_port >= 0;
    e->unusable = s->why[0] ? strdup(s->why) : NULL;
    uint32_t n = lilv_plugin_get_num_ports(p);
    e->controls = calloc(n ? n : 1, sizeof *e->controls); // at most every port
    float *ranges = malloc(3 * (n ? n : 1) * sizeof *ranges);
    if (!e->uri || !e->name || !e->class_name || (s->why[0] && !e->unusable) || !e->controls || !ranges) {
        free(ranges);
        return cn_fail(CN_ERR_NOMEM, "out of memory listing LV2 plugins");
    }
    float *min = ranges, *max = ranges + n, *def = ranges + 2 * n;
    lilv_plugin_get_port_ranges_float(p, min, max, def);
    for (uint32_t k = 0; k < 2 * n; k++) { // inputs first, then outputs
        const uint32_t i = k % n;
        const int output = k >= n;
        const LilvPort *port = lilv_plugin_get_port_by_index(p, i);
        if (!lilv_port_is_a(p, port, w->control) || !lilv_port_is_a(p, port, output ? w->output : w->input)) continue;
        cn_lv2_port_info *c = &e->controls[e->n_controls++];
        c->output = output;
        c->symbol = dup_node(lilv_port_get_symbol(p, port));
        c->name = take_node(lilv_port_get_name(p, port));
        c->min = min[i];
        c->max = max[i];
        c->def = def[i];
        if (!c->symbol || !c->name) {
            free(ranges);
            return cn_fail(CN_ERR_NOMEM, "out of memory listing LV2 plugins");
        }
    }
    free(ranges);
    return CN_OK;
}

cn_status cn_lv2_list(const char *uri, cn_lv2_info **out, int *n_out) {
    cn_lv2_world *w = NULL;
    cn_status st = cn_lv2_world_ref(&w);
    if (st) return st;
    const LilvPlugin *one = uri ? cn_lv2_find(w, uri) : NULL;
    if (uri && !one) {
        cn_lv2_world_unref();
        return CN_ERR_ARG;
    }
    unsigned cap = uri ? 1 : lilv_plugins_size(w->plugins);
    cn_lv2_info *list = calloc(cap ? cap : 1, sizeof *list);
    int n = 0;
    if (!list) st = cn_fail(CN_ERR_NOMEM, "out of memory listing LV2 plugins");
    LILV_FOREACH (plugins, it, w->plugins) {
        const LilvPlugin *p = lilv_plugins_get(w->plugins, it);
        if (st || (one && p != one)) continue;
        cn_lv2_shape s;
        cn_lv2_examine(w, p, &s);
        if (!one && (!s.n_in || !s.n_out)) continue; // instruments, analysers, MIDI tools
        st = describe(w, p, &s, &list[n++]);
    }
    cn_lv2_world_unref();
    if (st) {
        cn_lv2_list_free(list, n);
        return st;
    }
    *out = list;
    *n_out = n;
    return CN_OK;
}
