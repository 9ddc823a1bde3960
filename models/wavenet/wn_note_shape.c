// wn_note_shape.c: a note's swell and attack against the recording's (cn_wn_note_shape.h).
#include <math.h>
#include <stdlib.h>

#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_note_shape.h"

// Loudest minus median 10 ms level of x[0..len), in dB; db is scratch for len / frame values.
static double swell_db(const float *x, int64_t len, int64_t frame, double *db) {
    const int64_t nf = len / frame;
    double top = -INFINITY;
    for (int64_t f = 0; f < nf; f++) {
        double ms = 0.0;
        for (int64_t k = 0; k < frame; k++) ms += (double)x[f * frame + k] * x[f * frame + k];
        db[f] = 10.0 * log10(ms / (double)frame + 1e-12);
        if (db[f] > top) top = db[f];
    }
    return top - cn_wn_median(db, (int)nf);
}

// The largest |x[from..to)|, in dB.
static double peak_db(const float *x, int64_t from, int64_t to) {
    float top = 0.0f;
    for (int64_t t = from; t < to; t++) top = fmaxf(top, fabsf(x[t]));
    return 20.0 * log10((double)top + 1e-9);
}

// The end of note i's span: `end`, cut at the next later onset and at n.
static int64_t span_end(const cn_timed_note *notes, int n_notes, int i, int64_t end, int64_t n) {
    for (int j = i + 1; j < n_notes; j++)
        if (notes[j].on > notes[i].on) {
            if (notes[j].on < end) end = notes[j].on;
            break;
        }
    return end < n ? end : n;
}

static void count(cn_wn_excess *out, double excess, double threshold) {
    out->notes++;
    out->over += excess > threshold;
    if (out->notes == 1 || excess > out->worst_db) out->worst_db = excess;
}

cn_status cn_wn_note_swells(const float *played, const float *recording, int64_t n, int rate,
                            const cn_timed_note *notes, int n_notes, cn_wn_excess *out) {
    *out = (cn_wn_excess){0, 0, 0.0};
    const int64_t frame = (int64_t)(CN_WN_SWELL_FRAME_S * rate + 0.5), skip = (int64_t)(CN_WN_SWELL_SKIP_S * rate),
                  tail = (int64_t)(CN_WN_SWELL_TAIL_S * rate), min = (int64_t)(CN_WN_SWELL_MIN_S * rate);
    if (frame < 1) return cn_fail(CN_ERR_ARG, "note swells: rate %d too low", rate);
    double *db = malloc((size_t)(n / frame + 1) * sizeof *db);
    if (!db) return cn_fail(CN_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n_notes; i++) {
        const int64_t start = notes[i].on + skip, end = span_end(notes, n_notes, i, notes[i].off + tail, n);
        if (end - start < min) continue;
        count(out,
              swell_db(played + start, end - start, frame, db) - swell_db(recording + start, end - start, frame, db),
              CN_WN_SWELL_DB);
    }
    free(db);
    return CN_OK;
}

cn_status cn_wn_note_attacks(const float *played, const float *recording, int64_t n, int rate,
                             const cn_timed_note *notes, int n_notes, cn_wn_excess *out) {
    *out = (cn_wn_excess){0, 0, 0.0};
    const int64_t attack = (int64_t)(CN_WN_ATTACK_S * rate + 0.5), after = (int64_t)(CN_WN_ATTACK_AFTER_S * rate + 0.5),
                  min = (int64_t)(CN_WN_ATTACK_MIN_S * rate + 0.5);
    if (attack < 1) return cn_fail(CN_ERR_ARG, "note attacks: rate %d too low", rate);
    for (int i = 0; i < n_notes; i++) {
        const int64_t on = notes[i].on, mid = on + attack, end = span_end(notes, n_notes, i, mid + after, n);
        if (on < 0 || end - mid < min) continue;
        // Overshoots only: an attack slower than the recording's (a clarinet's) is no spike.
        count(out,
              fmax(0.0, peak_db(played, on, mid) - peak_db(played, mid, end)) -
                  fmax(0.0, peak_db(recording, on, mid) - peak_db(recording, mid, end)),
              CN_WN_ATTACK_DB);
    }
    return CN_OK;
}

void cn_wn_excess_add(cn_wn_excess *sum, const cn_wn_excess *x) {
    if (x->notes && (!sum->notes || x->worst_db > sum->worst_db)) sum->worst_db = x->worst_db;
    sum->notes += x->notes;
    sum->over += x->over;
}
