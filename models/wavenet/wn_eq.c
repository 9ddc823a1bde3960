// wn_eq.c: the per-instrument spectrum calibration (cn_wn_eq.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_band_energy.h"
#include "dsp/cn_pitch_accuracy.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_levels.h"

#define EQ_FIT_ROUNDS 30
#define EQ_CALIBRATION_ROUNDS 8
#define EQ_DC_HZ 20.0 // measured above this: the model's raw offsets are not heard (DC blocker)
#define EQ_FFT 8192   // band energies: 5.9 Hz bins at 48 kHz, several per third of an octave at 80 Hz

double cn_wn_eq_centre(int b, int per_octave) { return 62.5 * pow(2.0, (double)b / per_octave); }

// Half a band: a band's edges lie this factor either side of its centre.
static double eq_half(int per_octave) { return pow(2.0, 0.5 / per_octave); }

int cn_wn_eq_bands(double rate, int per_octave) {
    int n = 0;
    while (n < cn_wn_eq_table_bands(per_octave) && cn_wn_eq_centre(n, per_octave) < 0.5 * rate / eq_half(per_octave)) n++;
    return n;
}

int cn_wn_eq_band_edges(double rate, int per_octave, double lo_hz, double edges[CN_WN_EQ_MAX_BANDS + 1]) {
    const int bands = cn_wn_eq_bands(rate, per_octave);
    for (int b = 0; b <= bands; b++) edges[b] = cn_wn_eq_centre(b, per_octave) / eq_half(per_octave);
    edges[0] = lo_hz;
    edges[bands] = 0.5 * rate;
    return bands;
}

static int eq_any(const float *gain_db, int per_octave) {
    int any = 0;
    for (int b = 0; b < cn_wn_eq_table_bands(per_octave); b++) any |= gain_db[b] != 0.0f;
    return any;
}

int cn_wn_eq_set(const cn_wn_model *m, int inst) { return eq_any(m->eq_db[inst], m->eq_per_octave); }

// Filter b of n: a low shelf at the first band's upper edge, a high shelf at the last
// band's lower edge, peaking filters one band wide between.
static cn_biquad_coeffs eq_filter(int b, int n, int per_octave, double rate, double gain_db) {
    const double h = eq_half(per_octave), bw = 1.0 / per_octave, q = pow(2.0, bw / 2) / (pow(2.0, bw) - 1.0);
    if (b == 0) return cn_biquad_design(CN_BIQUAD_LOWSHELF, rate, cn_wn_eq_centre(0, per_octave) * h, 0.7071, gain_db);
    if (b == n - 1) return cn_biquad_design(CN_BIQUAD_HIGHSHELF, rate, cn_wn_eq_centre(b, per_octave) / h, 0.7071, gain_db);
    return cn_biquad_design(CN_BIQUAD_PEAKING, rate, cn_wn_eq_centre(b, per_octave), q, gain_db);
}

// Where band b's response is read: its centre, for the shelves a point inside the band.
static double eq_probe(int b, int n, int per_octave, double rate) {
    if (b == 0) return cn_wn_eq_centre(0, per_octave) / eq_half(per_octave);
    if (b == n - 1) {
        double hz = cn_wn_eq_centre(b, per_octave) * eq_half(per_octave);
        return hz < 0.45 * rate ? hz : 0.45 * rate;
    }
    return cn_wn_eq_centre(b, per_octave);
}

double cn_wn_eq_response_db(const cn_wn_eq *eq, double hz, double rate) {
    double db = 0.0;
    for (int b = 0; b < eq->n; b++) db += 20.0 * log10(cn_biquad_magnitude(&eq->c[b], hz, rate));
    return db;
}

void cn_wn_eq_make(const cn_wn_model *m, int inst, cn_wn_eq *eq) {
    cn_wn_eq_design(m->eq_db[inst], m->eq_per_octave, m->cfg.sample_rate, eq);
}

void cn_wn_eq_design(const float *want, int per_octave, double rate, cn_wn_eq *eq) {
    eq->n = eq_any(want, per_octave) ? cn_wn_eq_bands(rate, per_octave) : 0;
    // The filters overlap: move each filter's gain by what the cascade still misses at
    // its band until the response at every band is the table's (a graphic EQ's fit).
    double gain[CN_WN_EQ_MAX_BANDS];
    for (int b = 0; b < eq->n; b++) gain[b] = want[b];
    for (int round = 0; round < EQ_FIT_ROUNDS && eq->n; round++) {
        for (int b = 0; b < eq->n; b++) eq->c[b] = eq_filter(b, eq->n, per_octave, rate, gain[b]);
        for (int b = 0; b < eq->n; b++) {
            gain[b] += 0.8 * (want[b] - cn_wn_eq_response_db(eq, eq_probe(b, eq->n, per_octave, rate), rate));
            gain[b] = gain[b] < -80.0 ? -80.0 : gain[b] > 30.0 ? 30.0 : gain[b];
        }
    }
    for (int b = 0; b < eq->n; b++) eq->c[b] = eq_filter(b, eq->n, per_octave, rate, gain[b]);
}

