// cn_resample: sample-rate conversion through libsamplerate (band-limited sinc
// interpolation), mono float. One-shot for whole buffers (training data, renders at
// another rate) and a streaming converter for a running graph. create()/one-shot
// allocate; cn_resampler_process() does not (libsamplerate's src_process works in the
// state made by src_new).
#ifndef CN_RESAMPLE_H
#define CN_RESAMPLE_H

#include <stddef.h>

#include "core/cn_status.h"

typedef enum cn_resample_quality {
    CN_RESAMPLE_BEST = 0,   // SRC_SINC_BEST_QUALITY
    CN_RESAMPLE_MEDIUM = 1, // SRC_SINC_MEDIUM_QUALITY
    CN_RESAMPLE_FAST = 2,   // SRC_SINC_FASTEST
} cn_resample_quality;

// Whole buffer: *out (malloc'd, free() it) gets about n * out_rate / in_rate samples.
cn_status cn_resample(const float *in, size_t n, double in_rate, double out_rate,
                      cn_resample_quality q, float **out, size_t *n_out);

typedef struct cn_resampler cn_resampler;

cn_status cn_resampler_create(double in_rate, double out_rate, cn_resample_quality q,
                              cn_resampler **out);
void cn_resampler_destroy(cn_resampler *r);
// Consume up to n_in samples, produce up to max_out; reports how many of each.
// end = 1 flushes the converter's delay at the end of the stream.
cn_status cn_resampler_process(cn_resampler *r, const float *in, size_t n_in, float *out,
                               size_t max_out, int end, size_t *used, size_t *made);

#endif
