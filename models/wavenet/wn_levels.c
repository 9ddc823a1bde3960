// wn_levels.c: per-note levels against FluidSynth and the calibration table (cn_wn_levels.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_smf.h"
#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_synth.h"

#define LEVEL_SKIP_S 0.05 // the attack is left out of a note's level
#define LEVEL_MAX_S 1.0
#define LEVEL_MIN_S 0.1   // shorter notes are not measured

cn_status cn_wn_write_chromatic_midi(int program, int low, int high, int velocity, const char *path) {
    if (program < 0 || program > 127 || low < 0 || high > 127 || low > high || velocity < 1 || velocity > 127)
        return cn_fail(CN_ERR_RANGE, "chromatic run: program %d, pitches %d..%d, velocity %d", program, low, high,
                       velocity);
    cn_smf smf;
    cn_smf_begin(&smf, 0, 1, 480); // 120 bpm: 960 ticks per second
    cn_smf_track_begin(&smf);
    uint8_t prog = (uint8_t)program;
    cn_smf_event(&smf, 0, 0xc0, &prog, 1);
    for (int p = low; p <= high; p++) {
        uint8_t on[2] = {(uint8_t)p, (uint8_t)velocity}, off[2] = {(uint8_t)p, 0};
        cn_smf_event(&smf, p == low ? 0 : 192, 0x90, on, 2);
        cn_smf_event(&smf, 768, 0x80, off, 2);
    }
    cn_smf_track_end(&smf);
    return cn_smf_write_file(&smf, path);
}

// Level of x[0..n) without its mean: the model's raw output can sit on an offset that
// playback's DC blocker removes, and that is not heard.
static double rms_db(const float *x, int64_t n) {
    double mean = 0, s = 0;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)(n > 0 ? n : 1);
    for (int64_t i = 0; i < n; i++) s += ((double)x[i] - mean) * ((double)x[i] - mean);
    return 10.0 * log10(s / (double)(n > 0 ? n : 1) + 1e-20);
}

