// wn_free_run.c: losses on the model's own output and their derivative through that output
// (cn_wn_free_run.h).
#include <stdlib.h>
#include <string.h>

#include "models/wavenet/cn_wn_free_run.h"
#include "dsp/cn_mrstft_loss.h"
#include "models/wavenet/cn_wn_harmonics.h"

struct cn_wn_free_run {
    int max_t;
    float *played;  // [CN_WN_HISTORY + max_t]: what the inputs read, the chunk's history first
    float *dpast;   // [CN_WN_HISTORY + max_t]: d(loss)/d(played)
    float *audio;   // [max_t][CN_WN_NAUDIO] audio inputs, then their derivative
    float *dmean;   // [max_t] the losses' own derivative by the means
    float *means;   // [max_t] the means from warm on, contiguous (the spectral loss's input)
    float *lambda;  // [max_t] ... plus what reaches each mean through later samples
    float *scratch; // [n_params]: the weight derivatives of the passes, not kept
    float *cond;    // [C] one sample's conditioning
    cn_mrstft_loss *spectrum;
};

cn_status cn_wn_free_run_create(const cn_wn_model *m, int max_t, cn_wn_free_run **out) {
    *out = NULL;
    cn_wn_free_run *f = calloc(1, sizeof *f);
    size_t n = (size_t)CN_WN_HISTORY + (size_t)max_t;
    if (f) {
        f->max_t = max_t;
        f->played = malloc(n * sizeof(float));
        f->dpast = malloc(n * sizeof(float));
        f->audio = malloc((size_t)max_t * CN_WN_NAUDIO * sizeof(float));
        f->dmean = malloc((size_t)max_t * sizeof(float));
        f->means = malloc((size_t)max_t * sizeof(float));
        f->lambda = malloc((size_t)max_t * sizeof(float));
        f->scratch = malloc(m->n_params * sizeof(float));
        f->cond = malloc((size_t)cn_wn_cond_dim(&m->cfg) * sizeof(float));
    }
    if (!f || !f->played || !f->dpast || !f->audio || !f->dmean || !f->means || !f->lambda || !f->scratch ||
        !f->cond) {
        cn_wn_free_run_destroy(f);
        return cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    cn_status st = cn_mrstft_loss_create(&f->spectrum);
    if (st) {
        cn_wn_free_run_destroy(f);
        return st;
    }
    *out = f;
    return CN_OK;
}

void cn_wn_free_run_destroy(cn_wn_free_run *f) {
    if (!f) return;
    free(f->played);
    free(f->dpast);
    free(f->audio);
    free(f->dmean);
    free(f->means);
    free(f->lambda);
    free(f->scratch);
    free(f->cond);
    cn_mrstft_loss_destroy(f->spectrum);
    free(f);
}

const float *cn_wn_free_run_samples(const cn_wn_free_run *f) { return f->played; }

// The chunk played by a fresh stream of the current weights: zero queues and the
// recording's history, as the teacher-forced forward sees a chunk; from warm on it hears
// its own temperature-0 samples (the mean, clamped as cn_wn_draw clamps it).
static cn_status wn_play(cn_wn_free_run *f, const cn_wn_model *m, const float *feat, int instrument, int T,
                         int warm, const float *heard) {
    cn_wn_stream *s;
    cn_status st = cn_wn_stream_create_ex(m, 1, CN_WN_WEIGHTS_F32, &s);
    if (st) return st;
    float *x = f->played + CN_WN_HISTORY; // x[i]: the sample of chunk position i
    memcpy(f->played, heard, ((size_t)CN_WN_HISTORY + (size_t)warm) * sizeof(float));
    cn_wn_stream_push_history(s, 0, f->played, CN_WN_HISTORY - 1);
    float out[CN_WN_CLASSES];
    for (int i = 0; i < T - 1; i++) {
        cn_wn_cond_fill(m, instrument, feat + (size_t)i * CN_WN_NFEAT, f->cond);
        cn_wn_stream_logits(s, x[i - 1], f->cond, out);
        if (i >= warm) x[i] = out[0] > 1.0f ? 1.0f : out[0] < -1.0f ? -1.0f : out[0];
    }
    cn_wn_stream_destroy(s);
    return CN_OK;
}

cn_status cn_wn_free_run_step(cn_wn_free_run *f, const cn_wn_model *m, cn_wn_acts *a, const float *feat,
                              int instrument, int T, int warm, const float *heard, const float *target,
                              const cn_wn_free_run_weights *w, float *grad, float scale,
                              cn_wn_free_run_losses *loss) {
    const int K = cn_wn_out_dim(&m->cfg), D = cn_wn_in_dim(&m->cfg), rate = m->cfg.sample_rate;
    loss->balance = loss->spectrum = 0.0f;
    if (T > f->max_t || warm < 0 || warm >= T)
        return cn_fail(CN_ERR_ARG, "wavenet free run: chunk %d, warm %d (at most %d samples)", T, warm, f->max_t);
    cn_status st = wn_play(f, m, feat, instrument, T, warm, heard);
    if (st) return st;
    cn_wn_audio_inputs_chunk(rate, feat, f->played, T, f->audio);
    cn_wn_forward(m, a, f->audio, feat, instrument, target, T, warm);
    const float *out = cn_wn_acts_logits(a);
    loss->balance = cn_wn_harmonic_balance_loss(feat, T, warm, CN_WN_CUT_WINDOW, target, out, K, f->dmean);
    for (int i = 0; i < T; i++) f->dmean[i] *= w->balance;
    // The spectrum of the samples played from warm (the last position plays nothing).
    if (w->spectrum > 0.0f) {
        const int n = T - 1 - warm;
        for (int i = 0; i < n; i++) f->means[i] = out[(size_t)(warm + i) * K];
        loss->spectrum = (float)cn_mrstft_loss_eval(f->spectrum, f->means, target + warm, (size_t)n, w->spectrum,
                                                    f->dmean + warm);
    }
    // Nothing weighted to follow back (a balance weight of 0, --free-run-boost NAME=0, still
    // reports its loss): the passes would add zeros.
    if (w->balance * loss->balance == 0.0f && loss->spectrum == 0.0f) return CN_OK;
    memcpy(f->lambda, f->dmean, (size_t)T * sizeof(float));
    cn_wn_acts_set_likelihood(a, 0);
    for (int k = 0; k < w->passes; k++) {
        cn_wn_acts_set_dmean(a, f->lambda);
        memset(f->scratch, 0, m->n_params * sizeof(float));
        cn_wn_backward(m, a, f->scratch, 1.0f);
        cn_wn_acts_daudio(a, D, f->audio);
        memset(f->dpast, 0, ((size_t)CN_WN_HISTORY + (size_t)T) * sizeof(float));
        for (int i = 0; i < T; i++)
            cn_wn_audio_inputs_adjoint(rate, feat + (size_t)i * CN_WN_NFEAT, f->audio + (size_t)i * CN_WN_NAUDIO,
                                       CN_WN_HISTORY, f->dpast + CN_WN_HISTORY + i);
        // Sample i (warm <= i < T - 1) was played as its mean, unless clamped.
        const float *dx = f->dpast + CN_WN_HISTORY;
        for (int i = warm; i < T - 1; i++) {
            const float mean = out[(size_t)i * K];
            f->lambda[i] = f->dmean[i] + (mean > -1.0f && mean < 1.0f ? dx[i] : 0.0f);
        }
    }
    cn_wn_acts_set_dmean(a, f->lambda);
    cn_wn_backward(m, a, grad, scale);
    return CN_OK;
}
