// instrument.c: the LV2 instrument (cn_lv2_instrument.h). instantiate() builds one
// stereo cn_graph per voice source at the host's rate (a WaveNet per instrument choice,
// from the presets installed next to the bundle, and one reference synth for its four
// waveforms), so the notes get the
// render path's polyphony and voice handling. run() turns the block's MIDI into events
// queued at their exact frames on the current instrument's graph and processes it in
// slices; it never allocates, locks or prints (tests/test_lv2_instrument.c counts).
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/midi/midi.h>
#include <lv2/urid/urid.h>

#include "dsp/cn_synth_reference.h"
#include "engine/cn_graph.h"
#include "host/cn_playback.h"
#include "lv2/cn_lv2_instrument.h"
#include "lv2/cn_lv2_midi.h"
#include "models/wavenet/cn_wavenet_plugin.h"

#define SLICE 512           // frames per cn_graph_process (the graphs' max block)
#define GAIN_MIN_DB (-40.0f)
#define GAIN_MAX_DB 12.0f
#define BUDGET_MIN 0.05f // the budget port's lowest value (continuo.ttl)

#ifndef CN_LV2_SHARE_REL
#define CN_LV2_SHARE_REL "../../../share/continuo"
#endif

// What each value of the instrument port plays: a WaveNet preset (with ",programs=1" each
// channel's GM program chooses among the preset model's instruments: docs/wavenet.md,
// "Instruments from the file"; "" the programs choose among every shipped model's), or a
// waveform of the reference synth.
static const struct {
    const char *preset, *args;
    int waveform; // reference synth's waveform when preset is NULL
} choices[CN_LV2I_N_INSTRUMENTS] = {
    {"flute-16k", "", 0}, {"violin-16k", "", 0}, {"trumpet-16k", "", 0}, {"flute-16k", ",programs=1", 0},
    {NULL, NULL, 0},      {NULL, NULL, 1},       {NULL, NULL, 2},        {NULL, NULL, 3},
    {"clarinet", "", 0},  {"piano", "", 0},      {"guitar", "", 0},      {"cello", "", 0},
    {"horn", "", 0},      {"piano", ",programs=1", 0}, {"", "", 0},      {"flute", "", 0},
    {"violin", "", 0},    {"trumpet", "", 0},
};
#define N_GRAPHS 15 // one per WaveNet choice, then the reference synth's
#define SYNTH (N_GRAPHS - 1)
// Controls replayed to an instrument's graph when it takes over (voices read them per
// channel: volume, pan, expression, sustain pedal).
static const int tracked_cc[] = {7, 10, 11, 64};
#define N_TRACKED ((int)(sizeof tracked_cc / sizeof tracked_cc[0]))

typedef struct {
    cn_graph *g[N_GRAPHS];
    int graph_of[CN_LV2I_N_INSTRUMENTS];
    LV2_URID midi_event;
    const LV2_Atom_Sequence *midi;
    const float *instrument, *temperature, *gain, *freewheel, *budget;
    float *out_l, *out_r;
    float buf[2 * SLICE];
    int current, waveform; // graph playing, reference waveform set
    float temp_set, gain_lin;
    float budget_set;      // the WaveNets' budget (0 while freewheeling); NAN before the first run
    signed char cc[16][N_TRACKED]; // last value per channel, -1 = never sent
    signed char program[16];
    int bend[16];
} cn_lv2i;

static void log_error(LV2_Log_Log *log, LV2_URID error, const char *msg) {
    if (log) log->printf(log->handle, error, "continuo: %s\n", msg);
    else fprintf(stderr, "continuo: %s\n", msg);
}

static void cleanup(LV2_Handle h) {
    cn_lv2i *p = h;
    for (int i = 0; i < N_GRAPHS; i++) cn_graph_destroy(p->g[i]);
    free(p);
}

// One graph: the generator with its arguments, an event queue for run().
static cn_status make_graph(double rate, const cn_plugin_desc *d, const char *args, cn_graph **g) {
    cn_status st = cn_graph_create(rate, SLICE, 2, g);
    if (!st) st = cn_graph_set_generator(*g, d, args);
    if (!st) st = cn_graph_enable_queue(*g, CN_GRAPH_EVENT_QUEUE);
    return st;
}

