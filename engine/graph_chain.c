// graph_chain.c: parse an effect-chain spec ("eq:gain=3,reverb:mix=0.2,limiter", see
// cn_graph.h) and add each effect, found by id in the registry, to a graph.
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_kv.h"
#include "engine/cn_graph.h"
#include "engine/cn_registry.h"

// Length of the URI at the start of s ("http://x/y#mono" in "http://x/y#mono:gain=3"), 0
// when s does not start with one. A URI starts with a scheme ("http:", "urn:") and runs
// to the first ':' followed by KEY= (KEY a C identifier, as parameters and LV2 port
// symbols are), or to the end.
static size_t uri_len(const char *s) {
    const char *p = s;
    if (!isalpha((unsigned char)*p)) return 0;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '.' || *p == '-') p++;
    if (*p != ':') return 0;
    for (p = strchr(p + 1, ':'); p; p = strchr(p + 1, ':')) {
        const char *k = p + 1;
        if (!isalpha((unsigned char)*k) && *k != '_') continue;
        while (isalnum((unsigned char)*k) || *k == '_') k++;
        if (*k == '=') return (size_t)(p - s);
    }
    return strlen(s);
}

// Add one effect from "ID", "ID:k=v:k=v" or "ID:URI:k=v" (+ ",k=v" continuations already
// folded in as ':'-separated pairs). A URI reaches the plugin's create() as uri=URI,
// %-escaped (cn_kv_escape). `item` is modified.
static cn_status add_one(cn_graph *g, char *item) {
    char *colon = strchr(item, ':');
    if (colon) *colon = 0;
    if (!*item) return cn_fail(CN_ERR_ARG, "effect chain: empty effect name");
    const cn_plugin_desc *d = cn_registry_find(item);
    if (!d) return cn_fail(CN_ERR_ARG, "effect chain: unknown effect '%s' (see 'continuo plugins')", item);
    if (d->kind != CN_PLUGIN_EFFECT)
        return cn_fail(CN_ERR_ARG, "effect chain: '%s' is not an effect", item);
    char *args = colon ? colon + 1 : NULL;
    size_t ulen = args ? uri_len(args) : 0;
    char *pairs = args ? args + ulen + (args[ulen] == ':') : NULL;
    for (char *p = pairs; p && *p; p++)
        if (*p == ':') *p = ','; // plugin args are comma-separated
    if (!ulen) return cn_graph_add_effect(g, d, args);
    size_t size = 3 * ulen + strlen(pairs) + 8; // "uri=" + escaped URI + "," + pairs
    char *full = malloc(size), *uri = malloc(ulen + 1);
    cn_status st = full && uri ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory");
    if (!st) {
        memcpy(uri, args, ulen);
        uri[ulen] = 0;
        memcpy(full, "uri=", 5);
        st = cn_kv_escape(uri, full + 4, size - 4);
    }
    if (!st && *pairs) {
        strcat(full, ",");
        strcat(full, pairs);
    }
    if (!st) st = cn_graph_add_effect(g, d, full);
    free(full);
    free(uri);
    return st;
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
