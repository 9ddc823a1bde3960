// LABELS: unit
// test_tf_batch: states stepped together as a cn_tf_batch give each state's hidden state
// as a lone cached state fed the same events does (up to the batched products' rounding),
// through the start token, window slides (the cache rebuilt) and a reset with other
// conditioning; a clone goes on exactly as the batch; bad sizes are refused.
#include <string.h>

#include "models/melody/cn_transformer.h"
#include "cn_test.h"
#include "transformer_ref.h"

enum { N = 3 };

static void same_hidden(const cn_tf_batch *b, cn_tf_state *const *lone, int C, const char *when, int t) {
    for (int i = 0; i < N; i++) {
        const float *x = cn_tf_batch_hidden(b, i), *y = cn_tf_state_hidden(lone[i]);
        for (int c = 0; c < C; c++)
            TEST_ASSERT_MSG(fabsf(x[c] - y[c]) <= 2e-4f * (1 + fabsf(y[c])), "%s t %d state %d c %d: %g vs %g",
                            when, t, i, c, x[c], y[c]);
    }
}

int main(void) {
    cn_tf_config cfg = {32, 2, 4, 16, 0.0f};
    cn_tf *m;
    TEST_OK(cn_tf_create(&cfg, &m));
    ref_random_weights(m, 9, 0.3f);
    cn_tf_batch *b, *c = NULL;
    cn_tf_state *lone[N];
    TEST_OK(cn_tf_batch_create(m, N, &b));
    for (int i = 0; i < N; i++) TEST_OK(cn_tf_state_create(m, 1, &lone[i]));
    same_hidden(b, lone, cfg.d_model, "created", 0);
    cn_melody_cond cond[N] = {{3, 1, 0, 2}, {4, 1, 0, 2}, {-1, -1, -1, -1}};
    cn_tf_batch_reset(b, cond);
    for (int i = 0; i < N; i++) cn_tf_state_reset(lone[i], &cond[i]);
    same_hidden(b, lone, cfg.d_model, "reset", 0);
    cn_mevent ev[50][N];
    for (int t = 0; t < 50; t++) // 50 events through a 16-token context: several slides
        for (int i = 0; i < N; i++) ev[t][i] = (cn_mevent){60 + (t * 7 + i) % 19, 1 + (t * 5) % 24, (t % 3) * 6};
    for (int t = 0; t < 50; t++) {
        cn_tf_batch_observe(b, ev[t]);
        for (int i = 0; i < N; i++) cn_tf_state_observe(lone[i], &ev[t][i]);
        same_hidden(b, lone, cfg.d_model, "observe", t);
        if (t == 20) TEST_OK(cn_tf_batch_clone(b, &c));
        if (t > 20) { // the clone, fed the same, stays bit-identical to the batch
            cn_tf_batch_observe(c, ev[t]);
            for (int i = 0; i < N; i++)
                TEST_ASSERT(!memcmp(cn_tf_batch_hidden(c, i), cn_tf_batch_hidden(b, i), cfg.d_model * sizeof(float)));
        }
    }
    cond[2] = (cn_melody_cond){9, 0, 1, 1};
    cn_tf_batch_reset(b, cond);
    for (int i = 0; i < N; i++) cn_tf_state_reset(lone[i], &cond[i]);
    same_hidden(b, lone, cfg.d_model, "reset again", 0);
    cn_tf_batch *bad;
    TEST_ASSERT(cn_tf_batch_create(m, 0, &bad) == CN_ERR_ARG);
    TEST_ASSERT(cn_tf_batch_create(m, CN_TF_MAX_BATCH + 1, &bad) == CN_ERR_ARG);
    cn_tf_batch_destroy(b);
    cn_tf_batch_destroy(c);
    for (int i = 0; i < N; i++) cn_tf_state_destroy(lone[i]);
    cn_tf_destroy(m);
    printf("test_tf_batch: ok\n");
    return 0;
}
