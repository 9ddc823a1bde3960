// wn_levels.c: per-note levels against FluidSynth and the calibration table (cn_wn_levels.h).
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cn_graph.h"
#include "models/cn_smf.h"
#include "models/nn/cn_parallel.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

#define LEVEL_SKIP_S 0.05 // the attack is left out of a note's level
#define LEVEL_MAX_S 1.0
#define LEVEL_MIN_S 0.1   // shorter notes are not measured

cn_status cn_wn_write_run_midi(int program, int low, int high, int step, double hold, int velocity, int legato,
                               const char *path) {
    if (program < 0 || program > 127 || low < 0 || high > 127 || low > high || step < 1 || !(hold >= 0.01 && hold <= 60) ||
        velocity < 1 || velocity > 127)
        return cn_fail(CN_ERR_RANGE, "calibration run: program %d, pitches %d..%d step %d, %g s, velocity %d", program,
                       low, high, step, hold, velocity);
    cn_smf smf;
    cn_smf_begin(&smf, 0, 1, 480); // 120 bpm: 960 ticks per second
    cn_smf_track_begin(&smf);
    uint8_t prog = (uint8_t)program;
    cn_smf_event(&smf, 0, 0xc0, &prog, 1);
    const uint32_t on_ticks = (uint32_t)(hold * 960.0 + 0.5), rest_ticks = legato ? 0 : (uint32_t)(hold * 240.0 + 0.5);
    const int n = (high - low) / step + 1, notes = legato ? 2 * n - 1 : n;
    for (int i = 0; i < notes; i++) { // legato: up, then down again
        const int p = low + step * (i < n ? i : 2 * (n - 1) - i);
        uint8_t on[2] = {(uint8_t)p, (uint8_t)velocity}, off[2] = {(uint8_t)p, 0};
        cn_smf_event(&smf, i == 0 ? 0 : rest_ticks, 0x90, on, 2);
        cn_smf_event(&smf, on_ticks, 0x80, off, 2);
    }
    cn_smf_track_end(&smf);
    return cn_smf_write_file(&smf, path);
}

// Level of x[0..n) without its mean: the model's raw output can sit on an offset that
// playback's DC blocker removes, and that is not heard.
float cn_wn_note_gain(const cn_wn_model *m, int inst, int pitch, int velocity, int legato) {
    const float v = (float)velocity / CN_WN_LEVEL_VELOCITY;
    return v * v * powf(10.0f, (legato ? m->legato_db : m->level_db)[inst][pitch & 127] / 20.0f);
}

static double rms_db(const float *x, int64_t n) {
    double mean = 0, s = 0;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)(n > 0 ? n : 1);
    for (int64_t i = 0; i < n; i++) s += ((double)x[i] - mean) * ((double)x[i] - mean);
    return 10.0 * log10(s / (double)(n > 0 ? n : 1) + 1e-20);
}

// The phrase of clip's notes that starts at note i (cn_wn_voice_render): notes[i..*j), its
// frames [*start, *end) (*end <= *start: nothing to render).
static void phrase_at(const cn_wn_model *m, const cn_wn_clip *clip, int i, double note_s, int *j, int64_t *start,
                      int64_t *end) {
    const int64_t span = (int64_t)(note_s * m->cfg.sample_rate + 0.5),
                  tail = m->legato ? (int64_t)((CN_WN_RELEASE_HOLD_S + CN_WN_RELEASE_FADE_S) * m->cfg.sample_rate) : 0;
    int k;
    for (k = i + 1; k < clip->n_notes; k++) {
        const cn_timed_note *last = &clip->notes[k - 1], *next = &clip->notes[k];
        if (next->on < last->off || next->on - last->off >= tail) break;
    }
    *j = k;
    *start = clip->notes[i].on;
    *end = clip->notes[k - 1].off < clip->n ? clip->notes[k - 1].off : clip->n;
    if (span > 0 && clip->notes[k - 1].on + span < *end) *end = clip->notes[k - 1].on + span;
    // A note that starts before the last one's off begins the next phrase, which takes over
    // from there (its samples are this phrase's: rendering is causal), so phrases never overlap.
    if (k < clip->n_notes && clip->notes[k].on < *end) *end = clip->notes[k].on;
}