static LV2_Handle instantiate(const LV2_Descriptor *desc, double rate, const char *bundle,
                              const LV2_Feature *const *features) {
    (void)desc;
    LV2_URID_Map *map = NULL;
    LV2_Log_Log *log = NULL;
    for (int i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map)) map = features[i]->data;
        else if (!strcmp(features[i]->URI, LV2_LOG__log)) log = features[i]->data;
    }
    LV2_URID error = map && log ? map->map(map->handle, LV2_LOG__Error) : 0;
    if (!map) {
        log_error(log, error, "the host does not provide urid:map");
        return NULL;
    }
    cn_lv2i *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->midi_event = map->map(map->handle, LV2_MIDI__MidiEvent);
    p->waveform = -1;
    p->temp_set = NAN;
    p->budget_set = NAN;
    p->gain_lin = NAN; // the first run starts at the port's gain
    memset(p->cc, -1, sizeof p->cc);
    memset(p->program, -1, sizeof p->program);
    // The presets and weights: PREFIX/share/continuo for the bundle PREFIX/lib/lv2/continuo.lv2
    // (the host's binary says nothing about where continuo lives).
    char share[PATH_MAX];
    size_t bl = strlen(bundle);
    cn_status st = CN_OK;
    int n = snprintf(share, sizeof share, "%s%s" CN_LV2_SHARE_REL "/presets", bundle,
                     bl && bundle[bl - 1] == '/' ? "" : "/");
    if (n < 0 || (size_t)n >= sizeof share) st = cn_fail(CN_ERR_RANGE, "bundle path too long: %s", bundle);
    else if (access(share, R_OK))
        st = cn_fail(CN_ERR_IO, "no presets at %s: install continuo with cmake --install, which puts the bundle "
                                "at PREFIX/lib/lv2/continuo.lv2 and the presets in PREFIX/share/continuo", share);
    for (int i = 0, g = 0; i < CN_LV2I_N_INSTRUMENTS && !st; i++) {
        if (!choices[i].preset) {
            p->graph_of[i] = SYNTH;
            continue;
        }
        char args[PATH_MAX + 64];
        if (choices[i].preset[0])
            n = snprintf(args, sizeof args, "preset=%s/wavenet-%s.json,budget=%g%s", share, choices[i].preset,
                         CN_PLAYBACK_LIVE_BUDGET, choices[i].args);
        else
            n = snprintf(args, sizeof args, "presets=%s,budget=%g", share, CN_PLAYBACK_LIVE_BUDGET);
        p->graph_of[i] = g;
        st = n < 0 || (size_t)n >= sizeof args ? cn_fail(CN_ERR_RANGE, "bundle path too long: %s", bundle)
                                               : make_graph(rate, &cn_wavenet_plugin, args, &p->g[g++]);
    }
    if (!st) st = make_graph(rate, &cn_synth_reference_plugin, NULL, &p->g[SYNTH]);
    if (st) {
        log_error(log, error, cn_error_message());
        cleanup(p);
        return NULL;
    }
    return p;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data) {
    cn_lv2i *p = h;
    switch (port) {
    case CN_LV2I_MIDI_IN: p->midi = data; break;
    case CN_LV2I_OUT_L: p->out_l = data; break;
    case CN_LV2I_OUT_R: p->out_r = data; break;
    case CN_LV2I_INSTRUMENT: p->instrument = data; break;
    case CN_LV2I_TEMPERATURE: p->temperature = data; break;
    case CN_LV2I_GAIN: p->gain = data; break;
    case CN_LV2I_FREEWHEEL: p->freewheel = data; break;
    case CN_LV2I_BUDGET: p->budget = data; break;
    default: break;
    }
}

// (Re)activation: nothing from before sounds on.
static void activate(LV2_Handle h) {
    cn_lv2i *p = h;
    cn_note_event off = CN_NOTE(cn_graph_position(p->g[p->current]), CN_EV_ALL_OFF, 0, 0);
    cn_graph_queue_event(p->g[p->current], &off);
}

static void set_gen_param(cn_graph *g, int index, float value) {
    const cn_plugin_desc *d;
    void *self = cn_graph_generator(g, &d);
    d->set_param(self, index, value);
}

// The instrument's graph takes over: the old one's notes end, the new one hears the
// channels' controls as they stand.
static void switch_graph(cn_lv2i *p, int to) {
    cn_graph *old = p->g[p->current], *g = p->g[to];
    cn_note_event off = CN_NOTE(cn_graph_position(old), CN_EV_ALL_OFF, 0, 0);
    cn_graph_queue_event(old, &off);
    const int64_t at = cn_graph_position(g);
    for (int c = 0; c < 16; c++) {
        for (int k = 0; k < N_TRACKED; k++)
            if (p->cc[c][k] >= 0)
                cn_graph_queue_event(g, &(cn_note_event){.frame = at, .type = CN_EV_CONTROL, .control = tracked_cc[k],
                                                        .value = p->cc[c][k], .channel = c});
        if (p->program[c] >= 0)
            cn_graph_queue_event(g, &(cn_note_event){.frame = at, .type = CN_EV_PROGRAM, .value = p->program[c], .channel = c});
        cn_graph_queue_event(g, &(cn_note_event){.frame = at, .type = CN_EV_PITCH_BEND, .value = p->bend[c], .channel = c});
    }
    p->current = to;
}