void cn_wn_eq_reset(const cn_wn_eq *eq, cn_wn_eq_state *s) {
    for (int b = 0; b < eq->n; b++) cn_biquad_init(&s->b[b], &eq->c[b]);
}

void cn_wn_eq_process(const cn_wn_eq *eq, cn_wn_eq_state *s, float *x, int n) {
    for (int b = 0; b < eq->n; b++) cn_biquad_process(&s->b[b], x, n);
}

void cn_wn_eq_apply(const cn_wn_eq *eq, float *x, int64_t n) {
    cn_wn_eq_state s;
    cn_wn_eq_reset(eq, &s);
    for (int64_t t = 0; t < n; t += 1 << 20) cn_wn_eq_process(eq, &s, x + t, (int)(n - t < (1 << 20) ? n - t : 1 << 20));
}

// Energy (dB) of x[0..n) per band of the layout, the first from EQ_DC_HZ.
static cn_status band_db(const float *x, int64_t n, int rate, int per_octave, double *db) {
    double edges[CN_WN_EQ_MAX_BANDS + 1];
    const int bands = cn_wn_eq_band_edges(rate, per_octave, EQ_DC_HZ, edges);
    return cn_band_energies_db(x, (size_t)n, rate, EQ_FFT, edges, bands, db);
}

void cn_wn_eq_tied_bands(const cn_wn_dataset *ds, int name, double rate, int per_octave, int *lo, int *hi) {
    int low = 128;
    for (int i = 0; i < ds->n_clips; i++)
        for (int k = 0; ds->clips[i].instrument == name && k < ds->clips[i].n_notes; k++)
            low = ds->clips[i].notes[k].pitch < low ? ds->clips[i].notes[k].pitch : low;
    const int bands = cn_wn_eq_bands(rate, per_octave);
    *lo = 0;
    *hi = -1;
    if (low == 128) return;
    const double f0 = cn_midi_pitch_to_hz(low), h = eq_half(per_octave);
    while (*lo + 1 < bands && cn_wn_eq_centre(*lo, per_octave) * h <= f0) ++*lo; // the band holding f0
    while (*hi + 1 < bands && cn_wn_eq_centre(*hi + 1, per_octave) <= CN_WN_EQ_TIED_HZ) ++*hi;
}

// The model's side of a clip as the plugin's voices play it (cn_wn_voice_render: level,
// decay and velocity gain, no EQ; each note without its mean), at its place; and the
// recording. Both high-passed at EQ_DC_HZ.
static cn_status clip_pair(const cn_wn_model *m, const cn_wn_clip *clip, int inst, float *model, float *rec) {
    unsigned char *legato = malloc((size_t)(clip->n_notes ? clip->n_notes : 1));
    cn_status st = legato ? cn_wn_voice_render(m, inst, clip, CN_WN_VOICE_DECAY, 0.0, 0.0f, model, legato)
                          : cn_fail(CN_ERR_NOMEM, "out of memory measuring spectra");
    for (int i = 0; !st && i < clip->n_notes; i++) {
        const cn_timed_note *nt = &clip->notes[i];
        int64_t end = nt->off < clip->n ? nt->off : clip->n;
        if (i + 1 < clip->n_notes && clip->notes[i + 1].on < end) end = clip->notes[i + 1].on;
        const int64_t len = end - nt->on;
        if (len <= 0) continue;
        float *y = model + nt->on;
        const float g = cn_wn_note_gain(m, inst, nt->pitch, nt->velocity, legato[i]);
        double mean = 0.0; // the model's offset is not heard (DC blocker), nor its steps
        for (int64_t k = 0; k < len; k++) mean += y[k];
        mean /= (double)len;
        for (int64_t k = 0; k < len; k++) y[k] = (float)(y[k] - mean) * g;
    }
    free(legato);
    for (int64_t t = 0; t < clip->n; t++) rec[t] = cn_wn_clip_value(clip, t); // FluidSynth's, also for a mu-law model
    const cn_wn_eq hp = {.c = {cn_biquad_design(CN_BIQUAD_HIGHPASS, m->cfg.sample_rate, EQ_DC_HZ, 0.7071, 0.0)}, .n = 1};
    cn_wn_eq_apply(&hp, model, clip->n);
    cn_wn_eq_apply(&hp, rec, clip->n);
    return st;
}

// Whether a clip holds a note of CN_WN_DECAY_HOLD_S or more (a held run).
static int clip_has_held(const cn_wn_clip *clip, int rate) {
    for (int i = 0; i < clip->n_notes; i++)
        if (clip->notes[i].off - clip->notes[i].on >= (int64_t)(CN_WN_DECAY_HOLD_S * rate)) return 1;
    return 0;
}