void cn_wn_voice_tables(const cn_wn_model *m, int inst, const cn_wn_clip *clip, int tables, double note_s,
                        float *out) {
    cn_wn_eq tab;
    cn_wn_eq_make(m, inst, &tab);
    int64_t start, end;
    for (int i = 0, j; i < clip->n_notes; i = j) {
        phrase_at(m, clip, i, note_s, &j, &start, &end);
        if (start >= clip->n) break;
        if (end <= start) continue;
        for (int k = i; (tables & CN_WN_VOICE_DECAY) && k < j; k++) {
            const int64_t on = clip->notes[k].on, to = k + 1 < j && clip->notes[k + 1].on < end ? clip->notes[k + 1].on : end;
            if (to > on) cn_wn_decay_apply(m, inst, clip->notes[k].pitch, 0, out + on, (int)(to - on));
        }
        if (tables & CN_WN_VOICE_EQ) cn_wn_eq_apply(&tab, out + start, end - start);
    }
}

cn_status cn_wn_voice_render(const cn_wn_model *m, int inst, const cn_wn_clip *clip, int tables, double note_s,
                             float temperature, float *out, unsigned char *legato) {
    cn_timed_note *ph = malloc((size_t)(clip->n_notes ? clip->n_notes : 1) * sizeof *ph);
    cn_wn_synth *s = NULL;
    cn_status st = ph ? cn_wn_synth_create(m, inst, temperature, 1, &s) : cn_fail(CN_ERR_NOMEM, "out of memory rendering notes");
    memset(out, 0, (size_t)clip->n * sizeof *out);
    int64_t start, end;
    for (int i = 0, j; !st && i < clip->n_notes; i = j) {
        phrase_at(m, clip, i, note_s, &j, &start, &end);
        if (start >= clip->n) break;
        for (int k = i; legato && k < j; k++) legato[k] = k > i;
        for (int k = i; k < j; k++)
            ph[k - i] = (cn_timed_note){clip->notes[k].on - start, clip->notes[k].off - start, clip->notes[k].pitch,
                                        CN_WN_LEVEL_VELOCITY};
        if (end > start) cn_wn_synth_render_notes(s, 1, ph, j - i, end - start, out + start);
    }
    if (!st) cn_wn_voice_tables(m, inst, clip, tables, note_s, out);
    cn_wn_synth_destroy(s);
    free(ph);
    return st;
}

// The level differences over [onset + 50 ms, note-off) (at most 1 s), or with `onset` over
// the decay table's first window (its reference: a decaying note's level is set there, and
// its table takes it from there; over a longer window the first tens of milliseconds would
// outweigh the rest).
// legato (may be NULL) gets each measured note's context (cn_wn_voice_render), fluid (may
// be NULL) FluidSynth's level at CN_WN_LEVEL_VELOCITY (the velocity curve taken out).
// A note's measured window: [onset + skip, + len) of the clip's frames, or 0 when the note
// is too short or runs past the clip.
typedef struct { int64_t skip, max, min; } level_window;

static level_window window_of(const cn_wn_model *m, int onset) {
    const int rate = m->cfg.sample_rate;
    return (level_window){(int64_t)((onset ? cn_wn_decay_times[0] - 0.5 * CN_WN_DECAY_WINDOW : LEVEL_SKIP_S) * rate),
                          (int64_t)((onset ? CN_WN_DECAY_WINDOW : LEVEL_MAX_S) * rate),
                          (int64_t)((onset ? CN_WN_DECAY_WINDOW : LEVEL_MIN_S) * rate)};
}

static int64_t window_len(const level_window *w, const cn_wn_clip *clip, const cn_timed_note *nt) {
    int64_t len = nt->off - nt->on - w->skip;
    if (len > w->max) len = w->max;
    return len < w->min || nt->on + w->skip + len > clip->n ? 0 : len;
}

