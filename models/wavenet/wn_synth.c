// wn_synth.c: a WaveNet voice that plays note events (cn_wn_synth.h).
#include <stdlib.h>

#include "models/wavenet/cn_wn_synth.h"

typedef struct wn_poly_voice {
    cn_wn_featgen feat;
    cn_rng rng;
    int instrument;
    float xprev;
} wn_poly_voice;

struct cn_wn_poly {
    const cn_wn_model *m;
    cn_wn_stream *stream;
    int max_voices;
    float temperature;
    wn_poly_voice *voice; // [max_voices]
    float *buf;           // per voice: feat [NFEAT], cond [C], logits [K], xprev [1]; work [K]
};

cn_status cn_wn_poly_create(const cn_wn_model *m, int max_voices, float temperature, cn_wn_poly **out) {
    *out = NULL;
    cn_wn_poly *p = calloc(1, sizeof *p);
    if (!p) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    const size_t per = (size_t)CN_WN_NFEAT + cn_wn_cond_dim(&m->cfg) + CN_WN_CLASSES + 1;
    p->m = m;
    p->max_voices = max_voices;
    p->temperature = temperature;
    p->voice = calloc((size_t)max_voices, sizeof *p->voice);
    p->buf = malloc(((size_t)max_voices * per + CN_WN_CLASSES) * sizeof(float));
    cn_status st = p->voice && p->buf ? cn_wn_stream_create_batch(m, max_voices, &p->stream)
                                      : cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    if (st) {
        cn_wn_poly_destroy(p);
        return st;
    }
    for (int v = 0; v < max_voices; v++) cn_wn_poly_reset(p, v, 0, (uint64_t)v + 1);
    *out = p;
    return CN_OK;
}

void cn_wn_poly_destroy(cn_wn_poly *p) {
    if (!p) return;
    cn_wn_stream_destroy(p->stream);
    free(p->voice);
    free(p->buf);
    free(p);
}

void cn_wn_poly_set_temperature(cn_wn_poly *p, float temperature) { p->temperature = temperature; }

void cn_wn_poly_reset(cn_wn_poly *p, int v, int instrument, uint64_t seed) {
    wn_poly_voice *pv = &p->voice[v];
    cn_wn_stream_reset_voice(p->stream, v);
    cn_wn_feat_init(&pv->feat, p->m->cfg.sample_rate, CN_WN_NOISE_SEED);
    cn_rng_seed(&pv->rng, seed, 0x77);
    pv->instrument = instrument;
    pv->xprev = 0.0f;
}

void cn_wn_poly_note_on(cn_wn_poly *p, int v, int pitch, int velocity) {
    cn_wn_feat_note_on(&p->voice[v].feat, pitch, velocity);
}
void cn_wn_poly_note_off(cn_wn_poly *p, int v, int pitch) { cn_wn_feat_note_off(&p->voice[v].feat, pitch); }
void cn_wn_poly_all_off(cn_wn_poly *p, int v) { cn_wn_feat_all_off(&p->voice[v].feat); }
void cn_wn_poly_bend(cn_wn_poly *p, int v, double semitones) { cn_wn_feat_bend(&p->voice[v].feat, semitones); }

