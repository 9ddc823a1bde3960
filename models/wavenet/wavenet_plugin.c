// wavenet_plugin.c: the WaveNet generator plugin (cn_wavenet_plugin.h): preset and model
// loading in create(), voices and the resamplers in prepare(), and a process_stereo()
// that renders every sounding voice at the model's rate, then converts the stereo mix to
// the output rate, without allocating.
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_kv.h"
#include "core/cn_paths.h"
#include "dsp/cn_declick.h"
#include "dsp/cn_resample.h"
#include "dsp/cn_voices.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_gm.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_follow.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

#define WN_PATH_MAX 4096
#define WN_CHUNK 256        // model samples rendered per voice at a time
#define WN_LOOKAHEAD 128    // model samples rendered ahead of the resampler (> its filter's half length)
#define WN_ATTACK_S 0.002      // a new note opens the gate this fast (no click)
#define WN_GLIDE_S 0.002       // a sounding voice's gain follows a change with this time constant
#define WN_DC_HZ 10.0          // DC blocker corner
#define WN_DECLICK_SPAN_S 6e-5 // the model's jump at a note-off: bridged over this (3 samples at 48 kHz),
#define WN_DECLICK_S 0.002     // then glides over this (cn_declick)
#define WN_STEAL_FADE_S 0.001  // a stolen voice's last value decays with this time constant
#define WN_QUEUE_LOW_S 0.02    // live with an output queue: voices are cut when it would fall under this,
#define WN_HOT_MARGIN 0.05     // or when they take more than the budget plus this over ~0.5 s

static const cn_param_desc wn_params[CN_WN_N_PARAMS] = {
    {"temperature", "sampling temperature (0 = always the most likely sample)", 0.0f, 2.0f, 0.0f},
    {"gain", "output gain, linear", 0.0f, 8.0f, 1.0f},
    {"voices", "voices at most; more notes steal the oldest", 1.0f, (float)CN_VOICES_MAX, 16.0f},
    {"budget",
     "live: share of real time the voices may take; over it the oldest are stolen when the output queue runs low "
     "(or there is none) or when they take more than it + 0.05 over about 0.5 s (0 = no limit)",
     0.0f, 1.0f, 0.0f},
    {"threads", "threads rendering the voices (0 = one per core)", 0.0f, (float)CN_WN_POLY_MAX_THREADS, 0.0f},
    {"weights", "the generator's weights: 0 as the model's size chooses, 1 float, 2 half, 3 bf16, 4 int8", 0.0f,
     (float)CN_WN_WEIGHTS_I8, 0.0f},
    {"queued", "live: seconds of audio queued for the output as a block starts (the host sets it; -1 = no queue)",
     -1.0f, 60.0f, -1.0f},
};

// The sound of one voice slot (which note it plays is in wn_plugin.vs.v[slot]). Output
// stage: the model's samples carry a small offset that it holds through rests; a DC
// blocker removes it, and a gate fades the voice out after its release, so rests and the
// file's end are silent (no step), and the slot is then freed. The model's output jumps
// when it hears the note-off; a declicker turns that step into a glide.
typedef struct wn_voice {
    cn_wn_follow level; // the note's level gain: the table's, or following its target (cn_wn_follow.h)
    float gain;         // the gain applied now: glides to the note's (a legato note's level,
                        // a volume change) instead of stepping in a sounding waveform
    float gate, dc_x1, dc_y1;
    int inst, pitch;    // the note's, for its decay table (cn_wn_decay_apply)
    int64_t since_on;   // model samples since the note began
    cn_wn_eq_state eq;  // its instrument's spectrum table (cn_wn_eq.h), from silence
    int64_t since_off;  // model samples since the release began, -1 while held
    cn_declick declick; // on the model's own samples, marked at the note-off
    float last_l, last_r; // what it added to the mix at its last sample
} wn_voice;

