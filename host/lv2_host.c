// lv2_host.c: the shared lilv world, the URID map and the check of a plugin's ports and
// features (cn_lv2_host.h).
#include "host/cn_lv2_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/options/options.h>

static cn_lv2_world g_world;
static int g_refs;
// URID map: URIs by id - 1. Filled while plugins are instantiated ([main]); a plugin
// that maps a known URI from run() only reads it.
static char **g_uris;
static uint32_t g_n_uris, g_cap_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri) {
    (void)h;
    for (uint32_t i = 0; i < g_n_uris; i++)
        if (!strcmp(g_uris[i], uri)) return i + 1;
    if (g_n_uris == g_cap_uris) {
        uint32_t cap = g_cap_uris ? 2 * g_cap_uris : 64;
        char **u = realloc(g_uris, cap * sizeof *u);
        if (!u) return 0; // 0 = "could not map" in the URID contract
        g_uris = u;
        g_cap_uris = cap;
    }
    char *copy = strdup(uri);
    if (!copy) return 0;
    g_uris[g_n_uris++] = copy;
    return g_n_uris;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID id) {
    (void)h;
    return id >= 1 && id <= g_n_uris ? g_uris[id - 1] : NULL;
}

cn_status cn_lv2_world_ref(cn_lv2_world **out) {
    if (g_refs++) {
        *out = &g_world;
        return CN_OK;
    }
    cn_lv2_world *w = &g_world;
    if (!(w->world = lilv_world_new())) {
        g_refs = 0;
        return cn_fail(CN_ERR_NOMEM, "lv2: cannot create the lilv world");
    }
    lilv_world_load_all(w->world);
    w->plugins = lilv_world_get_all_plugins(w->world);
    w->audio = lilv_new_uri(w->world, LV2_CORE__AudioPort);
    w->control = lilv_new_uri(w->world, LV2_CORE__ControlPort);
    w->atom = lilv_new_uri(w->world, "http://lv2plug.in/ns/ext/atom#AtomPort");
    w->input = lilv_new_uri(w->world, LV2_CORE__InputPort);
    w->output = lilv_new_uri(w->world, LV2_CORE__OutputPort);
    w->optional = lilv_new_uri(w->world, LV2_CORE__connectionOptional);
    w->map = (LV2_URID_Map){NULL, map_uri};
    w->unmap = (LV2_URID_Unmap){NULL, unmap_uri};
    *out = w;
    return CN_OK;
}

void cn_lv2_world_unref(void) {
    if (g_refs <= 0 || --g_refs) return;
    cn_lv2_world *w = &g_world;
    LilvNode *nodes[] = {w->audio, w->control, w->atom, w->input, w->output, w->optional};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) lilv_node_free(nodes[i]);
    lilv_world_free(w->world);
    memset(w, 0, sizeof *w);
    for (uint32_t i = 0; i < g_n_uris; i++) free(g_uris[i]);
    free(g_uris);
    g_uris = NULL;
    g_n_uris = g_cap_uris = 0;
}

const LilvPlugin *cn_lv2_find(const cn_lv2_world *w, const char *uri) {
    LilvNode *n = lilv_new_uri(w->world, uri);
    const LilvPlugin *p = n ? lilv_plugins_get_by_uri(w->plugins, n) : NULL;
    lilv_node_free(n);
    if (!p)
        cn_fail(CN_ERR_ARG, "lv2: no installed LV2 plugin has the URI '%s' (see 'continuo plugins --lv2')", uri);
    return p;
}

// Features continuo gives (lv2_effect.c passes them) or that only describe the plugin.
static const char *const provided_features[] = {
    LV2_URID__map, LV2_URID__unmap, LV2_OPTIONS__options, LV2_BUF_SIZE__boundedBlockLength,
    LV2_BUF_SIZE__fixedBlockLength, LV2_BUF_SIZE__powerOf2BlockLength, LV2_CORE__hardRTCapable, LV2_CORE__inPlaceBroken, LV2_CORE__isLive,
};

static int provided(const char *feature) {
    for (size_t i = 0; i < sizeof provided_features / sizeof provided_features[0]; i++)
        if (!strcmp(feature, provided_features[i])) return 1;
    return 0;
}

int cn_lv2_examine(const cn_lv2_world *w, const LilvPlugin *p, cn_lv2_shape *s) {
    memset(s, 0, sizeof *s);
    s->latency_port = -1;
    LilvNodes *req = lilv_plugin_get_required_features(p);
    LILV_FOREACH (nodes, i, req) {
        const char *f = lilv_node_as_uri(lilv_nodes_get(req, i));
        if (!provided(f) && !s->why[0])
            snprintf(s->why, sizeof s->why, "requires the LV2 feature %s, which continuo does not provide", f);
    }
    lilv_nodes_free(req);
    uint32_t n = lilv_plugin_get_num_ports(p);
    for (uint32_t i = 0; i < n; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(p, i);
        int in = lilv_port_is_a(p, port, w->input), out = lilv_port_is_a(p, port, w->output);
        if (lilv_port_is_a(p, port, w->audio) && (in || out)) {
            int *count = in ? &s->n_in : &s->n_out;
            if (*count >= CN_LV2_MAX_AUDIO && lilv_port_has_property(p, port, w->optional)) {
                s->n_unconnected++; // an optional extra (a side-chain input) stays unconnected
                continue;
            }
            if (*count < CN_LV2_MAX_AUDIO) (in ? s->in : s->out)[*count] = i;
            ++*count;
        } else if (lilv_port_is_a(p, port, w->control) && (in || out)) {
            continue; // inputs: set or default; outputs: a dummy each (the latency one read)
        } else if (!lilv_port_is_a(p, port, w->atom) && !lilv_port_has_property(p, port, w->optional) &&
                   !s->why[0]) {
            snprintf(s->why, sizeof s->why, "port '%s' is of a type continuo does not connect (not audio, control or atom)",
                     lilv_node_as_string(lilv_port_get_symbol(p, port)));
        }
    }
    if (lilv_plugin_has_latency(p)) s->latency_port = (int)lilv_plugin_get_latency_port_index(p);
    if (s->why[0]) return 0;
    if (!s->n_in || !s->n_out)
        snprintf(s->why, sizeof s->why, "is not an effect: %d audio inputs, %d audio outputs (needs 1 or 2 of each)",
                 s->n_in, s->n_out);
    else if (s->n_in > CN_LV2_MAX_AUDIO || s->n_out > CN_LV2_MAX_AUDIO)
        snprintf(s->why, sizeof s->why, "has %d audio inputs and %d outputs; continuo adapts 1 or 2 of each",
                 s->n_in, s->n_out);
    return !s->why[0];
}
