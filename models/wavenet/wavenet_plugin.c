// wavenet_plugin.c: the WaveNet generator plugin (cn_wavenet_plugin.h): preset and model
// loading in create(), buffers and the optional resampler in prepare(), and a process()
// that renders model-rate samples on demand without allocating.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_kv.h"
#include "core/cn_paths.h"
#include "dsp/cn_resample.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_synth.h"

#define WN_PATH_MAX 4096
#define WN_INNER_MAX 1024 // model-rate samples rendered per resampler feed

static const cn_param_desc wn_params[CN_WN_N_PARAMS] = {
    {"temperature", "sampling temperature (0 = always the most likely sample)", 0.0f, 2.0f, 0.0f},
    {"gain", "output gain, linear", 0.0f, 8.0f, 1.0f},
};

typedef struct wn_plugin {
    cn_wn_model *model;
    cn_wn_synth *synth;
    uint64_t seed;
    float gain;
    double rate;
    cn_resampler *rs;        // NULL when rate == model rate
    float *inner;            // [WN_INNER_MAX] model-rate samples not yet resampled
    size_t inner_pos, inner_n;
    // Output stage: the model's samples carry a small offset that it holds through rests;
    // a DC blocker removes it, and a gate fades the voice out after its release, so rests
    // and the file's end are silent (no step).
    int sounding;            // pitch of the held note, -1 when none
    int64_t since_off;       // output samples since the note was released
    float gate, dc_x1, dc_y1, dc_r;
} wn_plugin;

#define WN_RELEASE_HOLD_S 0.06 // the model's own release sounds this long at full level,
#define WN_RELEASE_FADE_S 0.12 // then the gate fades it out over this
#define WN_ATTACK_S 0.002      // a new note opens the gate this fast (no click)
#define WN_DC_HZ 10.0          // DC blocker corner

// Read a preset: model path (resolved against the preset's folder), instrument, and the
// parameters it sets, checked against the plugin's parameter table.
static cn_status wn_read_preset(const char *path, char *model, char *instrument, float *temp, float *gain) {
    cn_preset_info in;
    cn_status st = cn_preset_read_info(path, &in);
    if (!st && !in.instrument[0])
        st = cn_fail(CN_ERR_FORMAT, "preset %s names no \"instrument\" (a melody preset?)", path);
    if (!st && strlen(in.instrument) >= CN_WN_NAME_MAX)
        st = cn_fail(CN_ERR_FORMAT, "preset %s: instrument name too long", path);
    if (!st) st = cn_preset_model_path(path, &in, model, WN_PATH_MAX);
    const double values[CN_WN_N_PARAMS] = {in.temperature, in.gain};
    for (int i = 0; i < CN_WN_N_PARAMS && !st; i++)
        if (!isnan(values[i]) && (values[i] < wn_params[i].min || values[i] > wn_params[i].max))
            st = cn_fail(CN_ERR_RANGE, "preset %s: %s %g is outside [%g, %g]", path, wn_params[i].name, values[i],
                         (double)wn_params[i].min, (double)wn_params[i].max);
    if (st) return st;
    strcpy(instrument, in.instrument);
    if (!isnan(in.temperature)) *temp = (float)in.temperature;
    if (!isnan(in.gain)) *gain = (float)in.gain;
    return CN_OK;
}

// The preset file for a name or path; the error names the instruments that exist.
static cn_status wn_find_preset(const char *p, char *path) {
    cn_status st = cn_preset_find(p, "wavenet-", NULL, path, WN_PATH_MAX);
    if (st == CN_ERR_ARG) {
        char names[512];
        cn_presets_names("wavenet-", 1, names, sizeof names);
        return cn_fail(CN_ERR_ARG, "wavenet: no instrument or preset '%s' (instruments: %s)", p,
                       *names ? names : "none");
    }
    return st;
}

