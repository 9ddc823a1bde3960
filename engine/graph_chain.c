// graph_chain.c: parse an effect-chain spec ("eq:gain=3,reverb:mix=0.2,limiter", see
// cn_graph.h) and add each effect, found by id in the registry, to a graph.
#include <stdlib.h>
#include <string.h>

#include "engine/cn_graph.h"
#include "engine/cn_registry.h"

// Add one effect from "ID" or "ID:k=v:k=v" (+ ",k=v" continuations already folded in as
// ':'-separated pairs). `item` is modified.
static cn_status add_one(cn_graph *g, char *item) {
    char *colon = strchr(item, ':');
    if (colon) *colon = 0;
    if (!*item) return cn_fail(CN_ERR_ARG, "effect chain: empty effect name");
    const cn_plugin_desc *d = cn_registry_find(item);
    if (!d) return cn_fail(CN_ERR_ARG, "effect chain: unknown effect '%s' (see 'continuo plugins')", item);
    if (d->kind != CN_PLUGIN_EFFECT)
        return cn_fail(CN_ERR_ARG, "effect chain: '%s' is not an effect", item);
    char *args = colon ? colon + 1 : NULL;
    for (char *p = args; p && *p; p++)
        if (*p == ':') *p = ','; // plugin args are comma-separated
    return cn_graph_add_effect(g, d, args);
}

cn_status cn_graph_add_chain(cn_graph *g, const char *chain) {
    cn_return_val_if_fail(g && chain, CN_ERR_ARG);
    size_t len = strlen(chain);
    char *buf = malloc(len + 1), *item = malloc(len + 1);
    if (!buf || !item) {
        free(buf);
        free(item);
        return cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    memcpy(buf, chain, len + 1);
    cn_status st = CN_OK;
    item[0] = 0;
    // Gather "ID[:k=v...]" plus any following bare "k=v" items, then add the effect.
    for (char *tok = buf; tok && !st;) {
        char *comma = strchr(tok, ',');
        if (comma) *comma = 0;
        int continues = strchr(tok, '=') && !strchr(tok, ':');
        if (continues) {
            if (!item[0]) {
                st = cn_fail(CN_ERR_ARG, "effect chain: '%s' comes before any effect name", tok);
                break;
            }
            strcat(item, ":");
            strcat(item, tok);
        } else {
            if (item[0]) st = add_one(g, item);
            strcpy(item, tok);
            if (!*tok && !st) st = cn_fail(CN_ERR_ARG, "effect chain: empty item in '%s'", chain);
        }
        tok = comma ? comma + 1 : NULL;
    }
    if (!st && item[0]) st = add_one(g, item);
    free(buf);
    free(item);
    return st;
}
