// effects.c: plugin descriptors for the EQ, reverb and limiter (cn_effects.h). Each
// instance keeps its parameter values so that prepare() (which builds the processor
// for the rate) and set_param() (which forwards to it) agree in any order.
#include "dsp/cn_effects.h"

#include <stdlib.h>

#include "dsp/cn_biquad.h"
#include "dsp/cn_limiter.h"
#include "dsp/cn_reverb.h"

// Shared by the three: no create() arguments, clamp a parameter to its range.
static cn_status no_args(const char *id, const char *args) {
    if (args && *args)
        return cn_fail(CN_ERR_ARG, "%s: unknown argument '%s' (see 'continuo plugins')", id, args);
    return CN_OK;
}

static float clamp_param(const cn_param_desc *p, float v) {
    if (v != v) return p->def;
    return v < p->min ? p->min : v > p->max ? p->max : v;
}

static cn_status alloc_instance(const char *id, const char *args, size_t size, void **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    cn_status st = no_args(id, args);
    if (st) return st;
    *out = calloc(1, size);
    return *out ? CN_OK : cn_fail(CN_ERR_NOMEM, "%s: out of memory", id);
}

// ---------------------------------------------------------------- eq

enum { EQ_LOW, EQ_GAIN, EQ_FREQ, EQ_Q, EQ_HIGH, EQ_LOWCUT, EQ_N };
#define EQ_LOW_HZ 150.0
#define EQ_HIGH_HZ 6000.0

static const cn_param_desc eq_params[EQ_N] = {
    {"low", "low shelf gain at 150 Hz, dB", -24.0f, 24.0f, 0.0f},
    {"gain", "peaking band gain, dB", -24.0f, 24.0f, 0.0f},
    {"freq", "peaking band centre, Hz", 40.0f, 16000.0f, 1000.0f},
    {"q", "peaking band Q", 0.1f, 10.0f, 0.707f},
    {"high", "high shelf gain at 6 kHz, dB", -24.0f, 24.0f, 0.0f},
    {"lowcut", "Butterworth high-pass cutoff, Hz (0 = off)", 0.0f, 1000.0f, 0.0f},
};

typedef struct eq {
    float p[EQ_N];
    double rate;
    cn_biquad band[4]; // low shelf, peak, high shelf, low cut
} eq;

static void eq_design(eq *e) {
    cn_biquad_coeffs c[4] = {
        cn_biquad_design(CN_BIQUAD_LOWSHELF, e->rate, EQ_LOW_HZ, 0.707, e->p[EQ_LOW]),
        cn_biquad_design(CN_BIQUAD_PEAKING, e->rate, e->p[EQ_FREQ], e->p[EQ_Q], e->p[EQ_GAIN]),
        cn_biquad_design(CN_BIQUAD_HIGHSHELF, e->rate, EQ_HIGH_HZ, 0.707, e->p[EQ_HIGH]),
        cn_biquad_design(CN_BIQUAD_HIGHPASS, e->rate, e->p[EQ_LOWCUT], 0.7071, 0.0),
    };
    for (int i = 0; i < 4; i++) cn_biquad_set(&e->band[i], &c[i]); // keeps state: no clicks
}

static cn_status eq_create(const char *args, void **out) {
    cn_status st = alloc_instance("eq", args, sizeof(eq), out);
    if (st) return st;
    eq *e = *out;
    for (int i = 0; i < EQ_N; i++) e->p[i] = eq_params[i].def;
    return CN_OK;
}

static cn_status eq_prepare(void *self, double rate, int max_frames) {
    eq *e = self;
    (void)max_frames;
    if (!(rate >= 1000.0)) return cn_fail(CN_ERR_ARG, "eq: bad rate %g Hz", rate);
    e->rate = rate;
    for (int i = 0; i < 4; i++) e->band[i].z1 = e->band[i].z2 = 0.0;
    eq_design(e);
    return CN_OK;
}

// Worker thread: no allocation, locks or I/O.
static void eq_process(void *self, int64_t start, const float *in, float *out, int frames) {
    eq *e = self;
    (void)start;
    if (out != in)
        for (int i = 0; i < frames; i++) out[i] = in[i];
    for (int b = 0; b < 3; b++) cn_biquad_process(&e->band[b], out, frames);
    if (e->p[EQ_LOWCUT] > 0.0f) cn_biquad_process(&e->band[3], out, frames);
}

static void eq_set_param(void *self, int index, float value) {
    eq *e = self;
    if (index < 0 || index >= EQ_N) return;
    e->p[index] = clamp_param(&eq_params[index], value);
    if (e->rate > 0.0) eq_design(e);
}

static int64_t zero_tail(void *self) {
    (void)self;
    return 0;
}

const cn_plugin_desc cn_fx_eq_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "eq",
    .name = "EQ",
    .description = "low shelf, peaking band, high shelf and low cut (RBJ biquads)",
    .kind = CN_PLUGIN_EFFECT,
    .params = eq_params,
    .n_params = EQ_N,
    .create = eq_create,
    .prepare = eq_prepare,
    .process = eq_process,
    .set_param = eq_set_param,
    .tail_frames = zero_tail,
    .destroy = free,
};

// ---------------------------------------------------------------- reverb

enum { RV_MIX, RV_DECAY, RV_PREDELAY, RV_N };

static const cn_param_desc reverb_params[RV_N] = {
    {"mix", "wet share of the output, 0 (dry) .. 1 (wet)", 0.0f, 1.0f, 0.2f},
    {"decay", "RT60: time to fall 60 dB, seconds (set before playback)", 0.05f, (float)CN_REVERB_MAX_DECAY, 1.5f},
    {"predelay", "silence before the reverb tail, seconds (set before playback)", 0.005f,
     (float)CN_REVERB_MAX_PREDELAY, 0.02f},
};