typedef struct wn_plugin {
    cn_wn_model *model;
    int fixed_instrument;    // -1: each channel's General MIDI program chooses (cn_wn_gm.h)
    uint64_t seed;
    float temperature, gain;
    int n_voices;            // voice synths made in prepare() (the "voices" parameter)
    int threads;             // the "threads" parameter (0: one per core)
    int weights;             // the "weights" parameter (CN_WN_WEIGHTS_*)
    double rate, ratio;      // output rate; model rate / output rate
    int64_t lookahead;       // model samples rendered ahead of the output (0 without resampler)
    float dc_r, up, down;    // output stage constants at the model rate
    float glide;             // per-sample coefficient of a voice's gain glide (WN_GLIDE_S)
    cn_wn_eq eq[CN_WN_MAX_INSTRUMENTS]; // each instrument's spectrum table at the model rate
    cn_wn_follow_plan *follow;          // the voices' level followers' constants (cn_wn_follow.h)
    int64_t hold;
    cn_voices vs;
    cn_wn_poly *poly;        // the voices' WaveNet streams, rendered as one batch
    wn_voice voice[CN_VOICES_MAX];
    int active[CN_VOICES_MAX]; // scratch: the slots sounding in this chunk
    cn_resampler *rs[2];     // left, right; NULL when rate == model rate
    float *inner[2];         // model-rate mix not yet resampled, [inner_cap] each
    size_t inner_n, inner_cap;
    int64_t model_pos;       // model samples rendered
    float *vbuf;             // [n_voices][WN_CHUNK] the voices' samples
    // CPU budget (live): the load (render time / audio time, smoothed) of the voices; the
    // voice cap follows it and the output queue (wn_track_load).
    float budget, load;
    float load_slow;         // the load over ~0.5 s
    float load_others;       // the other parts' load (a plugin with several models)
    double queued, queued_at; // the output queue's seconds (-1: none) and when the host said so
    // A stolen voice stops between two samples; what it last added to the mix decays from
    // there (time constant WN_STEAL_FADE_S) instead of vanishing in one step: no click.
    float steal_l, steal_r, steal_k;
    int64_t cap_changed;     // model_pos of the last cap change
} wn_plugin;

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
    const double values[] = {in.temperature, in.gain}; // the parameters a preset may set
    for (int i = 0; i < (int)(sizeof values / sizeof *values) && !st; i++)
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

// Find and read the preset `name`: wavenet-NAME.json in dir, or found by name or path
// when dir is empty (wn_find_preset); outputs as wn_read_preset.
static cn_status wn_load_preset(const char *dir, const char *name, char *model, char *instrument, float *temp,
                                float *gain) {
    char path[WN_PATH_MAX];
    cn_status st = CN_OK;
    if (!dir[0]) st = wn_find_preset(name, path);
    else if (snprintf(path, sizeof path, "%s/wavenet-%s.json", dir, name) >= (int)sizeof path)
        st = cn_fail(CN_ERR_RANGE, "wavenet: presets folder path too long");
    return st ? st : wn_read_preset(path, model, instrument, temp, gain);
}

typedef struct wn_set wn_set;
static void part_destroy(wn_plugin *w);
static cn_status wn_set_wrap(wn_plugin **parts, int n, void **out);
static cn_status wn_set_create(const char *dir, const char *const *presets, int n, uint64_t seed, void **out);

// One model and its voices, playing `instrument` of the model (NULL or "": its first),
// or with from_programs each channel's program's choice among its instruments.
static cn_status part_create(const char *model, const char *instrument, int from_programs, uint64_t seed,
                             float temp, float gain, wn_plugin **out) {
    wn_plugin *w = calloc(1, sizeof *w);
    if (!w) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    w->seed = seed;
    w->gain = gain;
    w->temperature = temp;
    w->n_voices = (int)wn_params[CN_WN_PARAM_VOICES].def;
    w->queued = wn_params[CN_WN_PARAM_QUEUED].def;
    cn_status st = cn_wn_load(model, &w->model, NULL, NULL, NULL);
    if (st) goto fail;
    int idx = instrument && instrument[0] ? cn_wn_instrument_index(&w->model->cfg, instrument) : 0;
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
    w->fixed_instrument = from_programs ? -1 : idx;
    *out = w;
    return CN_OK;
fail:
    cn_wn_destroy(w->model);
    free(w);
    return st;
}