static cn_status level_diffs(const cn_wn_model *m, const cn_wn_clip *clip, int onset, double *diff, int *pitch,
                             unsigned char *legato, double *fluid, int *n) {
    const level_window w = window_of(m, onset);
    float *a = malloc((size_t)(clip->n ? clip->n : 1) * sizeof *a), *b = malloc((size_t)w.max * sizeof *b);
    unsigned char *carried = malloc((size_t)(clip->n_notes ? clip->n_notes : 1));
    // Rendering is causal: each phrase ends where its last note's window does.
    cn_status st = a && b && carried ? cn_wn_voice_render(m, clip->instrument, clip, CN_WN_VOICE_DECAY | CN_WN_VOICE_EQ,
                                                          (double)(w.skip + w.max) / m->cfg.sample_rate, 0.0f, a, carried)
                                     : cn_fail(CN_ERR_NOMEM, "out of memory measuring levels");
    *n = 0;
    for (int i = 0; !st && i < clip->n_notes; i++) {
        const cn_timed_note *nt = &clip->notes[i];
        const int64_t len = window_len(&w, clip, nt);
        if (!len) continue;
        for (int64_t k = 0; k < len; k++) b[k] = cn_wn_clip_heard(clip, nt->on + w.skip + k, m->cfg.out);
        const double heard = rms_db(b, len);
        diff[*n] = rms_db(a + nt->on + w.skip, len) +
                   20.0 * log10(cn_wn_note_gain(m, clip->instrument, nt->pitch, nt->velocity, carried[i])) - heard;
        if (fluid) { // at full resolution: what the voices aim at is the recording itself
            for (int64_t k = 0; k < len; k++) b[k] = cn_wn_clip_value(clip, nt->on + w.skip + k);
            fluid[*n] = rms_db(b, len) - 40.0 * log10((double)nt->velocity / CN_WN_LEVEL_VELOCITY);
        }
        if (pitch) pitch[*n] = nt->pitch;
        if (legato) legato[*n] = carried[i];
        (*n)++;
    }
    free(carried);
    free(a);
    free(b);
    return st;
}

