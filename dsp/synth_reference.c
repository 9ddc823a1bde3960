// synth_reference.c: the reference synth plugin (cn_synth_reference.h). Each block is
// rendered in segments between events, so every event lands on its exact frame; voices
// and MIDI controllers are cn_voices'.
// All state lives in the instance (fixed-size voice and event arrays): prepare() only
// records the rate, and process()/note_event()/set_param() never allocate.
#include "dsp/cn_synth_reference.h"
#include "dsp/cn_voices.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ENV_OFF = 0, ENV_ATTACK, ENV_DECAY, ENV_SUSTAIN, ENV_RELEASE };
enum { WAVE_SINE = 0, WAVE_TRIANGLE, WAVE_SAW, WAVE_SQUARE };

// The sound of one voice slot of `vs` (which note it plays is in vs.v[slot]).
typedef struct voice {
    int stage;         // ENV_*; ENV_OFF = silent
    float level;       // envelope level
    float rel_step;    // per-sample release decrement (from the level at note-off)
    double phase, dt;  // oscillator phase in [0, 1) and its increment (f0 / rate, unbent)
} voice;

typedef struct synth {
    double rate;
    float p[CN_SYNTH_N_PARAMS];
    cn_voices vs;
    voice v[CN_VOICES_MAX];
    cn_note_event ev[CN_SYNTH_MAX_EVENTS]; // pending, sorted by frame (stable)
    int n_ev;
} synth;

static const cn_param_desc params[CN_SYNTH_N_PARAMS] = {
    {"waveform", "oscillator: 0 sine, 1 triangle, 2 saw, 3 square", 0.0f, 3.0f, 2.0f},
    {"attack", "attack time, seconds", 0.001f, 5.0f, 0.005f},
    {"decay", "decay time to the sustain level, seconds", 0.001f, 5.0f, 0.1f},
    {"sustain", "sustain level, 0..1 of the peak", 0.0f, 1.0f, 0.7f},
    {"release", "release time after note-off, seconds", 0.001f, 5.0f, 0.05f},
    {"gain", "output gain, linear (peak of one full-velocity voice)", 0.0f, 1.0f, 0.25f},
    {"voices", "voices at most; more notes steal the oldest", 1.0f, (float)CN_VOICES_MAX, (float)CN_SYNTH_VOICES},
};

// ---------------------------------------------------------------- oscillators

// PolyBLEP residual: smooths the step of a naive waveform over one sample each side of
// the discontinuity at phase 0, removing most of the aliasing.
static inline double polyblep(double t, double dt) {
    if (t < dt) {
        t /= dt;
        return t + t - t * t - 1.0;
    }
    if (t > 1.0 - dt) {
        t = (t - 1.0) / dt;
        return t * t + t + t + 1.0;
    }
    return 0.0;
}

static inline double oscillator(int wave, double t, double dt) {
    switch (wave) {
    case WAVE_SINE: return sin(2.0 * M_PI * t);
    case WAVE_TRIANGLE: return 4.0 * fabs(t - 0.5) - 1.0; // harmonics fall as 1/n^2: no BLEP needed
    case WAVE_SAW: return 2.0 * t - 1.0 - polyblep(t, dt);
    default: {
        double t2 = t + 0.5;
        if (t2 >= 1.0) t2 -= 1.0;
        return (t < 0.5 ? 1.0 : -1.0) + polyblep(t, dt) - polyblep(t2, dt);
    }
    }
}

// ---------------------------------------------------------------- voices

// One envelope step; returns the level to apply to this sample.
static inline float envelope(synth *s, voice *v) {
    switch (v->stage) {
    case ENV_ATTACK:
        v->level += (float)(1.0 / (s->p[CN_SYNTH_P_ATTACK] * s->rate));
        if (v->level >= 1.0f) {
            v->level = 1.0f;
            v->stage = ENV_DECAY;
        }
        break;
    case ENV_DECAY: {
        float sus = s->p[CN_SYNTH_P_SUSTAIN];
        v->level -= (float)((1.0 - sus) / (s->p[CN_SYNTH_P_DECAY] * s->rate));
        if (v->level <= sus) {
            v->level = sus;
            v->stage = ENV_SUSTAIN;
        }
        break;
    }
    case ENV_SUSTAIN: v->level = s->p[CN_SYNTH_P_SUSTAIN]; break;
    case ENV_RELEASE:
        v->level -= v->rel_step;
        if (v->level <= 0.0f) {
            v->level = 0.0f;
            v->stage = ENV_OFF;
        }
        break;
    }
    return v->level;
}

// Adds voice `slot` to left/right[0..n-1] with its channel's level, pan and bend as they
// are now (controllers change between segments, at their exact frame).
static void render_voice(synth *s, int slot, float *left, float *right, int n) {
    voice *v = &s->v[slot];
    const cn_voice *mv = &s->vs.v[slot];
    int wave = (int)lrintf(s->p[CN_SYNTH_P_WAVEFORM]);
    float g = cn_voices_gain(&s->vs, slot) * s->p[CN_SYNTH_P_GAIN], gl, gr;
    cn_voices_pan(&s->vs, mv->channel, &gl, &gr);
    double dt = v->dt * pow(2.0, cn_voices_bend(&s->vs, mv->channel) / 12.0);
    for (int i = 0; i < n && v->stage != ENV_OFF; i++) {
        float y = g * envelope(s, v) * (float)oscillator(wave, v->phase, dt);
        left[i] += gl * y;
        right[i] += gr * y;
        v->phase += dt;
        if (v->phase >= 1.0) v->phase -= 1.0;
    }
    if (v->stage == ENV_OFF) cn_voices_free(&s->vs, slot);
}

