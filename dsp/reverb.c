// reverb.c: synthetic-IR convolution reverb (cn_reverb.h).
#include "dsp/cn_reverb.h"

#include <math.h>
#include <stdlib.h>

#include "dsp/cn_conv.h"

#define SCRATCH 256    // dry samples kept per chunk while the wet path runs in place
#define TAIL_FACTOR 32 // the tail's partitions are this many head partitions long
#define TAIL_MAX 8192  // ... at most (cn_conv's limit)

struct cn_reverb {
    double rate;
    int block, tail_block;     // partition sizes of the head and the tail convolutions
    int max_len, len;          // IR capacity and current length
    double decay, predelay;    // settings (seconds)
    float mix;
    int dirty;                 // decay or pre-delay changed: the next cn_reverb_ir rebuilds
    long builds;               // IR builds so far (tests: none in process)
    float *ir;                 // [max_len]
    // Two uniformly partitioned convolutions, each with its own partition size as its
    // latency: the head (short partitions) convolves ir[block .. tail_block), the tail
    // (long ones) ir[tail_block ..]. One set of short partitions over a 4 s IR would cost
    // ~12x more multiply-adds per sample; the tail's long block is computed in one go
    // every tail_block samples (a burst of ~0.2 ms at 48 kHz), which the worker's
    // render-ahead absorbs.
    cn_conv *head, *tail;
};

static int ir_length(const cn_reverb *r) {
    int n = (int)ceil((r->predelay + r->decay) * r->rate);
    return n < r->max_len ? n : r->max_len;
}

// Noise under a 60 dB / decay envelope after the pre-delay, unit energy.
static void build_ir(cn_reverb *r) {
    r->len = ir_length(r);
    int pre = (int)lround(r->predelay * r->rate);
    if (pre < r->block) pre = r->block;
    uint32_t s = 0x9E3779B9u; // fixed seed: deterministic renders
    double energy = 0.0, k = log(1000.0) / (r->decay * r->rate); // 1000 = 60 dB in amplitude
    for (int i = 0; i < r->len; i++) {
        float v = 0.0f;
        if (i >= pre) {
            s = s * 1664525u + 1013904223u;
            double u = (double)(s >> 8) / 8388608.0 - 1.0; // uniform in [-1, 1)
            v = (float)(u * exp(-k * (i - pre)));
        }
        r->ir[i] = v;
        energy += (double)v * v;
    }
    float g = energy > 0.0 ? (float)(1.0 / sqrt(energy)) : 0.0f;
    for (int i = 0; i < r->len; i++) r->ir[i] *= g;
    const int head_end = r->len < r->tail_block ? r->len : r->tail_block;
    cn_conv_set_ir(r->head, r->ir + r->block, head_end - r->block);
    cn_conv_set_ir(r->tail, r->ir + r->tail_block, r->len - r->tail_block); // empty when shorter
    r->dirty = 0;
    r->builds++;
}

void cn_reverb_destroy(cn_reverb *r) {
    if (!r) return;
    cn_conv_destroy(r->head);
    cn_conv_destroy(r->tail);
    free(r->ir);
    free(r);
}

cn_status cn_reverb_create(double rate, cn_reverb **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    if (!(rate >= 1000.0 && rate <= 384000.0))
        return cn_fail(CN_ERR_ARG, "reverb: sample rate %g Hz out of range 1000..384000", rate);
    cn_reverb *r = calloc(1, sizeof *r);
    if (!r) return cn_fail(CN_ERR_NOMEM, "reverb: out of memory");
    r->rate = rate;
    r->block = 8;
    while (r->block * 2 <= 0.005 * rate) r->block *= 2;
    r->tail_block = r->block * TAIL_FACTOR < TAIL_MAX ? r->block * TAIL_FACTOR : TAIL_MAX;
    r->max_len = (int)ceil((CN_REVERB_MAX_DECAY + CN_REVERB_MAX_PREDELAY) * rate) + r->block;
    r->decay = 1.5;
    r->predelay = 0.02;
    r->mix = 0.2f;
    r->ir = malloc(sizeof(float) * (size_t)r->max_len);
    cn_status st = r->ir ? cn_conv_create(r->block, r->tail_block - r->block, &r->head)
                         : cn_fail(CN_ERR_NOMEM, "reverb: out of memory");
    if (!st) st = cn_conv_create(r->tail_block, r->max_len - r->tail_block, &r->tail);
    if (st) {
        cn_reverb_destroy(r);
        return st;
    }
    build_ir(r);
    *out = r;
    return CN_OK;
}

void cn_reverb_set_decay(cn_reverb *r, double seconds) {
    if (!(seconds >= 0.05)) seconds = 0.05;
    if (seconds > CN_REVERB_MAX_DECAY) seconds = CN_REVERB_MAX_DECAY;
    r->dirty |= seconds != r->decay;
    r->decay = seconds;
}

void cn_reverb_set_predelay(cn_reverb *r, double seconds) {
    double lo = r->block / r->rate;
    if (!(seconds >= lo)) seconds = lo;
    if (seconds > CN_REVERB_MAX_PREDELAY) seconds = CN_REVERB_MAX_PREDELAY;
    r->dirty |= seconds != r->predelay;
    r->predelay = seconds;
}

void cn_reverb_set_mix(cn_reverb *r, float mix) {
    r->mix = mix >= 0.0f ? (mix <= 1.0f ? mix : 1.0f) : 0.0f; // NaN -> 0
}

void cn_reverb_reset(cn_reverb *r) {
    cn_conv_reset(r->head);
    cn_conv_reset(r->tail);
}

const float *cn_reverb_ir(cn_reverb *r, int *len) {
    if (r->dirty) build_ir(r);
    *len = r->len;
    return r->ir;
}

int64_t cn_reverb_tail_frames(const cn_reverb *r) { return r->len; }

long cn_reverb_builds(const cn_reverb *r) { return r->builds; }

// Worker thread: no allocation, locks or I/O, and no IR rebuild (up to 4 s of noise and
// exponentials): a new decay or pre-delay takes effect at the next cn_reverb_ir.
void cn_reverb_process(cn_reverb *r, const float *in, float *out, int n) {
    float dry[SCRATCH], tail[SCRATCH];
    for (int done = 0; done < n;) {
        int m = n - done < SCRATCH ? n - done : SCRATCH;
        for (int i = 0; i < m; i++) dry[i] = in[done + i];
        cn_conv_process(r->head, dry, out + done, m);
        cn_conv_process(r->tail, dry, tail, m);
        for (int i = 0; i < m; i++) out[done + i] = (1.0f - r->mix) * dry[i] + r->mix * (out[done + i] + tail[i]);
        done += m;
    }
}
