// voices.c: MIDI channel state and voice allocation (cn_voices.h).
#include "dsp/cn_voices.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void channel_reset_controllers(cn_channel_state *c) {
    c->volume = 100;
    c->expression = 127;
    c->pan = 64;
    c->sustain = 0;
    c->bend = 0;
    c->rpn = -1;
}

void cn_voices_init(cn_voices *vs, int limit) {
    memset(vs, 0, sizeof *vs);
    vs->limit = limit < 1 ? 1 : limit > CN_VOICES_MAX ? CN_VOICES_MAX : limit;
    vs->cap = vs->limit;
    for (int c = 0; c < CN_MIDI_CHANNELS; c++) {
        channel_reset_controllers(&vs->ch[c]);
        vs->ch[c].bend_range = 2;
    }
}

void cn_voices_free(cn_voices *vs, int slot) {
    if (vs->v[slot].state != CN_VOICE_FREE) vs->active--;
    vs->v[slot].state = CN_VOICE_FREE;
}

static void release(cn_voices *vs, int slot, const cn_voice_ops *ops, void *synth) {
    cn_voice *v = &vs->v[slot];
    if (v->state == CN_VOICE_FREE || v->state == CN_VOICE_RELEASED) return;
    v->state = CN_VOICE_RELEASED;
    ops->release(synth, slot);
}

// The sounding voice to steal: released before pedal-held before held, oldest first.
static int victim(const cn_voices *vs) {
    int best = -1, best_rank = 0;
    for (int i = 0; i < vs->limit; i++) {
        const cn_voice *v = &vs->v[i];
        if (v->state == CN_VOICE_FREE) continue;
        int rank = v->state == CN_VOICE_RELEASED ? 3 : v->state == CN_VOICE_SUSTAINED ? 2 : 1;
        if (best < 0 || rank > best_rank || (rank == best_rank && v->age < vs->v[best].age)) {
            best = i;
            best_rank = rank;
        }
    }
    return best;
}

// A free slot while fewer than `cap` sound, else the one to steal.
static int pick_slot(const cn_voices *vs, int *stolen) {
    *stolen = 0;
    if (vs->active < vs->cap)
        for (int i = 0; i < vs->limit; i++)
            if (vs->v[i].state == CN_VOICE_FREE) return i;
    *stolen = 1;
    return victim(vs);
}

// A steal of slot, counted before the slot is reused.
static void count_steal(cn_voices *vs, int slot) {
    vs->stolen++;
    if (vs->v[slot].state == CN_VOICE_RELEASED) vs->stolen_tails++;
}

void cn_voices_set_cap(cn_voices *vs, int cap, void (*cut)(void *synth, int slot), void *synth) {
    vs->cap = cap < 1 ? 1 : cap > vs->limit ? vs->limit : cap;
    while (vs->active > vs->cap) {
        int slot = victim(vs);
        cut(synth, slot);
        count_steal(vs, slot);
        cn_voices_free(vs, slot);
    }
}

// Threads share a set's voices evenly: the busiest renders ceil(n / threads) of them.
static int busiest(int n, int threads) { return (n + threads - 1) / threads; }

float cn_voices_load_at(float own, int active, int n, int threads) {
    threads = threads < 1 ? 1 : threads;
    return active > 0 ? own * (float)busiest(n, threads) / (float)busiest(active, threads) : own;
}

int cn_voices_budget_cap(const cn_voices *vs, float load, float own, float budget, int threads) {
    const float others = load - own;
    if (load > budget) {
        if (vs->active <= 1) return vs->cap;
        int keep = vs->active - 1;
        while (keep > 1 && others + cn_voices_load_at(own, vs->active, keep, threads) > budget) keep--;
        return keep;
    }
    if (vs->cap < vs->limit && others + cn_voices_load_at(own, vs->active, vs->active + 1, threads) < 0.9f * budget)
        return vs->cap + 1;
    return vs->cap;
}

// The released voice of ev's channel that carries on into ev's note (cn_voice_ops.legato),
// or -1.
static int legato_slot(const cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth) {
    int best = -1;
    for (int i = 0; i < vs->limit; i++) {
        const cn_voice *v = &vs->v[i];
        if (v->state != CN_VOICE_RELEASED || v->channel != ev->channel || !ops->legato(synth, i, ev->pitch)) continue;
        const int d = abs(v->pitch - ev->pitch), bd = best < 0 ? 0 : abs(vs->v[best].pitch - ev->pitch);
        if (best < 0 || d < bd || (d == bd && v->age > vs->v[best].age)) best = i;
    }
    return best;
}

