// registry.c: the plugin table (cn_registry.h): a fixed-size static array, ABI checks,
// and dlopen of external plugins.
#include "engine/cn_registry.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

static const cn_plugin_desc *table[CN_REGISTRY_MAX];
static int n_table;

static cn_status check_desc(const cn_plugin_desc *d, const char *origin) {
    if (d->abi_version < 1 || d->abi_version > CN_PLUGIN_ABI_VERSION)
        return cn_fail(CN_ERR_VERSION, "%s: plugin ABI version %u, this continuo expects 1..%u "
                                       "(rebuild the plugin against this cn_plugin.h)",
                       origin, (unsigned)d->abi_version, (unsigned)CN_PLUGIN_ABI_VERSION);
    if (!d->id || !*d->id || !d->create || !d->prepare || !d->destroy)
        return cn_fail(CN_ERR_FORMAT, "%s: plugin descriptor lacks an id or a create/prepare/"
                                      "destroy function", origin);
    if (d->kind != CN_PLUGIN_GENERATOR && d->kind != CN_PLUGIN_EFFECT &&
        d->kind != CN_PLUGIN_EVENT_GENERATOR)
        return cn_fail(CN_ERR_FORMAT, "%s: plugin '%s' has unknown kind %d", origin, d->id,
                       (int)d->kind);
    // An ABI 1 descriptor ends before `generate`: it can only be audio.
    if (d->kind == CN_PLUGIN_EVENT_GENERATOR && (d->abi_version < 2 || !d->generate))
        return cn_fail(CN_ERR_FORMAT, "%s: event generator '%s' needs ABI 2 and a generate function",
                       origin, d->id);
    if (d->kind != CN_PLUGIN_EVENT_GENERATOR && !d->process && !(d->abi_version >= 3 && d->process_stereo))
        return cn_fail(CN_ERR_FORMAT, "%s: plugin '%s' lacks a process function", origin, d->id);
    if (d->abi_version >= 3 && d->channels && !d->process_stereo)
        return cn_fail(CN_ERR_FORMAT, "%s: plugin '%s' has channels() but no process_stereo", origin, d->id);
    if (d->n_params < 0 || (d->n_params > 0 && !d->params))
        return cn_fail(CN_ERR_FORMAT, "%s: plugin '%s' has a bad parameter table", origin, d->id);
    return CN_OK;
}

static cn_status add(const cn_plugin_desc *d, const char *origin) {
    if (!d) return cn_fail(CN_ERR_ARG, "%s: NULL plugin descriptor", origin);
    cn_status st = check_desc(d, origin);
    if (st) return st;
    const cn_plugin_desc *old = cn_registry_find(d->id);
    if (old == d) return CN_OK;
    if (old) return cn_fail(CN_ERR_STATE, "%s: a plugin with id '%s' is already registered",
                            origin, d->id);
    if (n_table == CN_REGISTRY_MAX)
        return cn_fail(CN_ERR_RANGE, "%s: plugin registry full (%d plugins)", origin,
                       CN_REGISTRY_MAX);
    table[n_table++] = d;
    return CN_OK;
}

cn_status cn_registry_add(const cn_plugin_desc *desc) { return add(desc, "built-in plugin"); }

cn_status cn_registry_load(const char *path) {
    cn_return_val_if_fail(path != NULL, CN_ERR_ARG);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return cn_fail(CN_ERR_IO, "cannot load plugin %s: %s", path, dlerror());
    cn_plugin_entry_fn entry;
    // POSIX: the object pointer from dlsym may be converted to a function pointer.
    *(void **)&entry = dlsym(h, CN_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        dlclose(h);
        return cn_fail(CN_ERR_FORMAT, "%s: no '%s' symbol (not a continuo plugin)", path,
                       CN_PLUGIN_ENTRY_SYMBOL);
    }
    const cn_plugin_desc *const *list = entry();
    if (!list || !list[0]) {
        dlclose(h);
        return cn_fail(CN_ERR_FORMAT, "%s: %s returned no plugins", path, CN_PLUGIN_ENTRY_SYMBOL);
    }
    // Check every descriptor before adding any, so a bad object leaves the table unchanged.
    int n = 0;
    for (; list[n]; n++) {
        cn_status st = check_desc(list[n], path);
        if (!st && cn_registry_find(list[n]->id))
            st = cn_fail(CN_ERR_STATE, "%s: a plugin with id '%s' is already registered",
                         path, list[n]->id);
        if (st) {
            dlclose(h);
            return st;
        }
    }
    if (n_table + n > CN_REGISTRY_MAX) {
        dlclose(h);
        return cn_fail(CN_ERR_RANGE, "%s: plugin registry full", path);
    }
    for (int i = 0; i < n; i++) {
        cn_status st = add(list[i], path);
        if (st) return st; // only a duplicate id inside one object gets here
    }
    return CN_OK;
}

const cn_plugin_desc *cn_registry_find(const char *id) {
    if (!id) return NULL;
    for (int i = 0; i < n_table; i++)
        if (!strcmp(table[i]->id, id)) return table[i];
    return NULL;
}

int cn_registry_count(void) { return n_table; }

const cn_plugin_desc *cn_registry_get(int i) { return i >= 0 && i < n_table ? table[i] : NULL; }

void cn_registry_clear(void) { n_table = 0; }