static cn_status wn_create(const char *args, void **out) {
    *out = NULL;
    char instrument[CN_WN_NAME_MAX] = "", preset[WN_PATH_MAX] = "", model[WN_PATH_MAX] = "";
    uint64_t seed = 1;
    float temp = wn_params[CN_WN_PARAM_TEMPERATURE].def, gain = wn_params[CN_WN_PARAM_GAIN].def;
    cn_kv kv;
    cn_status st = CN_OK;
    for (const char *p = args; cn_kv_next(&p, "wavenet", &kv, &st);) {
        char num[20];
        if (cn_kv_is(&kv, "instrument")) st = cn_kv_value(&kv, "wavenet", instrument, sizeof instrument);
        else if (cn_kv_is(&kv, "preset")) st = cn_kv_value(&kv, "wavenet", preset, sizeof preset);
        else if (cn_kv_is(&kv, "model")) st = cn_kv_value(&kv, "wavenet", model, sizeof model);
        else if (cn_kv_is(&kv, "seed") && !(st = cn_kv_value(&kv, "wavenet", num, sizeof num))) {
            char *end;
            seed = strtoull(num, &end, 10);
            if (*end) st = cn_fail(CN_ERR_ARG, "wavenet: seed '%s' is not a number", num);
        } else if (!st)
            st = cn_fail(CN_ERR_ARG, "wavenet: unknown argument '%.*s' (instrument, preset, model, seed)",
                         (int)kv.item_len, kv.item);
        if (st) return st;
    }
    if (st) return st;
    size_t pl = strlen(preset);
    if (!model[0] && pl > 12 && !strcmp(preset + pl - 12, ".safetensors")) { // a model file
        memcpy(model, preset, pl + 1);
        preset[0] = 0;
    }
    char path[WN_PATH_MAX];

    if (!model[0]) {
        const char *name = preset[0] ? preset : instrument[0] ? instrument : "flute";
        char pinst[CN_WN_NAME_MAX];
        if ((st = wn_find_preset(name, path)) || (st = wn_read_preset(path, model, pinst, &temp, &gain)))
            return st;
        if (!preset[0] || !instrument[0]) strcpy(instrument, pinst); // preset + instrument: pick it in the preset's model
    }
    wn_plugin *w = calloc(1, sizeof *w);
    if (!w) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    w->seed = seed;
    w->gain = gain;
    st = cn_wn_load(model, &w->model, NULL, NULL, NULL);
    if (st) goto fail;
    int idx = instrument[0] ? cn_wn_instrument_index(&w->model->cfg, instrument) : 0;
    if (idx < 0) {
        char list[CN_WN_MAX_INSTRUMENTS * (CN_WN_NAME_MAX + 2)] = "";
        for (int i = 0; i < w->model->cfg.n_instruments; i++) {
            if (i) strcat(list, ", ");
            strcat(list, w->model->cfg.instruments[i]);
        }
        st = cn_fail(CN_ERR_ARG, "wavenet: unknown instrument '%s' (%s has: %s)", instrument, model,
                     list);
        goto fail;
    }
    st = cn_wn_synth_create(w->model, idx, temp, seed, &w->synth);
    if (st) goto fail;
    *out = w;
    return CN_OK;
fail:
    cn_wn_synth_destroy(w->synth);
    cn_wn_destroy(w->model);
    free(w);
    return st;
}

static void wn_destroy(void *self) {
    wn_plugin *w = self;
    if (!w) return;
    cn_wn_synth_destroy(w->synth);
    cn_wn_destroy(w->model);
    cn_resampler_destroy(w->rs);
    free(w->inner);
    free(w);
}

static cn_status wn_prepare(void *self, double rate, int max_frames) {
    wn_plugin *w = self;
    (void)max_frames; // the synth renders any block length without buffers of its own
    w->rate = rate;
    cn_resampler_destroy(w->rs);
    w->rs = NULL;
    free(w->inner);
    w->inner = NULL;
    w->inner_pos = w->inner_n = 0;
    w->sounding = -1;
    w->since_off = INT64_MAX / 2;
    w->gate = 0.0f;
    w->dc_x1 = w->dc_y1 = 0.0f;
    w->dc_r = (float)exp(-2.0 * M_PI * WN_DC_HZ / rate);
    cn_wn_synth_reset(w->synth, w->seed);
    if (rate == (double)w->model->cfg.sample_rate) return CN_OK;
    w->inner = malloc(WN_INNER_MAX * sizeof(float));
    if (!w->inner) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    return cn_resampler_create(w->model->cfg.sample_rate, rate, CN_RESAMPLE_MEDIUM, &w->rs);
}

