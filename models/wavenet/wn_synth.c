// wn_synth.c: a WaveNet voice that plays note events (cn_wn_synth.h).
#include <stdlib.h>

#include "dsp/cn_mulaw.h"
#include "models/wavenet/cn_wn_synth.h"

struct cn_wn_synth {
    const cn_wn_model *m;
    cn_wn_stream *stream;
    cn_wn_featgen feat;
    cn_rng rng;
    int instrument;
    float temperature;
    float xprev;
    float *buf; // feat [NFEAT], cond [C], logits [K], work [K]
};

cn_status cn_wn_synth_create(const cn_wn_model *m, int instrument, float temperature,
                             uint64_t seed, cn_wn_synth **out) {
    *out = NULL;
    if (instrument < 0 || instrument >= m->cfg.n_instruments)
        return cn_fail(CN_ERR_ARG, "wavenet: instrument index %d (model has %d)", instrument,
                       m->cfg.n_instruments);
    cn_wn_synth *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    s->buf = malloc(((size_t)CN_WN_NFEAT + cn_wn_cond_dim(&m->cfg) + 2 * CN_WN_CLASSES) *
                    sizeof(float));
    cn_status st = s->buf ? cn_wn_stream_create(m, &s->stream)
                          : cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    if (st) {
        cn_wn_synth_destroy(s);
        return st;
    }
    s->m = m;
    s->instrument = instrument;
    s->temperature = temperature;
    cn_wn_synth_reset(s, seed);
    *out = s;
    return CN_OK;
}

void cn_wn_synth_destroy(cn_wn_synth *s) {
    if (!s) return;
    cn_wn_stream_destroy(s->stream);
    free(s->buf);
    free(s);
}

void cn_wn_synth_reset(cn_wn_synth *s, uint64_t seed) {
    cn_wn_stream_reset(s->stream);
    cn_wn_feat_init(&s->feat, s->m->cfg.sample_rate, CN_WN_NOISE_SEED);
    cn_rng_seed(&s->rng, seed, 0x77);
    s->xprev = 0.0f;
}

void cn_wn_synth_set_temperature(cn_wn_synth *s, float temperature) { s->temperature = temperature; }
void cn_wn_synth_set_instrument(cn_wn_synth *s, int instrument) { s->instrument = instrument; }
void cn_wn_synth_note_on(cn_wn_synth *s, int pitch, int velocity) {
    cn_wn_feat_note_on(&s->feat, pitch, velocity);
}
void cn_wn_synth_note_off(cn_wn_synth *s, int pitch) { cn_wn_feat_note_off(&s->feat, pitch); }
void cn_wn_synth_all_off(cn_wn_synth *s) { cn_wn_feat_all_off(&s->feat); }

// Audio worker thread: no allocation, locks or I/O.
void cn_wn_synth_render(cn_wn_synth *s, float *out, int frames) {
    float *feat = s->buf, *cond = feat + CN_WN_NFEAT,
          *logits = cond + cn_wn_cond_dim(&s->m->cfg), *work = logits + CN_WN_CLASSES;
    for (int i = 0; i < frames; i++) {
        cn_wn_feat_next(&s->feat, feat);
        cn_wn_cond_fill(s->m, s->instrument, feat, cond);
        cn_wn_stream_logits(s->stream, s->xprev, cond, logits);
        int k = cn_wn_sample(logits, s->temperature, cn_rng_uniform(&s->rng), work);
        s->xprev = out[i] = cn_mulaw_decode((uint8_t)k);
    }
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
