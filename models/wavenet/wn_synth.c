// wn_synth.c: a WaveNet voice that plays note events (cn_wn_synth.h).
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_parallel.h"
#include "models/wavenet/cn_wn_synth.h"

// On its own cache lines: the threads of a poly step different voices at once.
typedef struct wn_poly_voice {
    CN_CACHE_ALIGNED cn_wn_featgen feat;
    cn_rng rng;
    int instrument;
    float xprev;
} wn_poly_voice;

// A thread's share of a render: its stream (lane 0: the poly's own, others its siblings),
// its rows of inputs and outputs, and (lanes >= 1) its helper thread and the job it is given.
typedef struct wn_lane {
    cn_wn_poly *p;
    cn_wn_stream *stream;
    float *buf; // per voice: feat [NFEAT], cond [C], logits [K], xprev [1]; work [K]
    const int *voices;
    int n, frames, quit, sems, started;
    float *out;
    pthread_t thread;
    sem_t go, done;
} wn_lane;

struct cn_wn_poly {
    const cn_wn_model *m;
    int max_voices, n_lanes;
    float temperature;
    wn_poly_voice *voice; // [max_voices]
    wn_lane lane[CN_WN_POLY_MAX_THREADS];
    pthread_t sched_of;   // the thread whose scheduling the helpers follow
    int sched_known;
};

static cn_status wn_lane_init(cn_wn_poly *p, wn_lane *ln, cn_wn_stream *stream) {
    const size_t per = (size_t)CN_WN_NFEAT + cn_wn_cond_dim(&p->m->cfg) + CN_WN_CLASSES + 1;
    ln->p = p;
    ln->stream = stream;
    ln->buf = cn_calloc_lines((size_t)p->max_voices * per + CN_WN_CLASSES, sizeof(float));
    return ln->buf ? CN_OK : cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
}

cn_status cn_wn_poly_create(const cn_wn_model *m, int max_voices, float temperature, cn_wn_poly **out) {
    *out = NULL;
    cn_wn_poly *p = calloc(1, sizeof *p);
    if (!p) return cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    p->m = m;
    p->max_voices = max_voices;
    p->n_lanes = 1;
    p->temperature = temperature;
    p->voice = cn_calloc_lines((size_t)max_voices, sizeof *p->voice);
    cn_wn_stream *stream = NULL;
    cn_status st = p->voice ? cn_wn_stream_create_batch(m, max_voices, &stream)
                            : cn_fail(CN_ERR_NOMEM, "wavenet: out of memory");
    if (!st) st = wn_lane_init(p, &p->lane[0], stream);
    else cn_wn_stream_destroy(stream);
    if (st) {
        cn_wn_poly_destroy(p);
        return st;
    }
    for (int v = 0; v < max_voices; v++) cn_wn_poly_reset(p, v, 0, (uint64_t)v + 1);
    *out = p;
    return CN_OK;
}

static void wn_sem_wait(sem_t *s) {
    while (sem_wait(s) && errno == EINTR) {
    }
}

static void wn_lane_render(wn_lane *ln, const int *voices, int n, float *out, int frames);

static void *wn_lane_main(void *arg) {
    wn_lane *ln = arg;
    for (;;) {
        wn_sem_wait(&ln->go);
        if (ln->quit) return NULL;
        wn_lane_render(ln, ln->voices, ln->n, ln->out, ln->frames);
        sem_post(&ln->done);
    }
}

static void wn_lanes_stop(cn_wn_poly *p) {
    for (int k = 1; k < p->n_lanes; k++) {
        wn_lane *ln = &p->lane[k];
        if (ln->started) {
            ln->quit = 1;
            sem_post(&ln->go);
            pthread_join(ln->thread, NULL);
        }
        if (ln->sems) {
            sem_destroy(&ln->go);
            sem_destroy(&ln->done);
        }
        cn_wn_stream_destroy(ln->stream); // siblings before the poly's own stream
        free(ln->buf);
        memset(ln, 0, sizeof *ln);
    }
    p->n_lanes = 1;
    p->sched_known = 0;
}

cn_status cn_wn_poly_set_threads(cn_wn_poly *p, int threads) {
    if (threads < 1 || threads > CN_WN_POLY_MAX_THREADS)
        return cn_fail(CN_ERR_RANGE, "wavenet: %d threads (1 to %d)", threads, CN_WN_POLY_MAX_THREADS);
    wn_lanes_stop(p);
    for (int k = 1; k < threads; k++) {
        wn_lane *ln = &p->lane[k];
        cn_wn_stream *sib = NULL;
        cn_status st = cn_wn_stream_create_sibling(p->lane[0].stream, &sib);
        if (!st) st = wn_lane_init(p, ln, sib);
        else cn_wn_stream_destroy(sib);
        p->n_lanes = k + 1; // stopped and freed from here on failure
        if (!st && !sem_init(&ln->go, 0, 0)) {
            ln->sems = !sem_init(&ln->done, 0, 0);
            if (!ln->sems) sem_destroy(&ln->go);
        }
        if (!st && !ln->sems) st = cn_fail(CN_ERR_IO, "wavenet: cannot make a semaphore for a render thread");
        if (!st && !(ln->started = !pthread_create(&ln->thread, NULL, wn_lane_main, ln)))
            st = cn_fail(CN_ERR_IO, "wavenet: cannot start a render thread");
        if (st) {
            wn_lanes_stop(p);
            return st;
        }
    }
    return CN_OK;
}