// Worker thread: no allocation, locks or I/O.
static void wn_note_event(void *self, const cn_note_event *ev) {
    wn_plugin *w = self;
    if (ev->type == CN_EV_NOTE_ON) {
        cn_wn_synth_note_on(w->synth, ev->pitch, ev->velocity);
        w->sounding = ev->pitch;
    } else if (ev->type == CN_EV_NOTE_OFF) {
        cn_wn_synth_note_off(w->synth, ev->pitch);
        if (ev->pitch == w->sounding) w->sounding = -1, w->since_off = 0;
    } else {
        cn_wn_synth_all_off(w->synth);
        if (w->sounding >= 0) w->sounding = -1, w->since_off = 0;
    }
}

// DC blocker, then the gate (open while a note sounds, then hold, then a linear fade).
static void wn_output_stage(wn_plugin *w, float *out, int frames) {
    const float up = (float)(1.0 / (WN_ATTACK_S * w->rate));
    const int64_t hold = (int64_t)(WN_RELEASE_HOLD_S * w->rate);
    const float down = (float)(1.0 / (WN_RELEASE_FADE_S * w->rate));
    for (int i = 0; i < frames; i++) {
        float x = out[i], y = x - w->dc_x1 + w->dc_r * w->dc_y1;
        w->dc_x1 = x;
        w->dc_y1 = y;
        if (w->sounding >= 0) w->gate = w->gate + up < 1.0f ? w->gate + up : 1.0f;
        else if (w->since_off++ >= hold) w->gate = w->gate - down > 0.0f ? w->gate - down : 0.0f;
        out[i] = y * w->gate * w->gain;
    }
}

// Worker thread: no allocation, locks or I/O. At another rate, model samples are rendered
// just in time for the converter, so events land within one converter feed.
static void wn_process(void *self, int64_t start, const float *in, float *out, int frames) {
    wn_plugin *w = self;
    (void)start;
    (void)in;
    if (!w->rs) {
        cn_wn_synth_render(w->synth, out, frames);
    } else {
        size_t made_total = 0;
        int guard = 0;
        while (made_total < (size_t)frames && guard++ < 1 << 16) {
            if (w->inner_pos == w->inner_n) {
                double ratio = (double)w->model->cfg.sample_rate / w->rate;
                size_t want = (size_t)((double)((size_t)frames - made_total) * ratio) + 1;
                if (want > WN_INNER_MAX) want = WN_INNER_MAX;
                cn_wn_synth_render(w->synth, w->inner, (int)want);
                w->inner_pos = 0;
                w->inner_n = want;
            }
            size_t used = 0, made = 0;
            if (cn_resampler_process(w->rs, w->inner + w->inner_pos, w->inner_n - w->inner_pos,
                                     out + made_total, (size_t)frames - made_total, 0, &used, &made))
                break;
            w->inner_pos += used;
            made_total += made;
        }
        for (size_t i = made_total; i < (size_t)frames; i++) out[i] = 0.0f;
    }
    wn_output_stage(w, out, frames);
}

static void wn_set_param(void *self, int index, float value) {
    wn_plugin *w = self;
    if (index < 0 || index >= CN_WN_N_PARAMS) return;
    const cn_param_desc *d = &wn_params[index];
    value = value < d->min ? d->min : value > d->max ? d->max : value;
    if (index == CN_WN_PARAM_TEMPERATURE) cn_wn_synth_set_temperature(w->synth, value);
    else w->gain = value;
}

static int64_t wn_tail_frames(void *self) {
    wn_plugin *w = self;
    return (int64_t)((WN_RELEASE_HOLD_S + WN_RELEASE_FADE_S + 0.01) * w->rate); // 10 ms after the gate closed
}

const cn_plugin_desc cn_wavenet_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "wavenet",
    .name = "WaveNet",
    .description = "autoregressive WaveNet driven by notes and a harmonic excitation (monophonic)",
    .kind = CN_PLUGIN_GENERATOR,
    .params = wn_params,
    .n_params = CN_WN_N_PARAMS,
    .create = wn_create,
    .prepare = wn_prepare,
    .process = wn_process,
    .note_event = wn_note_event,
    .set_param = wn_set_param,
    .tail_frames = wn_tail_frames,
    .destroy = wn_destroy,
};
