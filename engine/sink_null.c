// sink_null.c: a sink that only counts frames (benchmarks measure the graph alone).
#include <stdlib.h>

#include "engine/cn_sink.h"

static cn_status null_write(cn_sink *s, const float *buf, int frames) {
    (void)buf;
    s->frames += frames;
    return CN_OK;
}

static cn_status null_finish(cn_sink *s) {
    (void)s;
    return CN_OK;
}

static void null_destroy(cn_sink *s) { free(s); }

cn_status cn_sink_null_create(int channels, cn_sink **out) {
    cn_return_val_if_fail(out != NULL && (channels == 1 || channels == 2), CN_ERR_ARG);
    cn_sink *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory creating the null sink");
    s->channels = channels;
    s->write = null_write;
    s->finish = null_finish;
    s->destroy = null_destroy;
    *out = s;
    return CN_OK;
}
