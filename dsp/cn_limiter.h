// cn_limiter: lookahead peak limiter. The gain needed by each sample (ceiling/|x|, at
// most 1) goes through a sliding minimum over W = lookahead samples, then a W-sample
// moving average (a smooth attack that starts W samples early), then a one-pole release;
// the signal is delayed by W-1 samples so that each peak meets a gain already low
// enough for it. The output therefore never exceeds the ceiling (up to float rounding),
// at the price of W-1 samples of latency. create() allocates; the rest never does.
#ifndef CN_LIMITER_H
#define CN_LIMITER_H

#include "core/cn_status.h"

typedef struct cn_limiter cn_limiter;

// lookahead_s: 0.0005 .. 0.05 (5 ms is typical).
cn_status cn_limiter_create(double rate, double lookahead_s, cn_limiter **out);
void cn_limiter_destroy(cn_limiter *l);

void cn_limiter_set_ceiling_db(cn_limiter *l, double db); // -60 .. 0 dBFS
void cn_limiter_set_release(cn_limiter *l, double seconds); // 0.001 .. 5
int cn_limiter_latency(const cn_limiter *l); // samples (W - 1)
void cn_limiter_reset(cn_limiter *l);
// The gain currently applied (1 = no limiting), for tests and meters.
float cn_limiter_gain(const cn_limiter *l);

// In place allowed (in == out).
void cn_limiter_process(cn_limiter *l, const float *in, float *out, int n);

#endif