cn_status cn_wn_note_level_diffs(const cn_wn_model *m, const cn_wn_clip *clip, double *diff, int *pitch, int *n) {
    const int rate = m->cfg.sample_rate;
    const int64_t skip = (int64_t)(LEVEL_SKIP_S * rate), max = (int64_t)(LEVEL_MAX_S * rate);
    float *a = malloc((size_t)(skip + max) * sizeof *a), *b = malloc((size_t)max * sizeof *b);
    cn_wn_synth *s = NULL;
    cn_status st = a && b ? cn_wn_synth_create(m, clip->instrument, 0.0f, 1, &s)
                          : cn_fail(CN_ERR_NOMEM, "out of memory measuring levels");
    *n = 0;
    for (int i = 0; !st && i < clip->n_notes; i++) {
        const cn_timed_note *nt = &clip->notes[i];
        int64_t len = nt->off - nt->on - skip;
        if (len > max) len = max;
        if (len < (int64_t)(LEVEL_MIN_S * rate) || nt->on + skip + len > clip->n) continue;
        cn_timed_note alone = {0, skip + len, nt->pitch, CN_WN_LEVEL_VELOCITY}; // as playback does
        cn_wn_synth_render_notes(s, 1, &alone, 1, skip + len, a);
        for (int64_t k = 0; k < len; k++) b[k] = cn_wn_clip_heard(clip, nt->on + skip + k, m->cfg.out);
        double vel = (double)nt->velocity / CN_WN_LEVEL_VELOCITY;
        diff[*n] = rms_db(a + skip, len) + 20.0 * log10(vel * vel) + m->level_db[clip->instrument][nt->pitch & 127] -
                   rms_db(b, len);
        if (pitch) pitch[*n] = nt->pitch;
        (*n)++;
    }
    cn_wn_synth_destroy(s);
    free(a);
    free(b);
    return st;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

// Median of x[0..n) (n >= 1), sorting x.
static double median(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

// Notes in the clips of the data set's folder `name`: room for folder_diffs.
static int folder_notes(const cn_wn_dataset *ds, int name) {
    int n = 0;
    for (int c = 0; c < ds->n_clips; c++) n += ds->clips[c].instrument == name ? ds->clips[c].n_notes : 0;
    return n;
}

// The level differences of every measurable note of folder `name`, played by the model's
// instrument `inst`, appended to diff[] (and pitch[], may be NULL); *total = how many.
static cn_status folder_diffs(const cn_wn_model *m, const cn_wn_dataset *ds, int name, int inst, double *diff,
                              int *pitch, int *total) {
    cn_status st = CN_OK;
    *total = 0;
    for (int c = 0; !st && c < ds->n_clips; c++) {
        if (ds->clips[c].instrument != name) continue;
        cn_wn_clip clip = ds->clips[c];
        clip.instrument = inst; // the clip's index is the data set's; the model's may differ
        int got = 0;
        st = cn_wn_note_level_diffs(m, &clip, diff + *total, pitch ? pitch + *total : NULL, &got);
        *total += got;
    }
    return st;
}

cn_status cn_wn_calibrate_levels(cn_wn_model *m, const cn_wn_dataset *ds, char names[][32], int n_names,
                                 void (*report)(void *ctx, const char *line), void *ctx) {
    for (int name = 0; name < n_names; name++) {
        int inst = cn_wn_instrument_index(&m->cfg, names[name]);
        if (inst < 0) return cn_fail(CN_ERR_ARG, "levels: the model has no instrument '%s'", names[name]);
        // Every measured note of this instrument, by pitch, against the uncalibrated model.
        double *by_pitch[128] = {0};
        int count[128] = {0}, cap = 0;
        cap = folder_notes(ds, name);
        double *diff = malloc((size_t)(cap ? cap : 1) * sizeof *diff), *sorted = malloc((size_t)(cap ? cap : 1) * sizeof *sorted);
        int *pitch = malloc((size_t)(cap ? cap : 1) * sizeof *pitch), total = 0;
        cn_status st = diff && sorted && pitch ? CN_OK : cn_fail(CN_ERR_NOMEM, "out of memory");
        float saved[128];
        memcpy(saved, m->level_db[inst], sizeof saved);
        memset(m->level_db[inst], 0, sizeof saved);
        if (!st) st = folder_diffs(m, ds, name, inst, diff, pitch, &total);
        if (!st && total == 0) st = cn_fail(CN_ERR_FORMAT, "levels: no note of %s long enough to measure", names[name]);
        if (st) {
            memcpy(m->level_db[inst], saved, sizeof saved);
            free(diff), free(sorted), free(pitch);
            return st;
        }
        // Median correction per pitch (sorted copies grouped by pitch).
        int at = 0;
        for (int p = 0; p < 128; p++) {
            by_pitch[p] = sorted + at;
            for (int i = 0; i < total; i++)
                if (pitch[i] == p) sorted[at + count[p]++] = diff[i];
            at += count[p];
        }
        double worst_before = 0;
        int measured = 0;
        for (int p = 0; p < 128; p++) {
            if (!count[p]) continue;
            double med = median(by_pitch[p], count[p]);
            m->level_db[inst][p] = (float)-med;
            if (fabs(med) > fabs(worst_before)) worst_before = med;
            measured++;
        }
        for (int p = 0; p < 128; p++) { // unmeasured pitches: the nearest measured one's
            if (count[p]) continue;
            for (int d = 1; d < 128; d++) {
                if (p - d >= 0 && count[p - d]) { m->level_db[inst][p] = m->level_db[inst][p - d]; break; }
                if (p + d < 128 && count[p + d]) { m->level_db[inst][p] = m->level_db[inst][p + d]; break; }
            }
        }
        char line[256];
        snprintf(line, sizeof line, "%s: %d notes over %d pitches; uncalibrated, the worst pitch was %+.1f dB from FluidSynth",
                 names[name], total, measured, worst_before);
        if (report) report(ctx, line);
        free(diff);
        free(sorted);
        free(pitch);
    }
    return CN_OK;
}

cn_status cn_wn_level_stats_of(const cn_wn_model *m, const cn_wn_dataset *ds, int name, const char *instrument,
                               cn_wn_level_stats *out) {
    int inst = cn_wn_instrument_index(&m->cfg, instrument);
    if (inst < 0) return cn_fail(CN_ERR_ARG, "levels: the model has no instrument '%s'", instrument);
    const int cap = folder_notes(ds, name);
    double *diff = malloc((size_t)(cap ? cap : 1) * sizeof *diff);
    if (!diff) return cn_fail(CN_ERR_NOMEM, "out of memory");
    int total = 0;
    cn_status st = folder_diffs(m, ds, name, inst, diff, NULL, &total);
    *out = (cn_wn_level_stats){.notes = total};
    if (!st && total) {
        int ok = 0;
        for (int i = 0; i < total; i++) {
            ok += fabs(diff[i]) <= 6.0;
            if (fabs(diff[i]) > fabs(out->worst_db)) out->worst_db = diff[i];
        }
        out->median_db = median(diff, total);
        out->within6 = (double)ok / total;
    }
    free(diff);
    return st;
}
