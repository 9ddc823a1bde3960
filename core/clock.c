// clock.c: the monotonic clock (cn_clock.h).
#include "core/cn_clock.h"

#include <time.h>

double cn_clock_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
