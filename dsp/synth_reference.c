// synth_reference.c: the reference synth plugin (cn_synth_reference.h). Each block is
// rendered in segments between note events, so every event lands on its exact frame.
// All state lives in the instance (fixed-size voice and event arrays): prepare() only
// records the rate, and process()/note_event()/set_param() never allocate.
#include "dsp/cn_synth_reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ENV_OFF = 0, ENV_ATTACK, ENV_DECAY, ENV_SUSTAIN, ENV_RELEASE };
enum { WAVE_SINE = 0, WAVE_TRIANGLE, WAVE_SAW, WAVE_SQUARE };

typedef struct voice {
    int stage;         // ENV_*; ENV_OFF = free
    int pitch;
    float amp;         // velocity scaling
    float level;       // envelope level
    float rel_step;    // per-sample release decrement (from the level at note-off)
    double phase, dt;  // oscillator phase in [0, 1) and its increment (f0 / rate)
    uint64_t age;      // note-on order, for stealing the oldest voice
} voice;

typedef struct synth {
    double rate;
    float p[CN_SYNTH_N_PARAMS];
    voice v[CN_SYNTH_VOICES];
    cn_note_event ev[CN_SYNTH_MAX_EVENTS]; // pending, sorted by frame (stable)
    int n_ev;
    uint64_t n_notes;
} synth;

static const cn_param_desc params[CN_SYNTH_N_PARAMS] = {
    {"waveform", "oscillator: 0 sine, 1 triangle, 2 saw, 3 square", 0.0f, 3.0f, 2.0f},
    {"attack", "attack time, seconds", 0.001f, 5.0f, 0.005f},
    {"decay", "decay time to the sustain level, seconds", 0.001f, 5.0f, 0.1f},
    {"sustain", "sustain level, 0..1 of the peak", 0.0f, 1.0f, 0.7f},
    {"release", "release time after note-off, seconds", 0.001f, 5.0f, 0.05f},
    {"gain", "output gain, linear (peak of one full-velocity voice)", 0.0f, 1.0f, 0.25f},
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

// Adds voice v to out[0..n-1].
static void render_voice(synth *s, voice *v, float *out, int n) {
    int wave = (int)lrintf(s->p[CN_SYNTH_P_WAVEFORM]);
    float g = v->amp * s->p[CN_SYNTH_P_GAIN];
    for (int i = 0; i < n && v->stage != ENV_OFF; i++) {
        float e = envelope(s, v);
        out[i] += g * e * (float)oscillator(wave, v->phase, v->dt);
        v->phase += v->dt;
        if (v->phase >= 1.0) v->phase -= 1.0;
    }
}

static void release(synth *s, voice *v) {
    if (v->stage == ENV_OFF || v->stage == ENV_RELEASE) return;
    v->stage = ENV_RELEASE;
    v->rel_step = (float)(v->level / (s->p[CN_SYNTH_P_RELEASE] * s->rate));
    if (v->rel_step <= 0.0f) v->stage = ENV_OFF; // silent already
}

static void note_on(synth *s, int pitch, int velocity) {
    voice *v = NULL;
    for (int i = 0; i < CN_SYNTH_VOICES && !v; i++)
        if (s->v[i].stage == ENV_OFF) v = &s->v[i];
    if (!v) { // all busy: steal the oldest
        v = &s->v[0];
        for (int i = 1; i < CN_SYNTH_VOICES; i++)
            if (s->v[i].age < v->age) v = &s->v[i];
    }
    double f0 = 440.0 * pow(2.0, (pitch - 69) / 12.0);
    float amp = (float)(velocity < 127 ? velocity : 127) / 127.0f;
    *v = (voice){.stage = ENV_ATTACK, .pitch = pitch, .amp = amp, .dt = f0 / s->rate,
                 .age = s->n_notes++};
}

static void apply_event(synth *s, const cn_note_event *ev) {
    switch (ev->type) {
    case CN_EV_NOTE_ON:
    case CN_EV_NOTE_OFF:
        if (ev->type == CN_EV_NOTE_ON && ev->velocity > 0) {
            note_on(s, ev->pitch, ev->velocity);
            break;
        }
        // a note-off, or a note-on with velocity 0 (the MIDI convention for one)
        for (int i = 0; i < CN_SYNTH_VOICES; i++)
            if (s->v[i].pitch == ev->pitch) release(s, &s->v[i]);
        break;
    case CN_EV_ALL_OFF:
        for (int i = 0; i < CN_SYNTH_VOICES; i++) release(s, &s->v[i]);
        break;
    }
}

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
    s->n_ev = 0;
    return CN_OK;
}

// Worker thread: no allocation, locks or I/O.
static void synth_note_event(void *self, const cn_note_event *ev) {
    synth *s = self;
    if (s->n_ev == CN_SYNTH_MAX_EVENTS || ev->pitch < 0 || ev->pitch > 127) return;
    int i = s->n_ev++;
    while (i > 0 && s->ev[i - 1].frame > ev->frame) { // insertion keeps equal frames in order
        s->ev[i] = s->ev[i - 1];
        i--;
    }
    s->ev[i] = *ev;
}

// Worker thread: no allocation, locks or I/O.
static void synth_process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)in;
    synth *s = self;
    memset(out, 0, sizeof(float) * (size_t)frames);
    int pos = 0, used = 0;
    for (;;) {
        int end = frames;
        if (used < s->n_ev && s->ev[used].frame < start + frames) {
            int64_t rel = s->ev[used].frame - start;
            end = rel < pos ? pos : (int)rel; // late events apply at once
        }
        for (int i = 0; i < CN_SYNTH_VOICES; i++)
            if (s->v[i].stage != ENV_OFF) render_voice(s, &s->v[i], out + pos, end - pos);
        pos = end;
        if (end == frames) break;
        apply_event(s, &s->ev[used++]);
    }
    s->n_ev -= used;
    memmove(s->ev, s->ev + used, sizeof(cn_note_event) * (size_t)s->n_ev);
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
    .description = "32-voice PolyBLEP oscillator synth with ADSR (tests, fallback)",
    .kind = CN_PLUGIN_GENERATOR,
    .params = params,
    .n_params = CN_SYNTH_N_PARAMS,
    .create = synth_create,
    .prepare = synth_prepare,
    .process = synth_process,
    .note_event = synth_note_event,
    .set_param = synth_set_param,
    .tail_frames = synth_tail_frames,
    .destroy = synth_destroy,
};
