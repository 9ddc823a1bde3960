// lv2_none.c: cn_lv2.h in builds without lilv (liblilv-dev was missing at configure time):
// the `lv2` effect is registered, and every use says how to get LV2 support.
#include <stddef.h>

#include "host/cn_lv2.h"

#define NO_LV2 "this continuo was built without LV2 support (install liblilv-dev and lv2-dev, then rebuild)"

int cn_lv2_available(void) { return 0; }

static cn_status none_create(const char *args, void **out) {
    (void)args;
    (void)out;
    return cn_fail(CN_ERR_UNSUPPORTED, NO_LV2);
}

static cn_status none_prepare(void *self, double rate, int max_frames) {
    (void)self;
    (void)rate;
    (void)max_frames;
    return CN_ERR_STATE; // never reached: create fails
}

static void none_process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)self;
    (void)start;
    (void)in;
    (void)out;
    (void)frames;
}

static void none_destroy(void *self) { (void)self; }

int64_t cn_lv2_effect_latency(void *self) {
    (void)self;
    return 0;
}

cn_status cn_lv2_list(const char *uri, cn_lv2_info **out, int *n) {
    (void)uri;
    *out = NULL;
    *n = 0;
    return cn_fail(CN_ERR_UNSUPPORTED, NO_LV2);
}

void cn_lv2_list_free(cn_lv2_info *list, int n) {
    (void)list;
    (void)n;
}

const cn_plugin_desc cn_lv2_effect_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "lv2",
    .name = "LV2 effect",
    .description = "an installed LV2 effect (not in this build: no lilv)",
    .kind = CN_PLUGIN_EFFECT,
    .create = none_create,
    .prepare = none_prepare,
    .process = none_process,
    .destroy = none_destroy,
};