// Audio worker thread: no allocation, locks or I/O.
void cn_wn_poly_render(cn_wn_poly *p, const int *voices, int n, float *out, int frames) {
    const int C = cn_wn_cond_dim(&p->m->cfg), K = cn_wn_out_dim(&p->m->cfg);
    // The batch's inputs and outputs side by side: feat [n][NFEAT], cond [n][C],
    // logits [n][K], xprev [n], then one work row.
    float *feat = p->buf, *cond = feat + (size_t)n * CN_WN_NFEAT, *logits = cond + (size_t)n * C,
          *xprev = logits + (size_t)n * K, *work = xprev + n;
    for (int v = 0; v < n; v++) xprev[v] = p->voice[voices[v]].xprev;
    for (int i = 0; i < frames; i++) {
        for (int v = 0; v < n; v++) {
            wn_poly_voice *pv = &p->voice[voices[v]];
            cn_wn_feat_next(&pv->feat, feat + (size_t)v * CN_WN_NFEAT);
            cn_wn_cond_fill(p->m, pv->instrument, feat + (size_t)v * CN_WN_NFEAT, cond + (size_t)v * C);
        }
        cn_wn_stream_logits_batch(p->stream, voices, n, xprev, cond, logits);
        for (int v = 0; v < n; v++)
            xprev[v] = out[(size_t)v * frames + i] = cn_wn_draw(&p->m->cfg, logits + (size_t)v * K, p->temperature,
                                                                &p->voice[voices[v]].rng, work);
    }
    for (int v = 0; v < n; v++) p->voice[voices[v]].xprev = xprev[v];
}

// ---- one voice --------------------------------------------------------------------------------

struct cn_wn_synth {
    cn_wn_poly *poly;
    int instrument;
};

cn_status cn_wn_synth_create(const cn_wn_model *m, int instrument, float temperature,
                             uint64_t seed, cn_wn_synth **out) {
    *out = NULL;
    if (instrument < 0 || instrument >= m->cfg.n_instruments)
        return cn_fail(CN_ERR_ARG, "wavenet: instrument index %d (model has %d)", instrument,
                       m->cfg.n_instruments);
    cn_wn_synth *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    cn_status st = cn_wn_poly_create(m, 1, temperature, &s->poly);
    if (st) {
        free(s);
        return st;
    }
    s->instrument = instrument;
    cn_wn_synth_reset(s, seed);
    *out = s;
    return CN_OK;
}

void cn_wn_synth_destroy(cn_wn_synth *s) {
    if (!s) return;
    cn_wn_poly_destroy(s->poly);
    free(s);
}

void cn_wn_synth_reset(cn_wn_synth *s, uint64_t seed) { cn_wn_poly_reset(s->poly, 0, s->instrument, seed); }
void cn_wn_synth_set_temperature(cn_wn_synth *s, float temperature) { cn_wn_poly_set_temperature(s->poly, temperature); }
void cn_wn_synth_note_on(cn_wn_synth *s, int pitch, int velocity) { cn_wn_poly_note_on(s->poly, 0, pitch, velocity); }
void cn_wn_synth_note_off(cn_wn_synth *s, int pitch) { cn_wn_poly_note_off(s->poly, 0, pitch); }
void cn_wn_synth_all_off(cn_wn_synth *s) { cn_wn_poly_all_off(s->poly, 0); }

void cn_wn_synth_render(cn_wn_synth *s, float *out, int frames) {
    const int voice = 0;
    cn_wn_poly_render(s->poly, &voice, 1, out, frames);
}

void cn_wn_synth_render_notes(cn_wn_synth *s, uint64_t seed, const cn_timed_note *notes, int n_notes,
                              int64_t n, float *out) {
    cn_wn_synth_reset(s, seed);
    int next_on = 0, held = 0, pitch = 0;
    int64_t off = 0;
    for (int64_t t = 0; t < n;) {
        if (held && t >= off) {
            cn_wn_synth_note_off(s, pitch);
            held = 0;
        }
        while (next_on < n_notes && notes[next_on].on <= t) {
            const cn_timed_note *nt = &notes[next_on++];
            if (nt->off <= t) continue;
            cn_wn_synth_note_on(s, nt->pitch, nt->velocity);
            held = 1;
            pitch = nt->pitch;
            off = nt->off;
        }
        // render up to the next event
        int64_t end = n;
        if (held && off < end) end = off;
        if (next_on < n_notes && notes[next_on].on < end) end = notes[next_on].on;
        if (end <= t) end = t + 1;
        cn_wn_synth_render(s, out + t, (int)(end - t));
        t = end;
    }
}