static cn_status wn_create(const char *args, void **out) {
    *out = NULL;
    char instrument[CN_WN_NAME_MAX] = "", preset[WN_PATH_MAX] = "", model[WN_PATH_MAX] = "";
    char presets[WN_PATH_MAX] = ""; // the folder of the shipped presets (hosts that are not continuo)
    uint64_t seed = 1;
    int programs = 0; // programs=1: the programs choose even with a preset or model given
    float temp = wn_params[CN_WN_PARAM_TEMPERATURE].def, gain = wn_params[CN_WN_PARAM_GAIN].def;
    cn_kv kv;
    cn_status st = CN_OK;
    for (const char *p = args; cn_kv_next(&p, "wavenet", &kv, &st);) {
        char num[20];
        if (cn_kv_is(&kv, "instrument")) st = cn_kv_value(&kv, "wavenet", instrument, sizeof instrument);
        else if (cn_kv_is(&kv, "preset")) st = cn_kv_value(&kv, "wavenet", preset, sizeof preset);
        else if (cn_kv_is(&kv, "presets")) st = cn_kv_value(&kv, "wavenet", presets, sizeof presets);
        else if (cn_kv_is(&kv, "model")) st = cn_kv_value(&kv, "wavenet", model, sizeof model);
        else if (cn_kv_is(&kv, "programs") && !(st = cn_kv_value(&kv, "wavenet", num, sizeof num))) {
            if (strcmp(num, "0") && strcmp(num, "1")) st = cn_fail(CN_ERR_ARG, "wavenet: programs '%s' is not 0 or 1", num);
            programs = num[0] == '1';
        } else if (cn_kv_is(&kv, "seed") && !(st = cn_kv_value(&kv, "wavenet", num, sizeof num))) {
            char *end;
            seed = strtoull(num, &end, 10);
            if (*end) st = cn_fail(CN_ERR_ARG, "wavenet: seed '%s' is not a number", num);
        } else if (!st)
            st = cn_fail(CN_ERR_ARG, "wavenet: unknown argument '%.*s' (instrument, preset, presets, model, programs, seed)",
                         (int)kv.item_len, kv.item);
        if (st) return st;
    }
    if (st) return st;
    if (!model[0] && (cn_has_suffix(preset, ".safetensors") || cn_has_suffix(preset, ".ckpt"))) {
        // a model file, or a training checkpoint (its optimizer state is not read)
        memcpy(model, preset, strlen(preset) + 1);
        preset[0] = 0;
    }
    // A bare model file name: here, else in the user's or the shipped preset folder
    // ("--preset wavenet-gm3.safetensors"); cn_preset_find tries each.
    if (model[0] && !strchr(model, '/') && !cn_preset_find(model, NULL, "", preset, sizeof preset)) {
        memcpy(model, preset, strlen(preset) + 1);
        preset[0] = 0;
    }
    // No instrument and no preset (none, or only a model file): each channel's program
    // chooses the instrument, among the shipped models' (CN_WN_GM_PRESETS) or the model given.
    const int from_programs = programs || (!instrument[0] && !preset[0]);
    if (from_programs && !model[0] && !preset[0] && !instrument[0]) // every shipped model
        return wn_set_create(presets, CN_WN_GM_PRESETS, CN_WN_GM_N_PRESETS, seed, out);
    if (!model[0]) {
        const char *name = preset[0] ? preset : instrument;
        char pinst[CN_WN_NAME_MAX];
        if ((st = wn_load_preset("", name, model, pinst, &temp, &gain))) return st;
        if (!preset[0] || !instrument[0]) strcpy(instrument, pinst); // preset + instrument: pick it in the preset's model
    }
    wn_plugin *w;
    if ((st = part_create(model, instrument, from_programs, seed, temp, gain, &w))) return st;
    return wn_set_wrap(&w, 1, out);
}

static void wn_free_voices(wn_plugin *w) {
    cn_wn_poly_destroy(w->poly);
    w->poly = NULL;
    for (int c = 0; c < 2; c++) {
        cn_resampler_destroy(w->rs[c]);
        free(w->inner[c]);
        w->rs[c] = NULL;
        w->inner[c] = NULL;
    }
    free(w->vbuf);
    w->vbuf = NULL;
    cn_wn_follow_plan_destroy(w->follow);
    w->follow = NULL;
}

static void part_destroy(wn_plugin *w) {
    if (!w) return;
    wn_free_voices(w);
    cn_wn_destroy(w->model);
    free(w);
}

