// cn_reverb: convolution reverb with a synthetic impulse response: white noise under an
// exponential envelope that falls 60 dB in `decay` seconds (RT60), after `predelay`
// seconds of silence, normalised to unit energy. Convolution is two cn_conv: the IR's
// head in partitions of B samples (B = the largest power of two <= 5 ms, at least 8), its
// tail from 32 B on (at most 8192) in partitions of 32 B; each one's latency is its
// partition size, taken out of the IR it convolves (the head's out of the pre-delay,
// never shorter than B), so the wet signal is exactly x * ir. Output = (1 - mix) dry +
// mix wet.
// create() allocates for the longest IR (CN_REVERB_MAX_DECAY + CN_REVERB_MAX_PREDELAY);
// setters only record values; a new decay or pre-delay is built by the next cn_reverb_ir
// (a setup call: the effect plugin makes it in prepare), never inside process(). Nothing
// after create() allocates, locks or prints. The noise comes from a fixed-seed generator,
// so renders are deterministic.
#ifndef CN_REVERB_H
#define CN_REVERB_H

#include <stdint.h>

#include "core/cn_status.h"

#define CN_REVERB_MAX_DECAY 4.0    // seconds
#define CN_REVERB_MAX_PREDELAY 0.1 // seconds

typedef struct cn_reverb cn_reverb;

cn_status cn_reverb_create(double rate, cn_reverb **out);
void cn_reverb_destroy(cn_reverb *r);

void cn_reverb_set_decay(cn_reverb *r, double seconds);    // 0.05 .. CN_REVERB_MAX_DECAY
void cn_reverb_set_predelay(cn_reverb *r, double seconds); // B/rate .. CN_REVERB_MAX_PREDELAY
void cn_reverb_set_mix(cn_reverb *r, float mix);           // 0 (dry) .. 1 (wet)
void cn_reverb_reset(cn_reverb *r);                        // silence the tail

// The current impulse response (rebuilt first if a setter changed it) and its length.
const float *cn_reverb_ir(cn_reverb *r, int *len);
int64_t cn_reverb_tail_frames(const cn_reverb *r); // length of the IR in use
long cn_reverb_builds(const cn_reverb *r);          // IR builds so far

// In place allowed (in == out).
void cn_reverb_process(cn_reverb *r, const float *in, float *out, int n);

#endif