cn_status cn_wn_audio_level_diffs(const cn_wn_model *m, const cn_wn_clip *clip, const float *audio, double *diff,
                                  int *n) {
    const level_window w = window_of(m, 0);
    float *b = malloc((size_t)w.max * sizeof *b);
    *n = 0;
    if (!b) return cn_fail(CN_ERR_NOMEM, "out of memory measuring levels");
    for (int i = 0; i < clip->n_notes; i++) {
        const cn_timed_note *nt = &clip->notes[i];
        const int64_t len = window_len(&w, clip, nt);
        if (!len) continue;
        for (int64_t k = 0; k < len; k++) b[k] = cn_wn_clip_value(clip, nt->on + w.skip + k);
        diff[(*n)++] = rms_db(audio + nt->on + w.skip, len) - rms_db(b, len);
    }
    free(b);
    return CN_OK;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double cn_wn_median(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

// A table over pitches from measured notes: out[p * out_stride] = the median of the values
// x[i * stride] of the notes i (of n) at pitch p; col is scratch for n values. Pitches
// without a note take the nearest measured pitch's value (the lower one on a tie), or with
// `linear` the line between the measured pitches either side (the nearest beyond them).
// measured[p] says which had notes; returns how many did (0: out is left as it was).
static int pitch_medians(const double *x, int stride, const int *pitch, int n, double *col, int linear, float *out,
                         int out_stride, int measured[128]) {
    int n_measured = 0;
    for (int p = 0; p < 128; p++) {
        int k = 0;
        for (int i = 0; i < n; i++)
            if (pitch[i] == p) col[k++] = x[(size_t)i * (size_t)stride];
        if (k) out[p * out_stride] = (float)cn_wn_median(col, k);
        measured[p] = k > 0;
        n_measured += measured[p];
    }
    for (int p = 0; n_measured && p < 128; p++) {
        if (measured[p]) continue;
        int lo = p - 1, hi = p + 1;
        while (lo >= 0 && !measured[lo]) lo--;
        while (hi < 128 && !measured[hi]) hi++;
        if (lo < 0 || (hi < 128 && !linear && hi - p < p - lo)) out[p * out_stride] = out[hi * out_stride];
        else if (hi >= 128 || !linear) out[p * out_stride] = out[lo * out_stride];
        else {
            const float f = (float)(p - lo) / (float)(hi - lo);
            out[p * out_stride] = (1.0f - f) * out[lo * out_stride] + f * out[hi * out_stride];
        }
    }
    return n_measured;
}

// Notes in the clips of the data set's folder `name`: room for folder_diffs.
static int folder_notes(const cn_wn_dataset *ds, int name) {
    int n = 0;
    for (int c = 0; c < ds->n_clips; c++) n += ds->clips[c].instrument == name ? ds->clips[c].n_notes : 0;
    return n;
}

// The level differences of every measurable note of folder `name`, played by the model's
// instrument `inst`, appended to diff[] (and pitch[], legato[] and fluid[], may be NULL);
// *total = how many.
static cn_status folder_diffs(const cn_wn_model *m, const cn_wn_dataset *ds, int name, int inst, int onset,
                              double *diff, int *pitch, unsigned char *legato, double *fluid, int *total) {
    cn_status st = CN_OK;
    *total = 0;
    for (int c = 0; !st && c < ds->n_clips; c++) {
        if (ds->clips[c].instrument != name) continue;
        cn_wn_clip clip = ds->clips[c];
        clip.instrument = inst; // the clip's index is the data set's; the model's may differ
        int got = 0;
        st = level_diffs(m, &clip, onset, diff + *total, pitch ? pitch + *total : NULL,
                         legato ? legato + *total : NULL, fluid ? fluid + *total : NULL, &got);
        *total += got;
    }
    return st;
}

// One context's table (legato or not) from the notes of that context among diff[0..total)
// (corrections, per pitch[]); returns how many pitches had notes (0: table left as it
// was) and the worst of their corrections, negated, in *worst.
static int context_table(const double *diff, const int *pitch, const unsigned char *legato, int total, int want,
                         double *x, int *xp, double *sorted, float *table, double *worst) {
    int n = 0, is_measured[128];
    for (int i = 0; i < total; i++)
        if (legato[i] == want) {
            x[n] = diff[i];
            xp[n++] = pitch[i];
        }
    const int measured = n ? pitch_medians(x, 1, xp, n, sorted, 0, table, 1, is_measured) : 0;
    *worst = 0.0;
    for (int p = 0; measured && p < 128; p++)
        if (is_measured[p] && fabs(table[p]) > fabs(*worst)) *worst = -table[p];
    return measured;
}

static cn_status held_targets(const cn_wn_model *m, const cn_wn_dataset *ds, int name,
                              float (*target)[CN_WN_DECAY_KNOTS], int *n);

// The level tables of folder `name`'s instrument, a voice's first notes' and its legato
// notes' (the first notes' where no note was legato); its report line starts with `prefix`.
static cn_status levels_one(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int name, const char *prefix,
                            void (*report)(void *ctx, const char *line), void *ctx) {
    int inst = cn_wn_instrument_index(&m->cfg, names[name]);
    if (inst < 0) return cn_fail(CN_ERR_ARG, "levels: the model has no instrument '%s'", names[name]);
    // Every measured note of this instrument, by pitch and context, against the uncalibrated model.
    const size_t cap = (size_t)(folder_notes(ds, name) ? folder_notes(ds, name) : 1);
    double *diff = malloc(cap * sizeof *diff), *sorted = malloc(cap * sizeof *sorted), *x = malloc(cap * sizeof *x),
           *fluid = malloc(cap * sizeof *fluid);
    int *pitch = malloc(cap * sizeof *pitch), *xp = malloc(cap * sizeof *xp), total = 0;
    unsigned char *legato = malloc(cap);
    cn_status st = diff && sorted && x && fluid && pitch && xp && legato ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory");
    float saved[2][128];
    memcpy(saved[0], m->level_db[inst], sizeof saved[0]);
    memcpy(saved[1], m->legato_db[inst], sizeof saved[1]);
    memset(m->level_db[inst], 0, sizeof saved[0]);
    memset(m->legato_db[inst], 0, sizeof saved[1]);
    if (!st) st = folder_diffs(m, ds, name, inst, cn_wn_decay_set(m, inst), diff, pitch, legato, fluid, &total);
    if (!st && total == 0) st = cn_fail(CN_ERR_FORMAT, "levels: no note of %s long enough to measure", names[name]);
    if (!st) {
        // The correction per pitch: the median note's difference, negated.
        for (int i = 0; i < total; i++) diff[i] = -diff[i];
        double worst[2];
        const int measured = context_table(diff, pitch, legato, total, 0, x, xp, sorted, m->level_db[inst], &worst[0]),
                  measured_legato = context_table(diff, pitch, legato, total, 1, x, xp, sorted, m->legato_db[inst], &worst[1]);
        int n_legato = 0;
        for (int i = 0; i < total; i++) n_legato += legato[i];
        // The voices' targets: FluidSynth's level over time after the onset from its held
        // notes, or without one its level per pitch over every note's window, whatever the
        // context.
        int held = 0;
        st = held_targets(m, ds, name, m->target_db[inst], &held);
        if (!st && !held) {
            float flat[128];
            int is_measured[128];
            pitch_medians(fluid, 1, pitch, total, sorted, 0, flat, 1, is_measured);
            for (int p = 0; p < 128; p++)
                for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) m->target_db[inst][p][k] = flat[p];
        }
        if (!measured) memcpy(m->level_db[inst], m->legato_db[inst], sizeof saved[0]);
        if (!measured_legato) memcpy(m->legato_db[inst], m->level_db[inst], sizeof saved[0]);
        char line[320];
        snprintf(line, sizeof line,
                 "%s%s: %d notes over %d pitches, the worst %+.1f dB from FluidSynth uncalibrated; %d of them legato, "
                 "over %d pitches, the worst %+.1f dB",
                 prefix, names[name], total - n_legato, measured, worst[0], n_legato, measured_legato, worst[1]);
        if (report) report(ctx, line);
    } else {
        memcpy(m->level_db[inst], saved[0], sizeof saved[0]);
        memcpy(m->legato_db[inst], saved[1], sizeof saved[1]);
    }
    free(diff), free(sorted), free(x), free(fluid), free(pitch), free(xp), free(legato);
    return st;
}

cn_status cn_wn_calibrate_levels(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                 void (*report)(void *ctx, const char *line), void *ctx) {
    cn_status st = CN_OK;
    for (int name = 0; name < n_names && !st; name++) st = levels_one(m, ds, names, name, "", report, ctx);
    return st;
}

cn_status cn_wn_level_stats_of(const char *model_path, const cn_wn_model *m, const cn_wn_dataset *ds, int name,
                               const char *instrument, cn_wn_level_stats *out) {
    const int inst = cn_wn_instrument_index(&m->cfg, instrument);
    if (inst < 0) return cn_fail(CN_ERR_ARG, "levels: the model has no instrument '%s'", instrument);
    char args[4400];
    if (snprintf(args, sizeof args, "model=%s,instrument=%s,temperature=0,threads=1", model_path, instrument) >=
        (int)sizeof args)
        return cn_fail(CN_ERR_ARG, "%s: path too long", model_path);
    const int cap = folder_notes(ds, name);
    double *diff = malloc((size_t)(cap ? cap : 1) * sizeof *diff);
    if (!diff) return cn_fail(CN_ERR_NOMEM, "out of memory");
    int total = 0;
    cn_status st = CN_OK;
    for (int c = 0; !st && c < ds->n_clips; c++) {
        const cn_wn_clip *clip = &ds->clips[c];
        if (clip->instrument != name) continue;
        float *played = malloc((size_t)(clip->n ? clip->n : 1) * sizeof *played);
        int got = 0;
        st = played ? cn_graph_render_notes(&cn_wavenet_plugin, args, clip->notes, clip->n_notes, m->cfg.sample_rate,
                                            clip->n, played)
                    : cn_fail(CN_ERR_NOMEM, "out of memory");
        if (!st) st = cn_wn_audio_level_diffs(m, clip, played, diff + total, &got);
        total += got;
        free(played);
    }
    *out = (cn_wn_level_stats){.notes = total};
    if (!st && total) {
        int ok = 0;
        for (int i = 0; i < total; i++) {
            ok += fabs(diff[i]) <= 6.0;
            if (fabs(diff[i]) > fabs(out->worst_db)) out->worst_db = diff[i];
        }
        out->median_db = cn_wn_median(diff, total);
        out->within6 = (double)ok / total;
    }
    free(diff);
    return st;
}

// ---- decay ----

int cn_wn_decay_set(const cn_wn_model *m, int inst) {
    for (int p = 0; p < 128; p++)
        for (int k = 0; k < CN_WN_DECAY_KNOTS; k++)
            if (m->decay_db[inst][p][k] != 0.0f) return 1;
    return 0;
}

const double cn_wn_decay_times[CN_WN_DECAY_KNOTS] = {0.06, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7,
                                                     1.0,  1.4, 1.8,  2.2, 2.6, 3.0, 3.4, 3.9};

float cn_wn_decay_db(const cn_wn_model *m, int inst, int pitch, double t) {
    int k = 0;
    return cn_wn_knots_at(m->decay_db[inst][pitch & 127], cn_wn_decay_times, t, &k);
}

void cn_wn_decay_apply(const cn_wn_model *m, int inst, int pitch, int64_t since_onset, float *x, int n) {
    const double rate = m->cfg.sample_rate;
    const float *d = m->decay_db[inst][pitch & 127];
    int any = 0; // this pitch's row only: sustained instruments have none, and it is the audio path
    for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) any |= d[k] != 0.0f;
    if (!any) return;
    int k = 0; // the segment only moves forward: one pass over the knots per block
    for (int i = 0; i < n; i++)
        x[i] *= powf(10.0f, cn_wn_knots_at(d, cn_wn_decay_times, (double)(since_onset + i) / rate, &k) / 20.0f);
}

