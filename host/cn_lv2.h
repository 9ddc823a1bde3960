// cn_lv2: installed LV2 effects, through lilv, as links of continuo's effect chain
// (docs/lv2.md). The effect plugin `lv2` takes "uri=URI,SYMBOL=VALUE,..." (the chain
// spec "lv2:URI:SYMBOL=VALUE" becomes that, see cn_graph_add_chain): create() finds the
// plugin, checks its features and ports and the control values; prepare() instantiates
// and activates it; process() only copies audio in and out and calls run() on blocks of
// a fixed size.
// Without lilv at build time (no CN_HAVE_LILV) the plugin is still registered and says so.
#ifndef CN_LV2_H
#define CN_LV2_H

#include <stdint.h>

#include "engine/cn_plugin.h"

extern const cn_plugin_desc cn_lv2_effect_plugin;

// 1 when this build hosts LV2 plugins (built with lilv).
int cn_lv2_available(void);

// [main] Frames by which the instance delays its input: what the plugin reported after
// activation (its lv2:reportsLatency port; 0 without one) plus the fixed block the wrapper
// collects before each run. The host compensates it (cn_graph_set_latency), so the chain's
// output stays aligned with the notes.
int64_t cn_lv2_effect_latency(void *self);

// What `continuo plugins --lv2` shows of one installed plugin.
typedef struct cn_lv2_port_info {
    char *symbol, *name;
    float min, max, def; // NAN where the plugin gives none
    int output;          // 1: a control output (a meter, the latency report)
} cn_lv2_port_info;

typedef struct cn_lv2_info {
    char *uri, *name, *class_name;
    int audio_in, audio_out;
    int audio_unconnected; // optional audio ports beyond 2 (side-chains) continuo leaves open
    int reports_latency;
    char *unusable; // NULL, or why continuo cannot load it (one line)
    cn_lv2_port_info *controls; // control ports: the inputs, then the outputs
    int n_controls;
} cn_lv2_info;

// [main] Every installed plugin with audio inputs and outputs (uri NULL), sorted by URI,
// or the one plugin `uri` (an error when none has it; `unusable` says what else is wrong).
cn_status cn_lv2_list(const char *uri, cn_lv2_info **out, int *n);
void cn_lv2_list_free(cn_lv2_info *list, int n);

#endif
