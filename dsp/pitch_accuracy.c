// pitch_accuracy.c: the pitch accuracy metric (cn_pitch_accuracy.h): YIN f0 per frame,
// then each frame is compared with the notes sounding at its centre.
#include "dsp/cn_pitch_accuracy.h"

#include <math.h>
#include <stdlib.h>

#include "dsp/cn_yin.h"

cn_pitch_accuracy_config cn_pitch_accuracy_config_default(void) {
    cn_pitch_accuracy_config c = {0.010, 0.030, 50.0};
    return c;
}

double cn_midi_pitch_to_hz(double pitch) { return 440.0 * pow(2.0, (pitch - 69.0) / 12.0); }

cn_status cn_pitch_accuracy(const float *audio, size_t n, double rate, const cn_timed_note *notes,
                            int n_notes, const cn_pitch_accuracy_config *cfg,
                            cn_pitch_accuracy_result *out) {
    cn_return_val_if_fail((audio || n == 0) && (notes || n_notes == 0) && n_notes >= 0 && out,
                          CN_ERR_ARG);
    cn_pitch_accuracy_config c = cfg ? *cfg : cn_pitch_accuracy_config_default();
    cn_pitch_accuracy_result r = {0};
    *out = r;
    if (n_notes == 0 || n == 0) return CN_OK;
    int lo = 127, hi = 0;
    for (int i = 0; i < n_notes; i++) {
        if (notes[i].pitch < 0 || notes[i].pitch > 127)
            return cn_fail(CN_ERR_ARG, "pitch accuracy: note %d has pitch %d", i, notes[i].pitch);
        if (notes[i].pitch < lo) lo = notes[i].pitch;
        if (notes[i].pitch > hi) hi = notes[i].pitch;
    }
    cn_yin_config yc = cn_yin_config_default(rate);
    yc.hop_s = c.hop_s;
    yc.fmin = cn_midi_pitch_to_hz(lo) / 2.0;
    yc.fmax = fmin(cn_midi_pitch_to_hz(hi) * 2.0, rate / 4.0);
    float *f0;
    size_t nf;
    cn_status st = cn_yin_track(&yc, audio, n, &f0, &nf);
    if (st) return st;
    double sum_cents = 0.0;
    for (size_t i = 0; i < nf; i++) {
        double t = (double)i * c.hop_s;
        int inside = 0, hit = 0;
        double best = INFINITY;
        for (int k = 0; k < n_notes; k++) {
            double on_s = (double)notes[k].on / rate, off_s = (double)notes[k].off / rate;
            if (t < on_s + c.edge_s || t >= off_s - c.edge_s) continue;
            inside = 1;
            if (f0[i] <= 0.0f) continue;
            double cents = fabs(1200.0 * log2(f0[i] / cn_midi_pitch_to_hz(notes[k].pitch)));
            if (cents < best) best = cents;
            if (cents <= c.tolerance_cents) hit = 1;
        }
        if (!inside) continue;
        r.frames++;
        r.voiced += f0[i] > 0.0f;
        if (hit) {
            r.hits++;
            sum_cents += best;
        }
    }
    free(f0);
    r.accuracy = r.frames ? (double)r.hits / (double)r.frames : 0.0;
    r.voiced_accuracy = r.voiced ? (double)r.hits / (double)r.voiced : 0.0;
    r.mean_hit_cents = r.hits ? sum_cents / (double)r.hits : 0.0;
    *out = r;
    return CN_OK;
}
