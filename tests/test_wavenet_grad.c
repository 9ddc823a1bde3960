// LABELS: unit
// test_wavenet_grad: the WaveNet's hand-written backward against central finite
// differences (eps 1e-3; the forward is float, so ~1e-4 noise) of the loss, for every
// parameter of a tiny model (every layer type:
// input, instrument embedding, conditioning, dilated conv, gates, residual, skip, direct
// excitation path, output head, direct prediction bump), with each output head (the mu-law
// classes and the Gaussian, plus a further loss on its means as the harmonic loss adds).
// Compared
// per tensor by relative L2 error, printing it.
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_rng.h"
#include "cn_test.h"
#include "models/wavenet/cn_wavenet.h"

// The likelihood plus sum_t dmean[t] x (sample t's mean, output 0) over [from, T).
static double wn_loss(const cn_wn_model *m, cn_wn_acts *a, const float *audio, const float *feat, int inst,
                      const float *target, int T, int from, const float *dmean) {
    double loss = cn_wn_forward(m, a, audio, feat, inst, target, T, from);
    const float *o = cn_wn_acts_logits(a);
    for (int t = from; t < T; t++) loss += (double)dmean[t] * o[(size_t)t * cn_wn_out_dim(&m->cfg)];
    return loss;
}

static void check_head(int out) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = out;
    cfg.n_layers = 3;
    cfg.cycle = 2; // dilations 1, 2, 1
    cfg.res = 4;
    cfg.gate = 3;
    cfg.skip = 5;
    cfg.emb = 2;
    cfg.n_instruments = 2;
    strcpy(cfg.instruments[1], "other");
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_wn_init_weights(m, 7);
    cn_rng rng;
    cn_rng_seed(&rng, 11, 0);
    // biases are zero-initialised: give them values so their gradients are exercised
    for (size_t i = 0; i < m->n_params; i++) m->mem[i] += 0.1f * cn_rng_normal(&rng);
    // A gentle direct-prediction bump: at the trained sharpness the loss is hundreds of
    // nats for random weights and float rounding of the loss swamps the differences.
    m->p.pred_b[1] = 0.5f / CN_WN_SHARP_SCALE;
    // The Gaussian at scale ~e^0.5 for the same reason.
    if (out == CN_WN_OUT_GAUSS) {
        m->p.o2_b[1] = 0.5f;
        for (int j = 0; j < cfg.skip; j++) m->p.o2_w[cfg.skip + j] *= 0.1f; // the log scale's row
    }
    enum { T = 14, FROM = 3 };
    float audio[T * CN_WN_NAUDIO], feat[T * CN_WN_NFEAT], target[T];
    for (int t = 0; t < T; t++) {
        for (int j = 0; j < CN_WN_NAUDIO; j++) audio[t * CN_WN_NAUDIO + j] = 2.0f * cn_rng_uniform(&rng) - 1.0f;
        target[t] = 2.0f * cn_rng_uniform(&rng) - 1.0f;
    }
    for (int i = 0; i < T * CN_WN_NFEAT; i++) feat[i] = cn_rng_normal(&rng);
    cn_wn_acts *a;
    TEST_OK(cn_wn_acts_create(&cfg, T, &a));
    float *grad = calloc(m->n_params, sizeof *grad);
    TEST_ASSERT(grad);
    const int inst = 1;
    // The Gaussian head also takes a further loss on its means (the harmonic loss): here
    // sum_t dmean[t] x mean[t], whose derivative by the means backward adds.
    float dmean[T];
    for (int t = 0; t < T; t++) dmean[t] = out == CN_WN_OUT_GAUSS ? 0.3f * cn_rng_normal(&rng) : 0.0f;
    printf("loss %.4f\n", wn_loss(m, a, audio, feat, inst, target, T, FROM, dmean));
    cn_wn_acts_set_dmean(a, dmean); // (the mu-law head has no mean: zeros)
    cn_wn_backward(m, a, grad, 1.0f);

    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(&cfg, sizes);
    size_t off = 0;
    // The Gaussian's loss curves faster (the mean's error squared over the scale), so a
    // step of 1e-3 also crosses more ReLU kinks: a smaller one (float rounding ~5e-4 then).
    const float eps = out == CN_WN_OUT_GAUSS ? 1e-4f : 1e-3f;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        double num = 0.0, den = 0.0, maxdiff = 0.0, maxgrad = 0.0;
        for (size_t k = 0; k < sizes[i]; k++) {
            float *w = &m->mem[off + k], w0 = *w;
            *w = w0 + eps;
            double lp = wn_loss(m, a, audio, feat, inst, target, T, FROM, dmean);
            *w = w0 - eps;
            double lm = wn_loss(m, a, audio, feat, inst, target, T, FROM, dmean);
            *w = w0;
            double fd = (lp - lm) / (2.0 * eps), an = grad[off + k], df = fabs(fd - an);
            num += df * df;
            den += an * an + fd * fd;
            if (df > maxdiff) maxdiff = df;
            if (fabs(an) > maxgrad) maxgrad = fabs(an);
        }
        double rel = den > 0 ? sqrt(num / den) : 0.0;
        printf("%-7s n=%-5zu rel L2 err %.2e  max abs diff %.2e (largest gradient %.2e)\n", cn_wn_param_name(i),
               sizes[i], rel, maxdiff, maxgrad);
        // the embedding row of the unused instrument must get exactly zero gradient
        if (i == CN_WN_P_EMB)
            for (int k = 0; k < cfg.emb; k++) TEST_ASSERT(grad[off + k] == 0.0f);
        TEST_ASSERT_MSG(den > 0.0, "tensor %s has no gradient at all", cn_wn_param_name(i));
        // (a ReLU input within eps of its kink costs one difference ~1e-3)
        TEST_ASSERT_MSG(rel < 5e-2 && maxdiff < 2e-3, "tensor %s: relative error %.3g, max diff %.3g", cn_wn_param_name(i), rel, maxdiff);
        off += sizes[i];
    }
    free(grad);
    cn_wn_acts_destroy(a);
    cn_wn_destroy(m);
}

int main(void) {
    printf("mu-law head:\n");
    check_head(CN_WN_OUT_MULAW);
    printf("Gaussian head:\n");
    check_head(CN_WN_OUT_GAUSS);
    return 0;
}
