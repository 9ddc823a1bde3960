// test_transformer_kv: the KV-cache path of the melody transformer against full
// recomputation of the window on every event (no cache), event by event, for all three
// factors, across several window overflows (tiny context), with the max difference
// printed, on a tiny model and on one whose heads (16 wide) and windows (up to 40 tokens)
// run the blocked attention loops of the cache path and their tails. Also: a clone
// continues exactly like its original, and the cn_event_model adapter gives the same
// log-probabilities.
#include <string.h>

#include "cn_test.h"
#include "transformer_ref.h"

static double compare(cn_tf *m, cn_tf_state *a, cn_tf_state *b, const cn_mevent *next) {
    float pa[CN_EV_NPITCH], pb[CN_EV_NPITCH], da[CN_EV_NDUR], db[CN_EV_NDUR], ra[CN_EV_NREST], rb[CN_EV_NREST];
    cn_tf_pitch_probs(m, cn_tf_state_hidden(a), pa);
    cn_tf_pitch_probs(m, cn_tf_state_hidden(b), pb);
    cn_tf_dur_probs(m, cn_tf_state_hidden(a), next->pitch, da);
    cn_tf_dur_probs(m, cn_tf_state_hidden(b), next->pitch, db);
    cn_tf_rest_probs(m, cn_tf_state_hidden(a), next->pitch, next->dur, ra);
    cn_tf_rest_probs(m, cn_tf_state_hidden(b), next->pitch, next->dur, rb);
    double mx = 0;
    for (int i = 0; i < CN_EV_NPITCH; i++) mx = fmax(mx, fabs(pa[i] - pb[i]));
    for (int i = 0; i < CN_EV_NDUR; i++) mx = fmax(mx, fabs(da[i] - db[i]));
    for (int i = 0; i < CN_EV_NREST; i++) mx = fmax(mx, fabs(ra[i] - rb[i]));
    return mx;
}

// Max probability difference between the cached and the recomputing state over n random
// events fed to both. With clone != NULL, *clone is a clone of the cached state taken
// before event clone_at and *kv the cached state at the end (the caller destroys both).
static double kv_vs_full(cn_tf *m, const cn_melody_cond *cond, const cn_mevent *ev, int n,
                         int clone_at, cn_tf_state **clone, cn_tf_state **kv_end) {
    cn_tf_state *kv, *full;
    TEST_OK(cn_tf_state_create(m, 1, &kv));
    TEST_OK(cn_tf_state_create(m, 0, &full));
    cn_tf_state_reset(kv, cond);
    cn_tf_state_reset(full, cond);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        worst = fmax(worst, compare(m, kv, full, &ev[i]));
        if (clone && i == clone_at) TEST_OK(cn_tf_state_clone(kv, clone));
        cn_tf_state_observe(kv, &ev[i]);
        cn_tf_state_observe(full, &ev[i]);
    }
    if (kv_end) *kv_end = kv;
    else cn_tf_state_destroy(kv);
    cn_tf_state_destroy(full);
    return worst;
}

int main(void) {
    // Window policy: grows to ctx-1, then drops to ctx/2 and grows again.
    TEST_ASSERT(cn_tf_window_len(8, 7) == 7);
    TEST_ASSERT(cn_tf_window_len(8, 8) == 4);
    TEST_ASSERT(cn_tf_window_len(8, 11) == 7);
    TEST_ASSERT(cn_tf_window_len(8, 12) == 4);

    cn_tf_config c = {16, 2, 4, 8, 0.0f};
    cn_tf *m;
    TEST_OK(cn_tf_create(&c, &m));
    ref_random_weights(m, 3, 0.3f);
    cn_tf_state *kv = NULL, *clone = NULL;
    enum { N = 40 };
    cn_mevent ev[N];
    ref_random_events(ev, N, 8);
    const cn_melody_cond cond = {9, 2, 0, 3};
    double worst = kv_vs_full(m, &cond, ev, N, 13, &clone, &kv);
    printf("KV cache vs full recomputation, %d events, ctx %d: max prob diff %.3g\n", N, c.ctx, worst);
    TEST_ASSERT(worst < 1e-4);

    {
        cn_tf_config wide = {32, 2, 2, 40, 0.0f}; // head size 16
        cn_tf *mw;
        TEST_OK(cn_tf_create(&wide, &mw));
        ref_random_weights(mw, 5, 0.3f);
        enum { NW = 100 };
        cn_mevent evw[NW];
        ref_random_events(evw, NW, 9);
        double ww = kv_vs_full(mw, &cond, evw, NW, -1, NULL, NULL);
        printf("KV cache vs full recomputation, head size 16, %d events, ctx %d: max prob diff %.3g\n",
               NW, wide.ctx, ww);
        TEST_ASSERT(ww < 1e-4);
        cn_tf_destroy(mw);
    }

    // The clone, fed the same events, ends where the original did.
    for (int i = 13; i < N; i++) cn_tf_state_observe(clone, &ev[i]);
    double cd = 0;
    for (int k = 0; k < c.d_model; k++)
        cd = fmax(cd, fabs(cn_tf_state_hidden(clone)[k] - cn_tf_state_hidden(kv)[k]));
    printf("clone vs original: max hidden diff %.3g\n", cd);
    TEST_ASSERT(cd == 0);

    // The event-model adapter (cache on and off) agrees on log2 P of a whole tune.
    cn_event_model em[2];
    TEST_OK(cn_tf_event_model(m, 1, 0, &em[0]));
    TEST_OK(cn_tf_event_model(m, 0, 0, &em[1]));
    double sum[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        TEST_OK(em[k].reset(em[k].self, &cond));
        for (int i = 0; i < N; i++) {
            sum[k] += cn_event_model_log2p(&em[k], &ev[i]);
            TEST_OK(em[k].observe(em[k].self, &ev[i]));
        }
    }
    printf("adapter log2 P: cache %.6f, no cache %.6f\n", sum[0], sum[1]);
    TEST_ASSERT(fabs(sum[0] - sum[1]) < 1e-3);
    cn_mevent bad = {60, 0, 0};
    TEST_ASSERT(em[0].observe(em[0].self, &bad) == CN_ERR_RANGE);
    void *cl = em[0].clone(em[0].self);
    TEST_ASSERT(cl);
    em[0].free_clone(cl);
    em[0].destroy(em[0].self);
    em[1].destroy(em[1].self);

    cn_tf_state_destroy(clone);
    cn_tf_state_destroy(kv);
    cn_tf_destroy(m);
    printf("test_transformer_kv: ok\n");
    return 0;
}