static void note_on(cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth) {
    // The same key struck again: its old voice is released first, as on a piano.
    for (int i = 0; i < vs->limit; i++) {
        cn_voice *v = &vs->v[i];
        if ((v->state == CN_VOICE_HELD || v->state == CN_VOICE_SUSTAINED) && v->channel == ev->channel &&
            v->pitch == ev->pitch)
            release(vs, i, ops, synth);
    }
    int how = CN_VOICE_LEGATO, stolen, slot = ops->legato ? legato_slot(vs, ev, ops, synth) : -1;
    if (slot < 0) {
        slot = pick_slot(vs, &stolen);
        if (stolen) count_steal(vs, slot);
        else vs->active++;
        how = stolen ? CN_VOICE_STOLEN : CN_VOICE_NEW;
    }
    vs->v[slot] = (cn_voice){.state = CN_VOICE_HELD, .channel = ev->channel, .pitch = ev->pitch,
                             .velocity = ev->velocity, .age = vs->next_age++};
    ops->start(synth, slot, how);
}

static void note_off(cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth) {
    int oldest = -1; // the oldest held voice of this key (repeated note-ons close oldest first)
    for (int i = 0; i < vs->limit; i++) {
        const cn_voice *v = &vs->v[i];
        if (v->state == CN_VOICE_HELD && v->channel == ev->channel && v->pitch == ev->pitch &&
            (oldest < 0 || v->age < vs->v[oldest].age))
            oldest = i;
    }
    if (oldest < 0) return;
    if (vs->ch[ev->channel].sustain) vs->v[oldest].state = CN_VOICE_SUSTAINED;
    else release(vs, oldest, ops, synth);
}

static void release_channel(cn_voices *vs, int channel, int only_sustained, const cn_voice_ops *ops, void *synth) {
    for (int i = 0; i < vs->limit; i++)
        if ((channel < 0 || vs->v[i].channel == channel) &&
            (!only_sustained || vs->v[i].state == CN_VOICE_SUSTAINED))
            release(vs, i, ops, synth);
}

static void control(cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth) {
    cn_channel_state *c = &vs->ch[ev->channel];
    int value = ev->value < 0 ? 0 : ev->value > 127 ? 127 : ev->value;
    switch (ev->control) {
    case 6: // data entry (MSB) for the selected RPN: 0 = pitch-bend range in semitones
        if (c->rpn == 0) c->bend_range = value > 24 ? 24 : value;
        break;
    case 7: c->volume = value; break;
    case 10: c->pan = value; break;
    case 11: c->expression = value; break;
    case 64:
        c->sustain = value >= 64;
        if (!c->sustain) release_channel(vs, ev->channel, 1, ops, synth);
        break;
    case 100: c->rpn = (c->rpn < 0 ? 0 : c->rpn & ~127) | value; break;
    case 101: c->rpn = (c->rpn < 0 ? 0 : c->rpn & 127) | value << 7; break;
    case 120: // all sound off
    case 123: // all notes off
        release_channel(vs, ev->channel, 0, ops, synth);
        break;
    case 121: channel_reset_controllers(c); break;
    default: break; // other controllers do not change these synths
    }
    if (c->rpn == (127 << 7 | 127)) c->rpn = -1; // the null RPN
}

void cn_voices_event(cn_voices *vs, const cn_note_event *ev, const cn_voice_ops *ops, void *synth) {
    if (ev->type == CN_EV_ALL_OFF) {
        release_channel(vs, -1, 0, ops, synth);
        return;
    }
    if (ev->channel < 0 || ev->channel >= CN_MIDI_CHANNELS) return;
    switch (ev->type) {
    case CN_EV_NOTE_ON:
        if (ev->pitch < 0 || ev->pitch > 127) return;
        if (ev->velocity > 0) note_on(vs, ev, ops, synth);
        else note_off(vs, ev, ops, synth); // velocity 0: the MIDI convention for a note-off
        break;
    case CN_EV_NOTE_OFF: note_off(vs, ev, ops, synth); break;
    case CN_EV_CONTROL: control(vs, ev, ops, synth); break;
    case CN_EV_PROGRAM: vs->ch[ev->channel].program = ev->value & 127; break;
    case CN_EV_PITCH_BEND:
        vs->ch[ev->channel].bend = ev->value < -8192 ? -8192 : ev->value > 8191 ? 8191 : ev->value;
        break;
    default: break;
    }
}

float cn_voices_gain(const cn_voices *vs, int slot) {
    const cn_voice *v = &vs->v[slot];
    const cn_channel_state *c = &vs->ch[v->channel];
    float vel = (float)v->velocity / 127.0f, vol = (float)c->volume / 100.0f, expr = (float)c->expression / 127.0f;
    return vel * vel * vol * vol * expr * expr;
}

void cn_voices_pan(const cn_voices *vs, int channel, float *left, float *right) {
    float x = (float)(vs->ch[channel].pan - 64) / 63.0f; // -1 .. 1 (0 and 1 both hard left)
    x = x < -1.0f ? -1.0f : x > 1.0f ? 1.0f : x;
    float theta = (x + 1.0f) * (float)(M_PI / 4.0);
    *left = (float)M_SQRT2 * cosf(theta);
    *right = (float)M_SQRT2 * sinf(theta);
}

float cn_voices_bend(const cn_voices *vs, int channel) {
    const cn_channel_state *c = &vs->ch[channel];
    return (float)c->bend / 8192.0f * (float)c->bend_range;
}