typedef struct reverb_fx {
    float p[RV_N];
    cn_reverb *r;
} reverb_fx;

static void reverb_apply(reverb_fx *f) {
    cn_reverb_set_mix(f->r, f->p[RV_MIX]);
    cn_reverb_set_decay(f->r, f->p[RV_DECAY]);
    cn_reverb_set_predelay(f->r, f->p[RV_PREDELAY]);
}

static cn_status reverb_create(const char *args, void **out) {
    cn_status st = alloc_instance("reverb", args, sizeof(reverb_fx), out);
    if (st) return st;
    reverb_fx *f = *out;
    for (int i = 0; i < RV_N; i++) f->p[i] = reverb_params[i].def;
    return CN_OK;
}

static cn_status reverb_prepare(void *self, double rate, int max_frames) {
    reverb_fx *f = self;
    (void)max_frames;
    cn_reverb *r;
    cn_status st = cn_reverb_create(rate, &r);
    if (st) return st;
    cn_reverb_destroy(f->r);
    f->r = r;
    reverb_apply(f);
    int len;
    cn_reverb_ir(f->r, &len); // build the IR now rather than in the first process()
    return CN_OK;
}

// Worker thread: no allocation, locks or I/O.
static void reverb_process(void *self, int64_t start, const float *in, float *out, int frames) {
    reverb_fx *f = self;
    (void)start;
    cn_reverb_process(f->r, in, out, frames);
}

static void reverb_set_param(void *self, int index, float value) {
    reverb_fx *f = self;
    if (index < 0 || index >= RV_N) return;
    f->p[index] = clamp_param(&reverb_params[index], value);
    // Mix applies at once; a new decay or pre-delay at the next prepare (building the IR
    // is too heavy for the worker thread).
    if (f->r) reverb_apply(f);
}

static int64_t reverb_tail(void *self) {
    reverb_fx *f = self;
    return f->r ? cn_reverb_tail_frames(f->r) : 0;
}

static void reverb_destroy(void *self) {
    reverb_fx *f = self;
    if (!f) return;
    cn_reverb_destroy(f->r);
    free(f);
}

const cn_plugin_desc cn_fx_reverb_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "reverb",
    .name = "Reverb",
    .description = "FFT partitioned convolution with a synthetic decaying-noise impulse response",
    .kind = CN_PLUGIN_EFFECT,
    .params = reverb_params,
    .n_params = RV_N,
    .create = reverb_create,
    .prepare = reverb_prepare,
    .process = reverb_process,
    .set_param = reverb_set_param,
    .tail_frames = reverb_tail,
    .destroy = reverb_destroy,
};

// ---------------------------------------------------------------- limiter

enum { LIM_CEILING, LIM_RELEASE, LIM_N };
#define LIM_LOOKAHEAD_S 0.005

static const cn_param_desc limiter_params[LIM_N] = {
    {"ceiling", "output peak ceiling, dBFS", -60.0f, 0.0f, -1.0f},
    {"release", "gain recovery time constant, seconds", 0.001f, 5.0f, 0.1f},
};

typedef struct limiter_fx {
    float p[LIM_N];
    cn_limiter *l;
} limiter_fx;

static void limiter_apply(limiter_fx *f) {
    cn_limiter_set_ceiling_db(f->l, f->p[LIM_CEILING]);
    cn_limiter_set_release(f->l, f->p[LIM_RELEASE]);
}

static cn_status limiter_create(const char *args, void **out) {
    cn_status st = alloc_instance("limiter", args, sizeof(limiter_fx), out);
    if (st) return st;
    limiter_fx *f = *out;
    for (int i = 0; i < LIM_N; i++) f->p[i] = limiter_params[i].def;
    return CN_OK;
}

static cn_status limiter_prepare(void *self, double rate, int max_frames) {
    limiter_fx *f = self;
    (void)max_frames;
    cn_limiter *l;
    cn_status st = cn_limiter_create(rate, LIM_LOOKAHEAD_S, &l);
    if (st) return st;
    cn_limiter_destroy(f->l);
    f->l = l;
    limiter_apply(f);
    return CN_OK;
}

// Worker thread: no allocation, locks or I/O.
static void limiter_process(void *self, int64_t start, const float *in, float *out, int frames) {
    limiter_fx *f = self;
    (void)start;
    cn_limiter_process(f->l, in, out, frames);
}

static void limiter_set_param(void *self, int index, float value) {
    limiter_fx *f = self;
    if (index < 0 || index >= LIM_N) return;
    f->p[index] = clamp_param(&limiter_params[index], value);
    if (f->l) limiter_apply(f);
}

// The delay line still holds the last lookahead's worth of signal.
static int64_t limiter_tail(void *self) {
    limiter_fx *f = self;
    return f->l ? cn_limiter_latency(f->l) : 0;
}

static void limiter_destroy(void *self) {
    limiter_fx *f = self;
    if (!f) return;
    cn_limiter_destroy(f->l);
    free(f);
}

const cn_plugin_desc cn_fx_limiter_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "limiter",
    .name = "Limiter",
    .description = "5 ms lookahead peak limiter (never exceeds its ceiling)",
    .kind = CN_PLUGIN_EFFECT,
    .params = limiter_params,
    .n_params = LIM_N,
    .create = limiter_create,
    .prepare = limiter_prepare,
    .process = limiter_process,
    .set_param = limiter_set_param,
    .tail_frames = limiter_tail,
    .destroy = limiter_destroy,
};
