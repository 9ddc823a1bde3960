// LABELS: unit
// test_transposed: a model heard S semitones away (cn_transposed.h) answers exactly as
// the model does on the tune transposed by S (key condition moved too), with its pitch
// distribution moved back; at 0 semitones it is the model itself; pitches beyond 0..127
// are folded and get probability 0; clones predict the same. The transformer's
// transposition ensemble (cn_predictor_tf_ensemble) is the equal-weight mixture of the
// views, and with spread 0 the transformer alone.
#include <string.h>

#include "models/melody/cn_mixture.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_transposed.h"
#include "cn_test.h"
#include "transformer_ref.h"

static const cn_mevent tune[10] = {{62, 12, 0}, {66, 12, 0}, {69, 12, 0}, {74, 24, 0}, {73, 12, 0},
                                   {71, 12, 6}, {69, 6, 0},  {66, 12, 0}, {125, 12, 0}, {2, 24, 12}};

static double joint(cn_event_model *m, const cn_mevent *e) { return exp2(cn_event_model_log2p(m, e)); }

// view (hearing the tune) == plain (fed the tune moved by semis) at every event.
static void check_view(cn_tf *tf, int semis, const cn_melody_cond *cond) {
    cn_event_model plain, inner, *view;
    TEST_OK(cn_tf_event_model(tf, 1, 0, &plain));
    TEST_OK(cn_tf_event_model(tf, 1, 0, &inner));
    TEST_OK(cn_transposed_create(&inner, semis, 1, &view));
    cn_melody_cond moved = *cond;
    moved.key = cond->key < 0 ? -1 : ((cond->key % 12 + semis) % 12 + 12) % 12 + 12 * (cond->key / 12);
    TEST_OK(plain.reset(plain.self, &moved));
    TEST_OK(view->reset(view->self, cond));
    for (int t = 0; t < 8; t++) { // the folded pitches come last, checked below
        float pv[CN_EV_NPITCH], pp[CN_EV_NPITCH], dv[CN_EV_NDUR], dp[CN_EV_NDUR], rv[CN_EV_NREST], rp[CN_EV_NREST];
        view->pitch_probs(view->self, pv);
        plain.pitch_probs(plain.self, pp);
        double lost = 0; // the plain model's mass on pitches the view cannot name
        for (int q = 0; q < CN_EV_NPITCH; q++)
            if (q - semis < 0 || q - semis >= CN_EV_NPITCH) lost += pp[q];
        for (int p = 0; p < CN_EV_NPITCH; p++) {
            int q = p + semis;
            double want = q >= 0 && q < CN_EV_NPITCH ? pp[q] / (1 - lost) : 0;
            TEST_ASSERT_MSG(fabs(pv[p] - want) <= 1e-6 * want + 1e-9, "semis %d t %d pitch %d: %g vs %g",
                            semis, t, p, pv[p], want);
        }
        view->dur_probs(view->self, tune[t].pitch, dv);
        plain.dur_probs(plain.self, tune[t].pitch + semis, dp);
        TEST_ASSERT(!memcmp(dv, dp, sizeof dv));
        view->rest_probs(view->self, tune[t].pitch, tune[t].dur, rv);
        plain.rest_probs(plain.self, tune[t].pitch + semis, tune[t].dur, rp);
        TEST_ASSERT(!memcmp(rv, rp, sizeof rv));
        void *c = view->clone(view->self);
        TEST_ASSERT(c != NULL);
        cn_event_model vc = *view;
        vc.self = c;
        TEST_NEAR(joint(&vc, &tune[t]), joint(view, &tune[t]), 1e-12);
        view->free_clone(c);
        cn_mevent e = tune[t];
        TEST_OK(view->observe(view->self, &tune[t]));
        e.pitch += semis;
        TEST_OK(plain.observe(plain.self, &e));
    }
    plain.destroy(plain.self);
    view->destroy(view->self);
}

int main(void) {
    cn_tf_config c = {16, 2, 2, 32, 0.0f};
    cn_tf *tf;
    TEST_OK(cn_tf_create(&c, &tf));
    ref_random_weights(tf, 5, 0.3f);
    const cn_melody_cond known = {14, 1, 0, 2}, unknown = {-1, -1, -1, -1};
    for (int s = -3; s <= 3; s++) check_view(tf, s, &known);
    check_view(tf, 2, &unknown);

    // Folding: near the ends a view still answers proper distributions, and gives the
    // pitches it cannot name probability 0.
    cn_event_model inner, *view;
    TEST_OK(cn_tf_event_model(tf, 1, 0, &inner));
    TEST_OK(cn_transposed_create(&inner, 5, 1, &view));
    TEST_OK(view->reset(view->self, &unknown));
    for (int t = 0; t < 10; t++) {
        float p[CN_EV_NPITCH];
        view->pitch_probs(view->self, p);
        double sum = 0;
        for (int q = 0; q < CN_EV_NPITCH; q++) sum += p[q];
        TEST_NEAR(sum, 1, 1e-5);
        for (int q = CN_EV_NPITCH - 5; q < CN_EV_NPITCH; q++) TEST_ASSERT(p[q] == 0);
        double j = joint(view, &tune[t]);
        TEST_ASSERT(t == 8 ? j == 0 || j < 1e-290 : j > 0);
        TEST_OK(view->observe(view->self, &tune[t]));
    }
    view->destroy(view->self);

    // The ensemble is the mixture of its views; spread 0 is the transformer heard once.
    cn_event_model *ens, *one, *views[3], *mix, plain;
    TEST_OK(cn_predictor_tf_ensemble(tf, 1, &ens));
    TEST_OK(cn_predictor_tf_ensemble(tf, 0, &one));
    TEST_OK(cn_tf_event_model(tf, 1, 0, &plain));
    for (int s = -1; s <= 1; s++) {
        TEST_OK(cn_tf_event_model(tf, 1, 0, &inner));
        TEST_OK(cn_transposed_create(&inner, s, 1, &views[s + 1]));
    }
    TEST_OK(cn_mixture_create(views, NULL, 3, 0, 1, NULL, &mix));
    cn_event_model *all[4] = {ens, one, &plain, mix};
    for (int i = 0; i < 4; i++) TEST_OK(all[i]->reset(all[i]->self, &known));
    for (int t = 0; t < 8; t++) {
        TEST_NEAR(joint(ens, &tune[t]), joint(mix, &tune[t]), 1e-4 * joint(mix, &tune[t]));
        void *c = ens->clone(ens->self); // beam search's copy predicts the same
        TEST_ASSERT(c != NULL);
        cn_event_model ec = *ens;
        ec.self = c;
        TEST_ASSERT(joint(&ec, &tune[t]) == joint(ens, &tune[t]));
        ens->free_clone(c);
        TEST_ASSERT(joint(one, &tune[t]) == joint(&plain, &tune[t]));
        for (int i = 0; i < 4; i++) TEST_OK(all[i]->observe(all[i]->self, &tune[t]));
    }
    for (int i = 0; i < 4; i++) all[i]->destroy(all[i]->self);
    TEST_ASSERT(cn_predictor_tf_ensemble(tf, 4, &ens) == CN_ERR_ARG); // 9 > CN_TF_MAX_BATCH
    TEST_ASSERT(cn_transposed_create(NULL, 1, 0, &view) == CN_ERR_ARG);
    cn_tf_destroy(tf);
    printf("test_transposed: ok\n");
    return 0;
}