// The instrument's clips of `ds` but held runs: the model's side of each (clip_pair) and the band
// energies (linear, times the clip's length) of the recordings, summed into fl[].
typedef struct eq_clips {
    float **model;
    int64_t *n;
    int count;
} eq_clips;

static void eq_clips_free(eq_clips *c) {
    for (int i = 0; i < c->count; i++) free(c->model[i]);
    free(c->model);
    free(c->n);
}

static cn_status eq_clips_load(const cn_wn_model *m, const cn_wn_dataset *ds, int name, int inst, int bands,
                               int per_octave, eq_clips *c, double *fl) {
    const int rate = m->cfg.sample_rate;
    *c = (eq_clips){0};
    c->model = calloc((size_t)ds->n_clips + 1, sizeof *c->model);
    c->n = calloc((size_t)ds->n_clips + 1, sizeof *c->n);
    cn_status st = c->model && c->n ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory measuring spectra");
    for (int i = 0; !st && i < ds->n_clips; i++) {
        const cn_wn_clip *clip = &ds->clips[i];
        if (clip->instrument != name || clip_has_held(clip, rate)) continue; // held runs: the decay's business
        float *a = malloc((size_t)clip->n * sizeof *a), *b = malloc((size_t)clip->n * sizeof *b);
        double db[CN_WN_EQ_MAX_BANDS];
        st = a && b ? clip_pair(m, clip, inst, a, b) : cn_fail(CN_ERR_NOMEM, "out of memory measuring spectra");
        if (!st) st = band_db(b, clip->n, rate, per_octave, db);
        for (int k = 0; !st && k < bands; k++) fl[k] += (double)clip->n * pow(10.0, db[k] / 10.0);
        free(b);
        c->model[c->count] = a;
        c->n[c->count++] = clip->n;
    }
    return st;
}

// Band energies (linear, times length) of the model's side through the table `gain`.
static cn_status eq_model_bands(const cn_wn_model *m, const eq_clips *c, const float *gain, int bands, int per_octave,
                               double *md) {
    const int rate = m->cfg.sample_rate;
    cn_status st = CN_OK;
    cn_wn_eq eq;
    cn_wn_eq_design(gain, per_octave, rate, &eq);
    for (int k = 0; k < bands; k++) md[k] = 0.0;
    for (int i = 0; !st && i < c->count; i++) {
        float *y = malloc((size_t)c->n[i] * sizeof *y);
        double db[CN_WN_EQ_MAX_BANDS];
        if (!y) return cn_fail(CN_ERR_NOMEM, "out of memory measuring spectra");
        memcpy(y, c->model[i], (size_t)c->n[i] * sizeof *y);
        cn_wn_eq_apply(&eq, y, c->n[i]);
        st = band_db(y, c->n[i], rate, per_octave, db);
        for (int k = 0; !st && k < bands; k++) md[k] += (double)c->n[i] * pow(10.0, db[k] / 10.0);
        free(y);
    }
    return st;
}

// A table of another layout on an instrument this calibration leaves alone: the model
// plays one layout, so that table would be misread.
static cn_status eq_layout_check(const cn_wn_model *m, char names[][32], int n_names, int per_octave) {
    if (per_octave == m->eq_per_octave) return CN_OK;
    for (int i = 0; i < m->cfg.n_instruments; i++) {
        int named = 0;
        for (int k = 0; k < n_names; k++) named |= !strcmp(names[k], m->cfg.instruments[i]);
        if (cn_wn_eq_set(m, i) && !named)
            return cn_fail(CN_ERR_ARG,
                           "eq: %s's spectrum table has %d band(s) per octave, not %d: calibrate every instrument "
                           "of the model together (or keep its layout)",
                           m->cfg.instruments[i], m->eq_per_octave, per_octave);
    }
    return CN_OK;
}

cn_status cn_wn_eq_layout_set(cn_wn_model *m, char names[][32], int n_names, int per_octave) {
    if (per_octave < 1 || per_octave > CN_WN_EQ_MAX_PER_OCTAVE)
        return cn_fail(CN_ERR_ARG, "eq: %d bands per octave (1 to %d)", per_octave, CN_WN_EQ_MAX_PER_OCTAVE);
    cn_status st = eq_layout_check(m, names, n_names, per_octave);
    if (!st) m->eq_per_octave = per_octave;
    return st;
}