static void remember(cn_lv2i *p, const cn_note_event *e) {
    if (e->type == CN_EV_PROGRAM) p->program[e->channel] = (signed char)e->value;
    else if (e->type == CN_EV_PITCH_BEND) p->bend[e->channel] = e->value;
    else if (e->type == CN_EV_CONTROL && e->control == 121) { // reset all controllers
        memset(p->cc[e->channel], -1, sizeof p->cc[e->channel]);
        p->bend[e->channel] = 0;
    } else if (e->type == CN_EV_CONTROL)
        for (int k = 0; k < N_TRACKED; k++)
            if (tracked_cc[k] == e->control) p->cc[e->channel][k] = (signed char)e->value;
}

static float clampf(float v, float lo, float hi) { return v != v ? lo : v < lo ? lo : v > hi ? hi : v; }

static void run(LV2_Handle h, uint32_t frames) {
    cn_lv2i *p = h;
    int inst = p->instrument ? (int)lrintf(clampf(*p->instrument, 0, CN_LV2I_N_INSTRUMENTS - 1)) : 0;
    int graph = p->graph_of[inst];
    if (graph != p->current) switch_graph(p, graph);
    if (graph == SYNTH && choices[inst].waveform != p->waveform) {
        p->waveform = choices[inst].waveform;
        set_gen_param(p->g[SYNTH], CN_SYNTH_P_WAVEFORM, (float)p->waveform);
    }
    float temp = p->temperature ? clampf(*p->temperature, 0, 2) : 0;
    if (temp != p->temp_set) {
        p->temp_set = temp;
        for (int i = 0; i < SYNTH; i++) set_gen_param(p->g[i], CN_WN_PARAM_TEMPERATURE, temp);
    }
    // Live, the WaveNet drops voices rather than samples when it falls behind (budget);
    // a host rendering offline (freewheeling) waits for every voice instead.
    const int fw = p->freewheel && *p->freewheel > 0.5f;
    const float budget = fw ? 0.0f : p->budget ? clampf(*p->budget, BUDGET_MIN, 1) : (float)CN_PLAYBACK_LIVE_BUDGET;
    if (budget != p->budget_set) {
        p->budget_set = budget;
        for (int i = 0; i < SYNTH; i++) set_gen_param(p->g[i], CN_WN_PARAM_BUDGET, budget);
    }
    cn_graph *g = p->g[graph];
    const int64_t base = cn_graph_position(g);
    if (p->midi) {
        LV2_ATOM_SEQUENCE_FOREACH(p->midi, ev) {
            if (ev->body.type != p->midi_event) continue;
            int64_t t = ev->time.frames < 0 ? 0 : ev->time.frames >= frames ? frames - 1 : ev->time.frames;
            cn_note_event e;
            if (!cn_lv2_midi_event(LV2_ATOM_BODY_CONST(&ev->body), ev->body.size, base + t, &e)) continue;
            remember(p, &e);
            cn_graph_queue_event(g, &e);
        }
    }
    // Gain in dB, ramped over the block (no zipper noise when automated).
    const float target = powf(10.0f, clampf(p->gain ? *p->gain : 0, GAIN_MIN_DB, GAIN_MAX_DB) / 20.0f);
    if (p->gain_lin != p->gain_lin) p->gain_lin = target;
    const float step = (target - p->gain_lin) / (float)(frames ? frames : 1);
    float gain = p->gain_lin;
    for (uint32_t done = 0; done < frames;) {
        int n = frames - done < SLICE ? (int)(frames - done) : SLICE;
        cn_graph_process(g, p->buf, n);
        for (int i = 0; i < n; i++, gain += step) {
            p->out_l[done + i] = gain * p->buf[2 * i];
            p->out_r[done + i] = gain * p->buf[2 * i + 1];
        }
        done += (uint32_t)n;
    }
    p->gain_lin = target;
}

static const LV2_Descriptor descriptor = {
    .URI = CN_LV2I_URI,
    .instantiate = instantiate,
    .connect_port = connect_port,
    .activate = activate,
    .run = run,
    .cleanup = cleanup,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) { return index == 0 ? &descriptor : NULL; }