static void voice_start(void *self, int slot, int how) {
    synth *s = self;
    (void)how; // a stolen voice restarts at once (the reference synth is a test tool; no legato)
    double f0 = 440.0 * pow(2.0, (s->vs.v[slot].pitch - 69) / 12.0);
    s->v[slot] = (voice){.stage = ENV_ATTACK, .dt = f0 / s->rate};
}

static void voice_release(void *self, int slot) {
    synth *s = self;
    voice *v = &s->v[slot];
    if (v->stage == ENV_OFF || v->stage == ENV_RELEASE) return;
    v->stage = ENV_RELEASE;
    v->rel_step = (float)(v->level / (s->p[CN_SYNTH_P_RELEASE] * s->rate));
    if (v->rel_step <= 0.0f) v->stage = ENV_OFF; // silent already: freed at the next render
}

static const cn_voice_ops voice_ops = {voice_start, voice_release, NULL};

// ---------------------------------------------------------------- plugin entry points

static cn_status synth_create(const char *args, void **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    if (args && *args)
        return cn_fail(CN_ERR_ARG, "reference synth: takes no arguments (got '%s'); HINT: use "
                                   "its parameters", args);
    synth *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "reference synth: out of memory");
    for (int i = 0; i < CN_SYNTH_N_PARAMS; i++) s->p[i] = params[i].def;
    s->rate = 48000.0;
    *out = s;
    return CN_OK;
}

static cn_status synth_prepare(void *self, double rate, int max_frames) {
    synth *s = self;
    if (!(rate >= 1000.0 && rate <= 384000.0) || max_frames <= 0)
        return cn_fail(CN_ERR_ARG, "reference synth: bad rate %g Hz or block size %d", rate,
                       max_frames);
    s->rate = rate;
    memset(s->v, 0, sizeof s->v);
    cn_voices_init(&s->vs, (int)lrintf(s->p[CN_SYNTH_P_VOICES]));
    s->n_ev = 0;
    return CN_OK;
}

// Worker thread: no allocation, locks or I/O.
static void synth_note_event(void *self, const cn_note_event *ev) {
    synth *s = self;
    if (s->n_ev == CN_SYNTH_MAX_EVENTS) return;
    int i = s->n_ev++;
    while (i > 0 && s->ev[i - 1].frame > ev->frame) { // insertion keeps equal frames in order
        s->ev[i] = s->ev[i - 1];
        i--;
    }
    s->ev[i] = *ev;
}

// Worker thread: no allocation, locks or I/O.
static void synth_process_stereo(void *self, int64_t start, const float *in_l, const float *in_r,
                                 float *left, float *right, int frames) {
    (void)in_l;
    (void)in_r;
    synth *s = self;
    memset(left, 0, sizeof(float) * (size_t)frames);
    memset(right, 0, sizeof(float) * (size_t)frames);
    int pos = 0, used = 0;
    for (;;) {
        int end = frames;
        if (used < s->n_ev && s->ev[used].frame < start + frames) {
            int64_t rel = s->ev[used].frame - start;
            end = rel < pos ? pos : (int)rel; // late events apply at once
        }
        for (int i = 0; i < s->vs.limit; i++)
            if (s->vs.v[i].state != CN_VOICE_FREE) render_voice(s, i, left + pos, right + pos, end - pos);
        pos = end;
        if (end == frames) break;
        cn_voices_event(&s->vs, &s->ev[used++], &voice_ops, s);
    }
    s->n_ev -= used;
    memmove(s->ev, s->ev + used, sizeof(cn_note_event) * (size_t)s->n_ev);
}

static int64_t synth_voices_stolen(void *self) { return ((synth *)self)->vs.stolen; }
static int64_t synth_voices_stolen_tails(void *self) { return ((synth *)self)->vs.stolen_tails; }

static int synth_channels(void *self) {
    (void)self;
    return 2;
}

// Worker thread.
static void synth_set_param(void *self, int index, float value) {
    synth *s = self;
    if (index < 0 || index >= CN_SYNTH_N_PARAMS || value != value) return;
    if (value < params[index].min) value = params[index].min;
    if (value > params[index].max) value = params[index].max;
    s->p[index] = value;
}

static int64_t synth_tail_frames(void *self) {
    synth *s = self;
    return (int64_t)ceil(s->p[CN_SYNTH_P_RELEASE] * s->rate);
}

static void synth_destroy(void *self) { free(self); }

const cn_plugin_desc cn_synth_reference_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "reference",
    .name = "Reference synth",
    .description = "32-voice stereo PolyBLEP oscillator synth with ADSR (tests, fallback)",
    .kind = CN_PLUGIN_GENERATOR,
    .params = params,
    .n_params = CN_SYNTH_N_PARAMS,
    .create = synth_create,
    .prepare = synth_prepare,
    .process = NULL, // stereo only (process_stereo)
    .note_event = synth_note_event,
    .set_param = synth_set_param,
    .tail_frames = synth_tail_frames,
    .destroy = synth_destroy,
    .channels = synth_channels,
    .process_stereo = synth_process_stereo,
    .voices_stolen = synth_voices_stolen,
    .voices_stolen_tails = synth_voices_stolen_tails,
};