cn_status cn_wn_calibrate_eq_one(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int name,
                                 void (*report)(void *ctx, const char *line), void *ctx) {
    const int per_octave = m->eq_per_octave, bands = cn_wn_eq_bands(m->cfg.sample_rate, per_octave);
    int inst = cn_wn_instrument_index(&m->cfg, names[name]);
    if (inst < 0) return cn_fail(CN_ERR_ARG, "eq: the model has no instrument '%s'", names[name]);
    memset(m->eq_db[inst], 0, sizeof m->eq_db[inst]); // measured without a table
    double fl[CN_WN_EQ_MAX_BANDS] = {0}, md[CN_WN_EQ_MAX_BANDS], raw = 0.0, rec = 0.0;
    eq_clips c;
    cn_status st = eq_clips_load(m, ds, name, inst, bands, per_octave, &c, fl);
    float gain[CN_WN_EQ_MAX_BANDS] = {0};
    int tied_lo, tied_hi;
    cn_wn_eq_tied_bands(ds, name, m->cfg.sample_rate, per_octave, &tied_lo, &tied_hi);
    if (!st) st = eq_model_bands(m, &c, gain, bands, per_octave, md);
    for (int k = 0; !st && k < bands; k++) raw += md[k], rec += fl[k];
    // The filters' bands overlap and are not flat inside: move the table by what the
    // model through it still misses per band (the tied bands by what they miss together),
    // against FluidSynth's balance at the model's own total energy (the level table sets
    // the level).
    for (int round = 0; !st && raw > 0.0 && rec > 0.0 && round < EQ_CALIBRATION_ROUNDS; round++) {
        double tied_want = 0.0, tied_md = 0.0;
        for (int k = tied_lo; k <= tied_hi; k++) tied_want += fl[k] * raw / rec, tied_md += md[k];
        for (int k = 0; k < bands; k++) {
            const int tied = k >= tied_lo && k <= tied_hi;
            double want = tied ? tied_want : fl[k] * raw / rec, have = tied ? tied_md : md[k], v = gain[k];
            if (want > 0.0 && have > 0.0) v += 10.0 * log10(want / have);
            gain[k] = (float)(v < CN_WN_EQ_MIN_DB ? CN_WN_EQ_MIN_DB : v > CN_WN_EQ_MAX_DB ? CN_WN_EQ_MAX_DB : v);
        }
        st = eq_model_bands(m, &c, gain, bands, per_octave, md);
    }
    eq_clips_free(&c);
    if (st) return st;
    char line[1024];
    int len;
    if (raw > 0.0 && rec > 0.0) {
        // What the table still misses where its limits do not hold it, and where they do
        // (a table held at a limit leaves the voice short of FluidSynth's balance there).
        double worst = 0.0, held_worst = 0.0;
        int n_held = 0;
        for (int k = 0; k < bands; k++) {
            if (k >= tied_lo && k <= tied_hi) continue; // one gain there: their balance is the model's
            double miss = md[k] > 0.0 && fl[k] > 0.0 ? 10.0 * log10(md[k] / (fl[k] * raw / rec)) : 0.0;
            int held = (gain[k] <= CN_WN_EQ_MIN_DB && miss > 0) || (gain[k] >= CN_WN_EQ_MAX_DB && miss < 0);
            if (held) n_held++, held_worst = fabs(miss) > fabs(held_worst) ? miss : held_worst;
            else if (fabs(miss) > fabs(worst)) worst = miss;
        }
        memcpy(m->eq_db[inst], gain, sizeof gain);
        len = snprintf(line, sizeof line, "%s: spectrum (dB per 1/%d-octave band, centred on 62.5 Hz * 2^(k/%d)):",
                       names[name], per_octave, per_octave);
        for (int k = 0; k < bands; k++) len += snprintf(line + len, sizeof line - (size_t)len, " %+.1f", gain[k]);
        len += snprintf(line + len, sizeof line - (size_t)len, "; balance within %.1f dB", fabs(worst));
        if (tied_hi >= tied_lo)
            len += snprintf(line + len, sizeof line - (size_t)len, " (bands %d-%d, %.0f-%.0f Hz, as one)", tied_lo,
                            tied_hi, cn_wn_eq_centre(tied_lo, per_octave), cn_wn_eq_centre(tied_hi, per_octave));
        if (n_held)
            snprintf(line + len, sizeof line - (size_t)len,
                     "; %d band(s) held at the table's limit (%+.0f..%+.0f dB), off by up to %+.1f dB", n_held,
                     CN_WN_EQ_MIN_DB, CN_WN_EQ_MAX_DB, held_worst);
    } else {
        snprintf(line, sizeof line, "%s: no note to measure: no spectrum table", names[name]);
    }
    if (report) report(ctx, line);
    return CN_OK;
}

cn_status cn_wn_calibrate_eq(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names, int per_octave,
                             void (*report)(void *ctx, const char *line), void *ctx) {
    cn_status st = cn_wn_eq_layout_set(m, names, n_names, per_octave);
    for (int name = 0; name < n_names && !st; name++) st = cn_wn_calibrate_eq_one(m, ds, names, name, report, ctx);
    return st;
}