// The knots' levels (dB) of x, a note from its onset: RMS over CN_WN_DECAY_WINDOW around
// each knot time, without its mean.
static void knot_levels(const float *x, int rate, double *db) {
    const int64_t w = (int64_t)(CN_WN_DECAY_WINDOW * rate);
    for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) db[k] = rms_db(x + (int64_t)(cn_wn_decay_times[k] * rate) - w / 2, w);
}

// FluidSynth's knot levels (dB) of every held note (CN_WN_DECAY_HOLD_S or longer) of
// folder `name`, at most cap of them: db[note][k] and pitch[note], with the velocity curve
// taken out when `full`. full: the recording at full resolution (what the voices aim at),
// else as the model hears it (cn_wn_clip_heard: what it is measured against). *total = how many.
static cn_status held_levels(const cn_wn_model *m, const cn_wn_dataset *ds, int name, int full,
                             double (*db)[CN_WN_DECAY_KNOTS], int *pitch, int cap, int *total) {
    const int rate = m->cfg.sample_rate;
    const int64_t len = (int64_t)(CN_WN_DECAY_HOLD_S * rate);
    float *b = malloc((size_t)len * sizeof *b);
    *total = 0;
    if (!b) return cn_fail(CN_ERR_NOMEM, "out of memory measuring held notes");
    for (int c = 0; c < ds->n_clips; c++) {
        const cn_wn_clip *clip = &ds->clips[c];
        if (clip->instrument != name) continue;
        for (int i = 0; i < clip->n_notes && *total < cap; i++) {
            const cn_timed_note *nt = &clip->notes[i];
            if (nt->off - nt->on < len || nt->on + len > clip->n) continue;
            for (int64_t k = 0; k < len; k++)
                b[k] = full ? cn_wn_clip_value(clip, nt->on + k) : cn_wn_clip_heard(clip, nt->on + k, m->cfg.out);
            knot_levels(b, rate, db[*total]);
            for (int k = 0; full && k < CN_WN_DECAY_KNOTS; k++)
                db[*total][k] -= 40.0 * log10((double)nt->velocity / CN_WN_LEVEL_VELOCITY);
            pitch[(*total)++] = nt->pitch;
        }
    }
    free(b);
    return CN_OK;
}