int cn_wn_poly_threads(const cn_wn_poly *p) { return p->n_lanes; }

int cn_wn_poly_default_threads(void) {
    const int cores = cn_parallel_cores();
    return cores < CN_WN_POLY_MAX_THREADS ? cores : CN_WN_POLY_MAX_THREADS;
}

void cn_wn_poly_destroy(cn_wn_poly *p) {
    if (!p) return;
    wn_lanes_stop(p);
    cn_wn_stream_destroy(p->lane[0].stream);
    free(p->lane[0].buf);
    free(p->voice);
    free(p);
}

void cn_wn_poly_set_temperature(cn_wn_poly *p, float temperature) { p->temperature = temperature; }

void cn_wn_poly_reset(cn_wn_poly *p, int v, int instrument, uint64_t seed) {
    wn_poly_voice *pv = &p->voice[v];
    cn_wn_stream_reset_voice(p->lane[0].stream, v);
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

// Audio worker thread (and the helpers): no allocation, locks or I/O.
static void wn_lane_render(wn_lane *ln, const int *voices, int n, float *out, int frames) {
    const cn_wn_poly *p = ln->p;
    const int C = cn_wn_cond_dim(&p->m->cfg), K = cn_wn_out_dim(&p->m->cfg);
    // The batch's inputs and outputs side by side: feat [n][NFEAT], cond [n][C],
    // logits [n][K], xprev [n], then one work row.
    float *feat = ln->buf, *cond = feat + (size_t)n * CN_WN_NFEAT, *logits = cond + (size_t)n * C,
          *xprev = logits + (size_t)n * K, *work = xprev + n;
    for (int v = 0; v < n; v++) xprev[v] = p->voice[voices[v]].xprev;
    for (int i = 0; i < frames; i++) {
        for (int v = 0; v < n; v++) {
            wn_poly_voice *pv = &p->voice[voices[v]];
            cn_wn_feat_next(&pv->feat, feat + (size_t)v * CN_WN_NFEAT);
            cn_wn_cond_fill(p->m, pv->instrument, feat + (size_t)v * CN_WN_NFEAT, cond + (size_t)v * C);
        }
        cn_wn_stream_logits_batch(ln->stream, voices, n, xprev, cond, logits);
        for (int v = 0; v < n; v++)
            xprev[v] = out[(size_t)v * frames + i] = cn_wn_draw(&p->m->cfg, logits + (size_t)v * K, p->temperature,
                                                                &p->voice[voices[v]].rng, work);
    }
    for (int v = 0; v < n; v++) p->voice[voices[v]].xprev = xprev[v];
}

// The helpers run at the scheduling of the thread that renders (the live worker asks for
// SCHED_FIFO): it waits for them, so they must not wait behind ordinary threads. System
// calls only when the rendering thread changes; refused (no permission) leaves them as they are.
static void wn_follow_sched(cn_wn_poly *p) {
    const pthread_t self = pthread_self();
    if (p->sched_known && pthread_equal(self, p->sched_of)) return;
    int policy;
    struct sched_param sp;
    if (!pthread_getschedparam(self, &policy, &sp))
        for (int k = 1; k < p->n_lanes; k++) (void)pthread_setschedparam(p->lane[k].thread, policy, &sp);
    p->sched_of = self;
    p->sched_known = 1;
}

void cn_wn_poly_render(cn_wn_poly *p, const int *voices, int n, float *out, int frames) {
    // Voices are independent (a voice's samples are the same in any batch): each lane
    // renders a contiguous share of them for the whole block.
    const int lanes = p->n_lanes < n ? p->n_lanes : n;
    if (lanes > 1) wn_follow_sched(p);
    for (int k = 1; k < lanes; k++) {
        wn_lane *ln = &p->lane[k];
        const int a = k * n / lanes, b = (k + 1) * n / lanes;
        ln->voices = voices + a;
        ln->n = b - a;
        ln->out = out + (size_t)a * frames;
        ln->frames = frames;
        sem_post(&ln->go);
    }
    wn_lane_render(&p->lane[0], voices, lanes > 1 ? n / lanes : n, out, frames);
    for (int k = 1; k < lanes; k++) wn_sem_wait(&p->lane[k].done);
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