static cn_status part_prepare(wn_plugin *w, double rate, int max_frames) {
    wn_free_voices(w);
    const double mrate = w->model->cfg.sample_rate;
    w->rate = rate;
    w->ratio = mrate / rate;
    w->model_pos = 0;
    w->inner_n = 0;
    w->load = w->load_slow = 0.0f;
    w->cap_changed = 0;
    w->dc_r = (float)exp(-2.0 * M_PI * WN_DC_HZ / mrate);
    w->up = (float)(1.0 / (WN_ATTACK_S * mrate));
    w->glide = (float)(1.0 - exp(-1.0 / (WN_GLIDE_S * mrate)));
    w->down = (float)(1.0 / (CN_WN_RELEASE_FADE_S * mrate));
    w->hold = (int64_t)(CN_WN_RELEASE_HOLD_S * mrate);
    w->steal_k = (float)exp(-1.0 / (WN_STEAL_FADE_S * mrate));
    w->steal_l = w->steal_r = 0.0f;
    for (int i = 0; i < w->model->cfg.n_instruments; i++) cn_wn_eq_make(w->model, i, &w->eq[i]);
    cn_voices_init(&w->vs, w->n_voices);
    if (!(w->vbuf = malloc((size_t)w->n_voices * WN_CHUNK * sizeof *w->vbuf)))
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    cn_status st = cn_wn_weights_check(w->weights);
    w->model->gen_weights = w->weights;
    if (!st) st = cn_wn_follow_plan_create(w->model, &w->follow);
    if (!st) st = cn_wn_poly_create(w->model, w->n_voices, w->temperature, &w->poly);
    if (!st) st = cn_wn_poly_set_threads(w->poly, w->threads > 0 ? w->threads : cn_wn_poly_default_threads());
    if (st) return st;
    w->lookahead = rate == mrate ? 0 : WN_LOOKAHEAD;
    if (!w->lookahead) return CN_OK;
    // The mix waits here for the converters: one block's worth at the model rate plus the
    // lookahead, and room for what they did not take yet.
    w->inner_cap = (size_t)(2.0 * max_frames * w->ratio) + 2 * WN_LOOKAHEAD + 2 * WN_CHUNK + 16;
    for (int c = 0; c < 2; c++) {
        if (!(w->inner[c] = malloc(w->inner_cap * sizeof(float)))) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
        if ((st = cn_resampler_create(mrate, rate, CN_RESAMPLE_MEDIUM, &w->rs[c]))) return st;
    }
    return CN_OK;
}

// ---- voices (worker thread: no allocation, locks or I/O) -----------------------------------

// The voice stops here: its last contribution to the mix fades out in the steal tail.
static void voice_fade_out(wn_plugin *w, wn_voice *v) {
    w->steal_l += v->last_l;
    w->steal_r += v->last_r;
    v->last_l = v->last_r = 0.0f;
}

static int channel_instrument(const wn_plugin *w, int channel) {
    return w->fixed_instrument >= 0 ? w->fixed_instrument
                                    : cn_wn_gm_instrument(&w->model->cfg, w->vs.ch[channel].program);
}

static void voice_start(void *self, int slot, int how) {
    wn_plugin *w = self;
    const cn_voice *mv = &w->vs.v[slot];
    wn_voice *v = &w->voice[slot];
    const int inst = channel_instrument(w, mv->channel);
    if (how == CN_VOICE_STOLEN) voice_fade_out(w, v); // the new note starts at once, from silence
    if (how != CN_VOICE_LEGATO) {
        // A fresh voice starts from silence, with its own draw sequence (seed and note order).
        cn_wn_poly_reset(w->poly, slot, inst, w->seed + 0x9E3779B97F4A7C15ull * (mv->age + 1));
        v->gate = v->dc_x1 = v->dc_y1 = 0.0f;
        v->gain = -1.0f; // none yet: the first block starts at the note's gain
        cn_wn_eq_reset(&w->eq[inst], &v->eq);
        cn_declick_init(&v->declick, w->model->cfg.sample_rate, WN_DECLICK_SPAN_S, WN_DECLICK_S);
    } // legato: the stream, its filters and gate go on from the released note (voice_legato)
    // The model always hears CN_WN_LEVEL_VELOCITY: the shipped one's level does not follow
    // its velocity input reliably (up to 9 dB off FluidSynth's at 70), so velocity sets the
    // voice's gain instead. cn_voices_gain is 1 at velocity 127.
    cn_wn_poly_bend(w->poly, slot, cn_voices_bend(&w->vs, mv->channel));
    cn_wn_poly_note_on(w->poly, slot, mv->pitch, CN_WN_LEVEL_VELOCITY);
    // cn_voices_gain adds the velocity; a legato note has its own table (cn_wn_levels.h)
    const int legato = how == CN_VOICE_LEGATO;
    cn_wn_follow_note(&v->level, w->follow, cn_wn_note_gain(w->model, inst, mv->pitch, 127, legato), inst,
                      mv->pitch, legato);
    v->inst = inst;
    v->pitch = mv->pitch;
    v->since_on = 0;
    v->since_off = -1;
}