// The targets of folder `name`'s instrument (cn_wn_model.target_db) from its held notes:
// per pitch and knot the median of FluidSynth's knot levels (velocity curve taken out),
// linear between measured pitches, the nearest one's outside. *n = how many held notes
// there were (0: target left as it was).
static cn_status held_targets(const cn_wn_model *m, const cn_wn_dataset *ds, int name,
                              float (*target)[CN_WN_DECAY_KNOTS], int *n) {
    const int cap = folder_notes(ds, name) + 1;
    double(*db)[CN_WN_DECAY_KNOTS] = malloc((size_t)cap * sizeof *db);
    double *col = malloc((size_t)cap * sizeof *col);
    int *pitch = malloc((size_t)cap * sizeof *pitch), total = 0, measured[128];
    cn_status st = db && col && pitch ? held_levels(m, ds, name, 1, db, pitch, cap, &total)
                                      : cn_fail(CN_ERR_NOMEM, "out of memory measuring targets");
    for (int k = 0; !st && total && k < CN_WN_DECAY_KNOTS; k++)
        pitch_medians(&db[0][k], CN_WN_DECAY_KNOTS, pitch, total, col, 1, &target[0][k], CN_WN_DECAY_KNOTS, measured);
    free(db), free(col), free(pitch);
    *n = total;
    return st;
}

