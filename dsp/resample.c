// resample.c: libsamplerate wrapper (cn_resample.h).
#include "dsp/cn_resample.h"

#include <math.h>
#include <samplerate.h>
#include <stdlib.h>

struct cn_resampler {
    SRC_STATE *st;
    double ratio; // out_rate / in_rate
};

static int converter(cn_resample_quality q) {
    switch (q) {
    case CN_RESAMPLE_MEDIUM: return SRC_SINC_MEDIUM_QUALITY;
    case CN_RESAMPLE_FAST: return SRC_SINC_FASTEST;
    default: return SRC_SINC_BEST_QUALITY;
    }
}

static cn_status check_rates(double in_rate, double out_rate) {
    double ratio = out_rate / in_rate;
    if (!(in_rate > 0.0 && out_rate > 0.0 && ratio >= 1.0 / 256 && ratio <= 256.0))
        return cn_fail(CN_ERR_ARG, "resample: rates %g -> %g Hz unsupported (ratio 1/256..256)",
                       in_rate, out_rate);
    return CN_OK;
}

cn_status cn_resampler_create(double in_rate, double out_rate, cn_resample_quality q,
                              cn_resampler **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    cn_status s = check_rates(in_rate, out_rate);
    if (s) return s;
    cn_resampler *r = calloc(1, sizeof *r);
    if (!r) return cn_fail(CN_ERR_NOMEM, "resample: out of memory");
    int err = 0;
    r->st = src_new(converter(q), 1, &err);
    if (!r->st) {
        free(r);
        return cn_fail(CN_ERR_NOMEM, "resample: %s", src_strerror(err));
    }
    r->ratio = out_rate / in_rate;
    *out = r;
    return CN_OK;
}

void cn_resampler_destroy(cn_resampler *r) {
    if (!r) return;
    src_delete(r->st);
    free(r);
}

cn_status cn_resampler_process(cn_resampler *r, const float *in, size_t n_in, float *out,
                               size_t max_out, int end, size_t *used, size_t *made) {
    SRC_DATA d = {.data_in = in, .data_out = out, .input_frames = (long)n_in,
                  .output_frames = (long)max_out, .end_of_input = end, .src_ratio = r->ratio};
    int err = src_process(r->st, &d);
    *used = (size_t)d.input_frames_used;
    *made = (size_t)d.output_frames_gen;
    if (err) return cn_fail(CN_ERR_STATE, "resample: %s", src_strerror(err));
    return CN_OK;
}

cn_status cn_resample(const float *in, size_t n, double in_rate, double out_rate,
                      cn_resample_quality q, float **out, size_t *n_out) {
    cn_return_val_if_fail((in || n == 0) && out && n_out, CN_ERR_ARG);
    *out = NULL;
    *n_out = 0;
    if (n == 0) in = (const float[1]){0.0f}; // never offset a NULL pointer below
    cn_resampler *r;
    cn_status s = cn_resampler_create(in_rate, out_rate, q, &r);
    if (s) return s;
    size_t cap = (size_t)ceil((double)n * r->ratio) + 64, got = 0, pos = 0;
    float *buf = malloc(sizeof(float) * cap);
    if (!buf) {
        cn_resampler_destroy(r);
        return cn_fail(CN_ERR_NOMEM, "resample: out of memory for %zu samples", cap);
    }
    // Feed everything with end_of_input set and drain until the converter stops producing.
    for (;;) {
        size_t used, made;
        s = cn_resampler_process(r, in + pos, n - pos, buf + got, cap - got, 1, &used, &made);
        if (s) break;
        pos += used;
        got += made;
        if (made == 0 || got == cap) break;
    }
    cn_resampler_destroy(r);
    if (s) {
        free(buf);
        return s;
    }
    size_t want = (size_t)llround((double)n * (out_rate / in_rate));
    if (got > want) got = want; // the flush may add a few samples past the end
    *out = buf;
    *n_out = got;
    return CN_OK;
}