// A released voice still sounding carries on into the channel's next note of the same
// instrument, as one stream: the model learnt melodies so (a tune's audio, the next note
// heard after the last's release), and its attack from silence is slower than
// FluidSynth's (the trumpet 14 dB under its level in the first 10 ms, 5 dB at 30 ms),
// which under the last note's tail read as that note's pitch.
static int voice_legato(void *self, int slot, int pitch) {
    const wn_plugin *w = self;
    (void)pitch;
    return w->model->legato && w->voice[slot].since_off >= 0 &&
           w->voice[slot].inst == channel_instrument(w, w->vs.v[slot].channel);
}

static void voice_release(void *self, int slot) {
    wn_plugin *w = self;
    cn_wn_poly_note_off(w->poly, slot, w->vs.v[slot].pitch);
    w->voice[slot].since_off = 0;
    cn_declick_mark(&w->voice[slot].declick); // the next sample rendered is the first after the off
}

static const cn_voice_ops wn_voice_ops = {voice_start, voice_release, voice_legato};

static void voice_cut(void *self, int slot) { // stolen for the CPU's sake: freed at once
    wn_plugin *w = self;
    voice_fade_out(w, &w->voice[slot]);
}

static double wn_now(void) {
    struct timespec ts; // clock_gettime: a vDSO read, no system call, no lock
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// Live only (budget > 0): a machine too slow for the sounding voices loses voices, never
// samples. The load (render wall time over audio time) is smoothed twice: up over ~20 ms
// and down over 0.1 s (a chord of 48 kHz voices can take several times real time: waiting
// longer would lose samples first, reacting to one slow chunk would steal for a hiccup),
// and over ~0.5 s. The cap follows cn_voices_budget_cap, down at most every 20 ms (the
// oldest voices, released ones first, are stolen) and up by one at most every 0.5 s.
// A host that queues the output ahead of the device (cn_graph_set_queued) lets the queue
// absorb a slow stretch: over the budget, voices are cut only when the queue would run
// low (what is left of it now, less what the next chunk takes from it at this load, under
// WN_QUEUE_LOW_S) or when the voices have taken more than the budget + WN_HOT_MARGIN of
// real time over ~0.5 s (real-time render threads that run flat out starve the audio
// server: with 0.95 JACK's dummy driver reported twice the xruns at the 0.8 budget `play`
// gives; a lower budget leaves more to other programs); otherwise the cap rises to the voice
// limit. The load alone misjudges a batch (two voices cost as much as two alone, four far
// less than four) and spikes: the 48 kHz chorale lost 31 of its 32 notes' voices so.
static void wn_track_load(wn_plugin *w, double seconds, double t, int n) {
    const double mrate = w->model->cfg.sample_rate, audio = n / mrate, now = seconds / audio;
    const double a = audio / (audio + (now > w->load ? 0.02 : 0.1));
    w->load = (float)((1.0 - a) * w->load + a * now);
    const double as = audio / (audio + 0.5);
    w->load_slow = (float)((1.0 - as) * w->load_slow + as * now);
    const int64_t since = w->model_pos - w->cap_changed;
    const int threads = cn_wn_poly_threads(w->poly), queue = w->queued >= 0.0;
    const double drain = audio * fmax(0.0, fmax(now, w->load + w->load_others) - 1.0);
    const int low = !queue || w->queued - (t - w->queued_at) - drain < WN_QUEUE_LOW_S;
    const int cap = cn_voices_budget_cap(&w->vs, w->load + w->load_others, w->load, w->budget, threads);
    const int hot = w->load_slow + w->load_others > w->budget + WN_HOT_MARGIN;
    const int down = cap < w->vs.cap && (low || hot) && since > (int64_t)(0.02 * mrate);
    const int up = since > (int64_t)(0.5 * mrate) && (low || hot ? cap > w->vs.cap : w->vs.cap < w->vs.limit);
    if (down || up) {
        const int before = w->vs.active;
        cn_voices_set_cap(&w->vs, down ? cap : low || hot ? w->vs.cap + 1 : w->vs.limit, voice_cut, w);
        // The smoothed load lags the cut by ~0.1 s: until blocks measure it, it is taken to
        // fall as the cost model says (without this, each 20 ms cut again what the first had
        // already relieved: a four-part 48 kHz chorale fell to one voice).
        if (before > w->vs.active) {
            w->load = cn_voices_load_at(w->load, before, w->vs.active, threads);
            w->load_slow = cn_voices_load_at(w->load_slow, before, w->vs.active, threads);
        }
        w->cap_changed = w->model_pos;
    }
}

// Model samples [model_pos, model_pos + n) of every sounding voice, mixed into l and r
// (n <= WN_CHUNK): decay and spectrum tables, DC blocker, gate, the voice's level and its
// channel's pan.
static void wn_render_mix(wn_plugin *w, float *l, float *r, int n) {
    memset(l, 0, (size_t)n * sizeof *l);
    memset(r, 0, (size_t)n * sizeof *r);
    int na = 0;
    for (int slot = 0; slot < w->vs.limit; slot++)
        if (w->vs.v[slot].state != CN_VOICE_FREE) w->active[na++] = slot;
    const double t0 = w->budget > 0.0f ? wn_now() : 0.0;
    if (na) cn_wn_poly_render(w->poly, w->active, na, w->vbuf, n);
    if (w->budget > 0.0f) {
        const double t1 = wn_now();
        wn_track_load(w, t1 - t0, t1, n);
    }
    for (int a = 0; a < na; a++) {
        const int slot = w->active[a];
        if (w->vs.v[slot].state == CN_VOICE_FREE) continue; // cut by the budget just now
        wn_voice *v = &w->voice[slot];
        float *y = w->vbuf + (size_t)a * n, gl, gr, g = cn_voices_gain(&w->vs, slot) * w->gain, last = 0.0f;
        cn_voices_pan(&w->vs, w->vs.v[slot].channel, &gl, &gr);
        cn_declick_process(&v->declick, y, n);
        cn_wn_decay_apply(w->model, v->inst, v->pitch, v->since_on, y, n); // as `levels` measured it
        cn_wn_eq_process(&w->eq[v->inst], &v->eq, y, n);
        if (v->gain < 0.0f) v->gain = g * v->level.gain;
        for (int i = 0; i < n; i++) {
            float x = y[i], d = x - v->dc_x1 + w->dc_r * v->dc_y1;
            v->dc_x1 = x;
            v->dc_y1 = d;
            const float level = cn_wn_follow_step(&v->level, w->follow, d, v->since_on + i, v->since_off < 0);
            if (v->since_off < 0) v->gate = v->gate + w->up < 1.0f ? v->gate + w->up : 1.0f;
            else if (v->since_off++ >= w->hold) v->gate = v->gate - w->down > 0.0f ? v->gate - w->down : 0.0f;
            v->gain += w->glide * (g * level - v->gain);
            d *= v->gate * v->gain;
            l[i] += gl * d;
            r[i] += gr * d;
            last = d;
        }
        v->since_on += n;
        v->last_l = gl * last;
        v->last_r = gr * last;
        if (v->since_off > w->hold && v->gate == 0.0f) cn_voices_free(&w->vs, slot);
    }
    for (int i = 0; i < n && (w->steal_l != 0.0f || w->steal_r != 0.0f); i++) {
        l[i] += w->steal_l;
        r[i] += w->steal_r;
        w->steal_l *= w->steal_k;
        w->steal_r *= w->steal_k;
        if (fabsf(w->steal_l) + fabsf(w->steal_r) < 1e-9f) w->steal_l = w->steal_r = 0.0f;
    }
    w->model_pos += n;
}

// Events take effect at the model sample reached when they arrive. Blocks end at event
// frames, and the model is always rendered exactly to ceil(frame * ratio) + lookahead,
// so that sample depends on the event's frame alone: live blocks and offline blocks of
// any size give the same audio.
static void part_note_event(wn_plugin *w, const cn_note_event *ev) {
    cn_voices_event(&w->vs, ev, &wn_voice_ops, w);
    if (ev->type != CN_EV_PITCH_BEND || ev->channel < 0 || ev->channel >= CN_MIDI_CHANNELS) return;
    const float bend = cn_voices_bend(&w->vs, ev->channel); // the channel's sounding voices follow
    for (int slot = 0; slot < w->vs.limit; slot++)
        if (w->vs.v[slot].state != CN_VOICE_FREE && w->vs.v[slot].channel == ev->channel)
            cn_wn_poly_bend(w->poly, slot, bend);
}

static void part_process(wn_plugin *w, int64_t start, float *out_l, float *out_r, int frames) {
    if (!w->rs[0]) {
        for (int done = 0; done < frames;) {
            int n = frames - done < WN_CHUNK ? frames - done : WN_CHUNK;
            wn_render_mix(w, out_l + done, out_r + done, n);
            done += n;
        }
        return;
    }
    const int64_t target = (int64_t)ceil((double)(start + frames) * w->ratio) + w->lookahead;
    while (w->model_pos < target && w->inner_n < w->inner_cap) {
        int64_t n = target - w->model_pos;
        if (n > WN_CHUNK) n = WN_CHUNK;
        if (n > (int64_t)(w->inner_cap - w->inner_n)) n = (int64_t)(w->inner_cap - w->inner_n);
        wn_render_mix(w, w->inner[0] + w->inner_n, w->inner[1] + w->inner_n, (int)n);
        w->inner_n += (size_t)n;
    }
    size_t used = 0, made = 0;
    float *out[2] = {out_l, out_r};
    for (int c = 0; c < 2; c++) { // the same input, so both convert the same counts
        if (cn_resampler_process(w->rs[c], w->inner[c], w->inner_n, out[c], (size_t)frames, 0, &used, &made))
            used = made = 0;
        for (size_t i = made; i < (size_t)frames; i++) out[c][i] = 0.0f;
        memmove(w->inner[c], w->inner[c] + used, (w->inner_n - used) * sizeof(float));
    }
    w->inner_n -= used;
}

static void part_set_param(wn_plugin *w, int index, float value) {
    if (index < 0 || index >= CN_WN_N_PARAMS || value != value) return;
    const cn_param_desc *d = &wn_params[index];
    value = value < d->min ? d->min : value > d->max ? d->max : value;
    if (index == CN_WN_PARAM_TEMPERATURE) {
        w->temperature = value;
        if (w->poly) cn_wn_poly_set_temperature(w->poly, value);
    } else if (index == CN_WN_PARAM_GAIN) {
        w->gain = value;
    } else if (index == CN_WN_PARAM_BUDGET) {
        w->budget = value;
    } else if (index == CN_WN_PARAM_QUEUED) {
        w->queued = value;
        w->queued_at = wn_now();
    } else if (w->vbuf) { // voices, threads and weights shape prepare(): later changes are ignored
    } else if (index == CN_WN_PARAM_THREADS) {
        w->threads = (int)lrintf(value);
    } else if (index == CN_WN_PARAM_WEIGHTS) {
        w->weights = (int)lrintf(value);
    } else {
        w->n_voices = (int)lrintf(value);
    }
}

static int64_t part_tail_frames(const wn_plugin *w) {
    // the gate's hold and fade, the lookahead and the converter's delay, then 10 ms
    double model_s = (double)(w->lookahead + (w->lookahead ? 64 : 0)) / w->model->cfg.sample_rate;
    return (int64_t)((CN_WN_RELEASE_HOLD_S + CN_WN_RELEASE_FADE_S + model_s + 0.01) * w->rate);
}

// ---- the plugin: one model's part, or several (each channel's program picks the model) ----

struct wn_set {
    wn_plugin *part[CN_WN_GM_N_PRESETS];
    int n;
    int program[CN_MIDI_CHANNELS]; // each channel's GM program, for note-ons
    float *mix[2];                 // [max_frames]: the parts after the first, then summed
};

static void wn_destroy(void *self) {
    wn_set *s = self;
    if (!s) return;
    for (int i = 0; i < s->n; i++) part_destroy(s->part[i]);
    free(s->mix[0]);
    free(s->mix[1]);
    free(s);
}

static cn_status wn_set_wrap(wn_plugin **parts, int n, void **out) {
    wn_set *s = calloc(1, sizeof *s);
    if (!s) {
        for (int i = 0; i < n; i++) part_destroy(parts[i]);
        return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    }
    for (int i = 0; i < n; i++) s->part[i] = parts[i];
    s->n = n;
    *out = s;
    return CN_OK;
}

// The models of the presets NAME (wavenet-NAME.json in dir, or found by name when dir is
// empty), each a part choosing among its instruments by program; presets naming a model
// an earlier one named add no part.
static cn_status wn_set_create(const char *dir, const char *const *presets, int n, uint64_t seed, void **out) {
    wn_plugin *parts[CN_WN_GM_N_PRESETS];
    char model[CN_WN_GM_N_PRESETS][WN_PATH_MAX];
    cn_status st = CN_OK;
    int made = 0;
    for (int i = 0; i < n && !st; i++) {
        char inst[CN_WN_NAME_MAX];
        float temp = wn_params[CN_WN_PARAM_TEMPERATURE].def, gain = wn_params[CN_WN_PARAM_GAIN].def;
        st = wn_load_preset(dir, presets[i], model[made], inst, &temp, &gain);
        int seen = 0;
        for (int j = 0; j < made && !st; j++) seen |= !strcmp(model[j], model[made]);
        if (!st && !seen) st = part_create(model[made], NULL, 1, seed, temp, gain, &parts[made]);
        if (!st && !seen) made++;
    }
    if (!st) return wn_set_wrap(parts, made, out);
    for (int i = 0; i < made; i++) part_destroy(parts[i]);
    return st;
}

static cn_status wn_prepare(void *self, double rate, int max_frames) {
    wn_set *s = self;
    cn_status st = CN_OK;
    for (int i = 0; i < s->n && !st; i++) st = part_prepare(s->part[i], rate, max_frames);
    for (int c = 0; c < 2 && !st && s->n > 1; c++) {
        free(s->mix[c]);
        if (!(s->mix[c] = malloc((size_t)max_frames * sizeof(float)))) st = cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    }
    return st;
}

// A note-on goes to the part whose model has the channel's program's instrument
// (cn_wn_gm_choose); everything else to every part (a part ignores a note-off for a note
// it does not play), so each part's channels keep their controls.
static void wn_note_event(void *self, const cn_note_event *ev) {
    wn_set *s = self;
    if (s->n == 1) {
        part_note_event(s->part[0], ev);
        return;
    }
    int ch = ev->channel >= 0 && ev->channel < CN_MIDI_CHANNELS ? ev->channel : -1;
    if (ev->type == CN_EV_PROGRAM && ch >= 0) s->program[ch] = ev->value & 127;
    if (ev->type == CN_EV_NOTE_ON && ev->velocity > 0 && ch >= 0) {
        const cn_wn_config *cfg[CN_WN_GM_N_PRESETS];
        for (int i = 0; i < s->n; i++) cfg[i] = &s->part[i]->model->cfg;
        int inst;
        part_note_event(s->part[cn_wn_gm_choose(cfg, s->n, s->program[ch], &inst)], ev);
        return;
    }
    for (int i = 0; i < s->n; i++) part_note_event(s->part[i], ev);
}

static void wn_process_stereo(void *self, int64_t start, const float *in_l, const float *in_r, float *out_l,
                              float *out_r, int frames) {
    wn_set *s = self;
    (void)in_l;
    (void)in_r;
    for (int i = 0; i < s->n && s->n > 1; i++) { // the budget holds for all parts together
        s->part[i]->load_others = 0.0f;
        for (int j = 0; j < s->n; j++)
            if (j != i) s->part[i]->load_others += s->part[j]->load;
    }
    part_process(s->part[0], start, out_l, out_r, frames);
    for (int i = 1; i < s->n; i++) {
        part_process(s->part[i], start, s->mix[0], s->mix[1], frames);
        for (int k = 0; k < frames; k++) {
            out_l[k] += s->mix[0][k];
            out_r[k] += s->mix[1][k];
        }
    }
}

static int wn_channels(void *self) {
    (void)self;
    return 2;
}

// Steals over the parts' voice sets: all of them, or only release tails.
static int64_t wn_steals(const wn_set *s, int tails) {
    int64_t n = 0;
    for (int i = 0; i < s->n; i++) n += tails ? s->part[i]->vs.stolen_tails : s->part[i]->vs.stolen;
    return n;
}

static int64_t wn_voices_stolen(void *self) { return wn_steals(self, 0); }
static int64_t wn_voices_stolen_tails(void *self) { return wn_steals(self, 1); }

static void wn_set_param(void *self, int index, float value) {
    wn_set *s = self;
    for (int i = 0; i < s->n; i++) part_set_param(s->part[i], index, value);
}

static int64_t wn_tail_frames(void *self) {
    const wn_set *s = self;
    int64_t t = 0;
    for (int i = 0; i < s->n; i++)
        if (part_tail_frames(s->part[i]) > t) t = part_tail_frames(s->part[i]);
    return t;
}

const cn_plugin_desc cn_wavenet_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "wavenet",
    .name = "WaveNet",
    .description = "autoregressive WaveNet driven by notes and a harmonic excitation (16 voices, stereo)",
    .kind = CN_PLUGIN_GENERATOR,
    .params = wn_params,
    .n_params = CN_WN_N_PARAMS,
    .create = wn_create,
    .prepare = wn_prepare,
    .process = NULL, // stereo only
    .note_event = wn_note_event,
    .set_param = wn_set_param,
    .tail_frames = wn_tail_frames,
    .destroy = wn_destroy,
    .channels = wn_channels,
    .process_stereo = wn_process_stereo,
    .voices_stolen = wn_voices_stolen,
    .voices_stolen_tails = wn_voices_stolen_tails,
};