// Per knot correction (FluidSynth - model, relative to the first knot, clamped) of every
// held note of folder `name`, played by the model's instrument `inst` without a table:
// corr[note][k] (only when with_model: the model's renders are the slow part), pitch[note]
// and FluidSynth's own fall from the first knot to the last, drop[note] (dB); *total =
// how many.
static cn_status held_corrections(cn_wn_model *m, const cn_wn_dataset *ds, int name, int inst, int with_model,
                                  double (*corr)[CN_WN_DECAY_KNOTS], int *pitch, double *drop, int cap, int *total) {
    const int rate = m->cfg.sample_rate;
    const int64_t len = (int64_t)(CN_WN_DECAY_HOLD_S * rate);
    double(*fdb)[CN_WN_DECAY_KNOTS] = malloc((size_t)cap * sizeof *fdb);
    float *a = with_model ? malloc((size_t)len * sizeof *a) : NULL;
    cn_wn_synth *s = NULL;
    cn_status st = fdb && (a || !with_model) ? held_levels(m, ds, name, 0, fdb, pitch, cap, total)
                                             : cn_fail(CN_ERR_NOMEM, "out of memory measuring decay");
    if (!st && with_model) st = cn_wn_synth_create(m, inst, 0.0f, 1, &s);
    for (int i = 0; !st && i < *total; i++) {
        drop[i] = fdb[i][CN_WN_DECAY_KNOTS - 1] - fdb[i][0];
        if (!with_model) continue;
        double mdb[CN_WN_DECAY_KNOTS];
        cn_timed_note alone = {0, len, pitch[i], CN_WN_LEVEL_VELOCITY};
        cn_wn_synth_render_notes(s, 1, &alone, 1, len, a);
        knot_levels(a, rate, mdb);
        for (int k = 0; k < CN_WN_DECAY_KNOTS; k++) {
            double d = (fdb[i][k] - mdb[k]) - (fdb[i][0] - mdb[0]);
            corr[i][k] = d < -CN_WN_DECAY_MAX_DB ? -CN_WN_DECAY_MAX_DB : d > CN_WN_DECAY_UP_DB ? CN_WN_DECAY_UP_DB : d;
        }
    }
    cn_wn_synth_destroy(s);
    free(a);
    free(fdb);
    return st;
}

// The decay table of folder `name`'s instrument.
static cn_status decay_one(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int name,
                           void (*report)(void *ctx, const char *line), void *ctx) {
    int inst = cn_wn_instrument_index(&m->cfg, names[name]);
    if (inst < 0) return cn_fail(CN_ERR_ARG, "decay: the model has no instrument '%s'", names[name]);
    const int cap = folder_notes(ds, name) + 1;
    double(*corr)[CN_WN_DECAY_KNOTS] = malloc((size_t)cap * sizeof *corr);
    double *col = malloc((size_t)cap * sizeof *col), *drop = malloc((size_t)cap * sizeof *drop), fall = 0.0;
    int *pitch = malloc((size_t)cap * sizeof *pitch), total = 0;
    memset(m->decay_db[inst], 0, sizeof m->decay_db[inst]); // measured without a table
    cn_status st = corr && col && drop && pitch ? held_corrections(m, ds, name, inst, 0, corr, pitch, drop, cap, &total)
                                                : cn_fail(CN_ERR_NOMEM, "out of memory");
    if (!st && total) fall = cn_wn_median(drop, total);
    // A sustained instrument (FluidSynth's notes hold) keeps no table: its level table
    // covers it, and the model's own wobbles over a held note are no decay to follow.
    const int decays = total && fall < -CN_WN_DECAY_MIN_FALL_DB;
    if (!st && decays) st = held_corrections(m, ds, name, inst, 1, corr, pitch, drop, cap, &total);
    int measured[128] = {0}, n_measured = 0;
    for (int k = 0; !st && decays && k < CN_WN_DECAY_KNOTS; k++) // per pitch and knot: linear between pitches
        n_measured = pitch_medians(&corr[0][k], CN_WN_DECAY_KNOTS, pitch, total, col, 1, &m->decay_db[inst][0][k],
                                   CN_WN_DECAY_KNOTS, measured);
    if (!st && report) {
        char line[256];
        if (!total)
            snprintf(line, sizeof line, "%s: no held note of %.0f s or more: no decay table", names[name],
                     CN_WN_DECAY_HOLD_S);
        else if (!decays)
            snprintf(line, sizeof line, "%s: FluidSynth's held notes change %+.1f dB (median of %d): sustained, no decay table",
                     names[name], fall, total);
        else {
            double lo = 1e9, hi = -1e9;
            for (int p = 0; p < 128; p++) {
                double v = m->decay_db[inst][p][CN_WN_DECAY_KNOTS - 1];
                if (measured[p]) lo = v < lo ? v : lo, hi = v > hi ? v : hi;
            }
            snprintf(line, sizeof line,
                     "%s: FluidSynth's held notes change %+.1f dB (median of %d, %d pitches): decay table, at %.2f s "
                     "%+.1f to %+.1f dB",
                     names[name], fall, total, n_measured, cn_wn_decay_times[CN_WN_DECAY_KNOTS - 1],
                     lo, hi);
        }
        report(ctx, line);
    }
    free(corr);
    free(col);
    free(drop);
    free(pitch);
    return st;
}

