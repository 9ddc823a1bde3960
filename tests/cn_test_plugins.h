// cn_test_plugins.h: tiny plugins for engine tests (header-only, static): a sine
// generator whose notes start at their exact event frame, and a gain effect. They let
// the graph tests run without the dsp/ plugins.
#ifndef CN_TEST_PLUGINS_H
#define CN_TEST_PLUGINS_H
#include <math.h>
#include <stdlib.h>

#include "engine/cn_plugin.h"

typedef struct {
    double rate, phase, freq;
    int on;
    float level;
} test_sine;

static cn_status test_sine_create(const char *args, void **out) {
    (void)args;
    test_sine *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "oom");
    s->level = 1.0f;
    *out = s;
    return CN_OK;
}
static cn_status test_sine_prepare(void *self, double rate, int max_frames) {
    (void)max_frames;
    ((test_sine *)self)->rate = rate;
    return CN_OK;
}
static void test_sine_event(void *self, const cn_note_event *ev) {
    test_sine *s = self;
    if (ev->type == CN_EV_NOTE_ON) {
        s->on = 1;
        s->phase = 0;
        s->freq = 440.0 * pow(2.0, (ev->pitch - 69) / 12.0);
    } else {
        s->on = 0;
    }
}
static void test_sine_process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)start;
    (void)in;
    test_sine *s = self;
    for (int i = 0; i < frames; i++) {
        // The first sample of a note is 1.0 so tests can find the onset exactly.
        out[i] = s->on ? (float)cos(s->phase) * s->level : 0.0f;
        if (s->on) s->phase += 2 * M_PI * s->freq / s->rate;
    }
}
static void test_sine_set(void *self, int index, float v) {
    if (index == 0) ((test_sine *)self)->level = v;
}
static int64_t test_sine_tail(void *self) {
    (void)self;
    return 100;
}
static void test_sine_destroy(void *self) { free(self); }

static const cn_param_desc test_sine_params[] = {{"level", "output level", 0.0f, 1.0f, 1.0f}};

static const cn_plugin_desc test_sine_plugin = {
    CN_PLUGIN_ABI_VERSION, "testsine", "Test sine", "sine per note, for engine tests",
    CN_PLUGIN_GENERATOR, test_sine_params, 1, test_sine_create, test_sine_prepare,
    test_sine_process, test_sine_event, test_sine_set, test_sine_tail, test_sine_destroy, NULL, NULL, NULL, NULL, NULL};

typedef struct {
    float gain;
} test_gain;

static cn_status test_gain_create(const char *args, void **out) {
    if (args) return cn_fail(CN_ERR_ARG, "testgain: unknown argument '%s'", args);
    test_gain *g = calloc(1, sizeof *g);
    if (!g) return cn_fail(CN_ERR_NOMEM, "oom");
    g->gain = 1.0f;
    *out = g;
    return CN_OK;
}
static cn_status test_gain_prepare(void *self, double rate, int max_frames) {
    (void)self;
    (void)rate;
    (void)max_frames;
    return CN_OK;
}
static void test_gain_process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)start;
    for (int i = 0; i < frames; i++) out[i] = in[i] * ((test_gain *)self)->gain;
}
static void test_gain_set(void *self, int index, float v) {
    if (index == 0) ((test_gain *)self)->gain = v;
}
static int64_t test_gain_tail(void *self) {
    (void)self;
    return 7;
}

static const cn_param_desc test_gain_params[] = {{"gain", "linear gain", 0.0f, 4.0f, 1.0f}};

static const cn_plugin_desc test_gain_plugin = {
    CN_PLUGIN_ABI_VERSION, "testgain", "Test gain", "multiplies by a gain",
    CN_PLUGIN_EFFECT, test_gain_params, 1, test_gain_create, test_gain_prepare,
    test_gain_process, NULL, test_gain_set, test_gain_tail, test_sine_destroy, NULL, NULL, NULL, NULL, NULL};
#endif
