// declick.c: step removal at a marked sample (cn_declick.h).
#include "dsp/cn_declick.h"

#include <math.h>

void cn_declick_init(cn_declick *d, double rate, double span, double tau) {
    const int k = (int)lround(span * rate);
    *d = (cn_declick){.fade = (float)exp(-1.0 / (tau * rate)), .span = k > 1 ? k : 1};
}

void cn_declick_mark(cn_declick *d) { d->armed = d->span; }

void cn_declick_process(cn_declick *d, float *x, int n) {
    for (int i = 0; i < n; i++) {
        float y;
        if (d->armed) { // bridge the step with the line; the input's excess becomes the correction
            d->armed--;
            y = 2.0f * d->y1 - d->y2;
            d->fix = y - x[i];
        } else {
            y = x[i] + d->fix;
            d->fix *= d->fade;
        }
        x[i] = y;
        d->y2 = d->y1;
        d->y1 = y;
    }
}