cn_status cn_wn_calibrate_decay(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                void (*report)(void *ctx, const char *line), void *ctx) {
    cn_status st = CN_OK;
    for (int name = 0; name < n_names && !st; name++) st = decay_one(m, ds, names, name, report, ctx);
    return st;
}

typedef struct calibration {
    cn_wn_model *m;
    const cn_wn_dataset *ds;
    char (*names)[32];
    int n_names, spectrum;
    void (*report)(void *ctx, const char *line);
    void *ctx;
    atomic_int next, failed;
    cn_status st[CN_WN_MAX_INSTRUMENTS];
    char msg[CN_WN_MAX_INSTRUMENTS][512]; // errors are per thread (cn_fail): kept here
} calibration;

static void calibrate_worker(void *arg, int worker, int n) {
    calibration *c = arg;
    (void)worker, (void)n;
    for (int name; !atomic_load(&c->failed) && (name = atomic_fetch_add(&c->next, 1)) < c->n_names;) {
        cn_status st = decay_one(c->m, c->ds, c->names, name, c->report, c->ctx);
        if (!st && c->spectrum) st = levels_one(c->m, c->ds, c->names, name, "before the spectrum table: ", c->report, c->ctx);
        if (!st && c->spectrum) st = cn_wn_calibrate_eq_one(c->m, c->ds, c->names, name, c->report, c->ctx);
        if (!st) st = levels_one(c->m, c->ds, c->names, name, "", c->report, c->ctx);
        if (st) {
            snprintf(c->msg[name], sizeof c->msg[name], "%s", cn_error_message());
            atomic_store(&c->failed, 1);
        }
        c->st[name] = st;
    }
}

cn_status cn_wn_calibrate_all(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names, int per_octave,
                              int threads, void (*report)(void *ctx, const char *line), void *ctx) {
    if (n_names > CN_WN_MAX_INSTRUMENTS) return cn_fail(CN_ERR_ARG, "levels: %d instruments (at most %d)", n_names, CN_WN_MAX_INSTRUMENTS);
    for (int i = 0; i < n_names; i++) {
        int inst = cn_wn_instrument_index(&m->cfg, names[i]);
        if (inst < 0) return cn_fail(CN_ERR_ARG, "levels: the model has no instrument '%s'", names[i]);
        memset(m->eq_db[inst], 0, sizeof m->eq_db[inst]); // it would colour the first levels
    }
    if (per_octave) {
        cn_status st = cn_wn_eq_layout_set(m, names, n_names, per_octave);
        if (st) return st;
    }
    calibration *c = calloc(1, sizeof *c);
    if (!c) return cn_fail(CN_ERR_NOMEM, "out of memory");
    *c = (calibration){.m = m, .ds = ds, .names = names, .n_names = n_names, .spectrum = per_octave > 0,
                       .report = report, .ctx = ctx};
    threads = threads < 1 ? 1 : threads > n_names ? (n_names ? n_names : 1) : threads;
    cn_status st = cn_parallel_run(threads, calibrate_worker, c);
    for (int i = 0; i < n_names && !st; i++)
        if (c->st[i]) st = cn_fail(c->st[i], "%s", c->msg[i]);
    free(c);
    return st;
}
