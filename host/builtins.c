// builtins.c: registers the built-in plugins with the engine registry. One line per
// plugin; owners of new plugins add theirs here.
#include <stddef.h>

#include "host/cn_builtins.h"
#include "dsp/cn_effects.h"
#include "engine/cn_registry.h"
#include "host/cn_lv2.h"
#include "dsp/cn_synth_reference.h"
#include "models/melody/cn_melody_plugin.h"
#include "models/wavenet/cn_wavenet_plugin.h"

cn_status cn_register_builtins(void) {
    static const cn_plugin_desc *const builtins[] = {
        &cn_synth_reference_plugin,
        &cn_wavenet_plugin,
        &cn_melody_plugin,
        &cn_fx_eq_plugin,
        &cn_fx_reverb_plugin,
        &cn_fx_limiter_plugin,
        &cn_lv2_effect_plugin,
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        cn_status st = cn_registry_add(builtins[i]); // adding twice is a no-op: idempotent
        if (st) return st;
    }
    return CN_OK;
}
