// cn_test_process.h: run one process() block of a plugin instance, mono in and out, as
// the graph would in a mono chain: a stereo instance (cn_plugin_channels) gets the input
// on both sides and its output is mixed down to (L + R) / 2. Never allocates.
#ifndef CN_TEST_PROCESS_H
#define CN_TEST_PROCESS_H

#include <string.h>

#include "engine/cn_plugin.h"

#define CN_TEST_PROCESS_MAX (1 << 16)

static inline void cn_test_process(const cn_plugin_desc *d, void *self, int64_t start, const float *in,
                                   float *out, int frames) {
    static float right[CN_TEST_PROCESS_MAX];
    if (cn_plugin_channels(d, self) != 2) {
        d->process(self, start, in, out, frames);
        return;
    }
    if (in) memcpy(right, in, (size_t)frames * sizeof *right);
    d->process_stereo(self, start, in, in ? right : NULL, out, right, frames);
    for (int i = 0; i < frames; i++) out[i] = 0.5f * (out[i] + right[i]);
}

#endif
