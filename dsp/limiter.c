// limiter.c: lookahead peak limiter (cn_limiter.h).
// Why it never overshoots: the peak at sample p leaves the delay line at p + W - 1; the
// moving average then spans the sliding minima at p .. p + W - 1, and each of those
// windows contains p, so every averaged value, hence the average, is <= ceiling/|x_p|.
// The release only ever moves the gain up towards that average, never above it.
#include "dsp/cn_limiter.h"

#include <math.h>
#include <stdlib.h>

struct cn_limiter {
    double rate;
    int w;                  // lookahead window W
    float ceiling, rel;     // linear ceiling; release coefficient per sample
    float *delay;           // [W-1] signal delay line
    int dpos;
    int64_t t;              // samples seen
    int64_t *qi;            // [W] sliding-minimum deque (ring): sample index
    float *qv;              //     and required gain, increasing from front to back
    int qhead, qlen;
    float *hold;            // [W] sliding minima for the moving average
    int hpos;
    double sum;             // sum of hold[]
    float env;              // applied gain
};

void cn_limiter_destroy(cn_limiter *l) {
    if (!l) return;
    free(l->delay);
    free(l->qi);
    free(l->qv);
    free(l->hold);
    free(l);
}

cn_status cn_limiter_create(double rate, double lookahead_s, cn_limiter **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    if (!(rate >= 1000.0 && rate <= 384000.0) || !(lookahead_s >= 0.0005 && lookahead_s <= 0.05))
        return cn_fail(CN_ERR_ARG, "limiter: bad rate %g Hz or lookahead %g s (0.0005..0.05)",
                       rate, lookahead_s);
    cn_limiter *l = calloc(1, sizeof *l);
    if (!l) return cn_fail(CN_ERR_NOMEM, "limiter: out of memory");
    l->rate = rate;
    l->w = (int)lround(lookahead_s * rate);
    if (l->w < 2) l->w = 2;
    l->delay = malloc(sizeof(float) * (size_t)(l->w - 1));
    l->qi = malloc(sizeof(int64_t) * (size_t)l->w);
    l->qv = malloc(sizeof(float) * (size_t)l->w);
    l->hold = malloc(sizeof(float) * (size_t)l->w);
    if (!l->delay || !l->qi || !l->qv || !l->hold) {
        cn_limiter_destroy(l);
        return cn_fail(CN_ERR_NOMEM, "limiter: out of memory");
    }
    cn_limiter_set_ceiling_db(l, -1.0);
    cn_limiter_set_release(l, 0.1);
    cn_limiter_reset(l);
    *out = l;
    return CN_OK;
}

void cn_limiter_set_ceiling_db(cn_limiter *l, double db) {
    if (!(db >= -60.0)) db = -60.0;
    if (db > 0.0) db = 0.0;
    l->ceiling = (float)pow(10.0, db / 20.0);
}

void cn_limiter_set_release(cn_limiter *l, double seconds) {
    if (!(seconds >= 0.001)) seconds = 0.001;
    if (seconds > 5.0) seconds = 5.0;
    l->rel = (float)(1.0 - exp(-1.0 / (seconds * l->rate)));
}

int cn_limiter_latency(const cn_limiter *l) { return l->w - 1; }

float cn_limiter_gain(const cn_limiter *l) { return l->env; }

void cn_limiter_reset(cn_limiter *l) {
    for (int i = 0; i < l->w - 1; i++) l->delay[i] = 0.0f;
    for (int i = 0; i < l->w; i++) l->hold[i] = 1.0f;
    l->sum = l->w;
    l->dpos = l->hpos = l->qhead = l->qlen = 0;
    l->t = 0;
    l->env = 1.0f;
}

// Worker/audio thread: no allocation, locks or I/O.
void cn_limiter_process(cn_limiter *l, const float *in, float *out, int n) {
    const int w = l->w;
    for (int i = 0; i < n; i++) {
        float x = in[i], a = fabsf(x);
        float need = a > l->ceiling ? l->ceiling / a : 1.0f;
        // Sliding minimum of `need` over the last W samples.
        while (l->qlen > 0 && l->qv[(l->qhead + l->qlen - 1) % w] >= need) l->qlen--;
        int back = (l->qhead + l->qlen) % w;
        l->qi[back] = l->t;
        l->qv[back] = need;
        l->qlen++;
        if (l->qi[l->qhead] <= l->t - w) {
            l->qhead = (l->qhead + 1) % w;
            l->qlen--;
        }
        float hold = l->qv[l->qhead];
        // Moving average of the minima (re-summed once per window: no drift).
        l->sum += (double)hold - l->hold[l->hpos];
        l->hold[l->hpos] = hold;
        if (++l->hpos == w) {
            l->hpos = 0;
            l->sum = 0.0;
            for (int k = 0; k < w; k++) l->sum += l->hold[k];
        }
        float avg = (float)(l->sum / w);
        l->env = avg < l->env ? avg : l->env + (avg - l->env) * l->rel;
        // Delay the signal by W-1 samples and apply the gain.
        float d = l->delay[l->dpos];
        l->delay[l->dpos] = x;
        if (++l->dpos == w - 1) l->dpos = 0;
        out[i] = d * l->env;
        l->t++;
    }
}
