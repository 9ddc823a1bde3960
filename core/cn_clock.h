// cn_clock.h: the one monotonic clock of continuo (training progress and ETAs, benchmarks).
#ifndef CN_CLOCK_H
#define CN_CLOCK_H

// Seconds on a monotonic clock (CLOCK_MONOTONIC); only differences mean anything.
double cn_clock_now(void);

#endif
