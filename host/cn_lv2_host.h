// cn_lv2_host.h: what the LV2 effect (lv2_effect.c) and the listing (lv2_list.c) share,
// in builds with lilv: one lilv world per process, the URID map continuo gives plugins,
// and the check of a plugin's ports and required features. [main] thread only.
#ifndef CN_LV2_HOST_H
#define CN_LV2_HOST_H

#include <lilv/lilv.h>
#include <lv2/urid/urid.h>

#include "core/cn_status.h"

#define CN_LV2_MAX_AUDIO 2 // audio inputs (and outputs) continuo adapts: 1 or 2

typedef struct cn_lv2_world {
    LilvWorld *world;
    const LilvPlugins *plugins;
    LilvNode *audio, *control, *atom, *input, *output, *optional;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
} cn_lv2_world;

// The world with every installed bundle loaded ($LV2_PATH or the standard places), made
// on first use and shared; each ref is paired with an unref (the last one frees it).
cn_status cn_lv2_world_ref(cn_lv2_world **out);
void cn_lv2_world_unref(void);

// A plugin's audio ports and what keeps continuo from hosting it.
typedef struct cn_lv2_shape {
    int n_in, n_out;                    // audio ports (beyond 2, all but optional ones)
    int n_unconnected;                  // optional audio ports beyond 2 (side-chains), left open
    uint32_t in[CN_LV2_MAX_AUDIO], out[CN_LV2_MAX_AUDIO]; // indices of the first ones
    int latency_port;                   // output control port reporting latency, or -1
    char why[256];                      // "" when usable, else one line (no URI in it)
} cn_lv2_shape;

// Fill *s; returns 1 when continuo can host the plugin as an effect.
int cn_lv2_examine(const cn_lv2_world *w, const LilvPlugin *p, cn_lv2_shape *s);

// The plugin with this URI, or NULL with a one-line error naming it.
const LilvPlugin *cn_lv2_find(const cn_lv2_world *w, const char *uri);

#endif
