// wn_swell.c: a note's swell against the recording's (cn_wn_swell.h).
#include <math.h>
#include <stdlib.h>

#include "models/wavenet/cn_wn_levels.h"
#include "models/wavenet/cn_wn_swell.h"

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

cn_status cn_wn_note_swells(const float *played, const float *recording, int64_t n, int rate,
                            const cn_timed_note *notes, int n_notes, cn_wn_swells *out) {
    *out = (cn_wn_swells){0, 0, 0.0};
    const int64_t frame = (int64_t)(CN_WN_SWELL_FRAME_S * rate + 0.5), skip = (int64_t)(CN_WN_SWELL_SKIP_S * rate),
                  tail = (int64_t)(CN_WN_SWELL_TAIL_S * rate), min = (int64_t)(CN_WN_SWELL_MIN_S * rate);
    if (frame < 1) return cn_fail(CN_ERR_ARG, "note swells: rate %d too low", rate);
    double *db = malloc((size_t)(n / frame + 1) * sizeof *db);
    if (!db) return cn_fail(CN_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n_notes; i++) {
        const cn_timed_note *nt = &notes[i];
        int64_t start = nt->on + skip, end = nt->off + tail;
        for (int j = i + 1; j < n_notes; j++)
            if (notes[j].on > nt->on) {
                if (notes[j].on < end) end = notes[j].on;
                break;
            }
        if (end > n) end = n;
        if (end - start < min) continue;
        const double excess = swell_db(played + start, end - start, frame, db) -
                              swell_db(recording + start, end - start, frame, db);
        out->notes++;
        out->swelling += excess > CN_WN_SWELL_DB;
        if (out->notes == 1 || excess > out->worst_db) out->worst_db = excess;
    }
    free(db);
    return CN_OK;
}

void cn_wn_swells_add(cn_wn_swells *sum, const cn_wn_swells *x) {
    if (x->notes && (!sum->notes || x->worst_db > sum->worst_db)) sum->worst_db = x->worst_db;
    sum->notes += x->notes;
    sum->swelling += x->swelling;
}
