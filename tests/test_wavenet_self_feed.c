// test_wavenet_self_feed.c: parallel scheduled sampling (cn_wn_self_feed, `train wavenet
// --self-feed P`): the samples it feeds back are the model's temperature-0 predictions of
// them from a forward pass over the chunk, only from `warm` on, about a share p of them;
// several passes are one pass repeated; the inputs it leaves are built from what it fed
// back, plus the input noise.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_rng.h"
#include "models/wavenet/cn_wn_synth.h"
#include "models/wavenet/cn_wn_train.h"
#include "tests/cn_test_wavenet.h"

enum { T = 700, WARM = 150, H = CN_WN_HISTORY, NH = H + T - 1 };

typedef struct chunk {
    float feat[T * CN_WN_NFEAT];
    float heard[NH], past[NH], audio[T * CN_WN_NAUDIO];
} chunk;

// A 440 Hz sine heard under a note A4 held over the whole chunk.
static void chunk_fill(const cn_wn_model *m, chunk *c) {
    const int sr = m->cfg.sample_rate;
    cn_timed_note n = {.on = 0, .off = 10 * sr, .pitch = 69, .velocity = 100};
    cn_wn_features_range(&n, 1, sr, CN_WN_NOISE_SEED, H, T, c->feat);
    for (int i = 0; i < NH; i++) c->heard[i] = 0.3f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / (float)sr);
}

// The model's temperature-0 prediction of every sample of the chunk, from inputs built
// step by step here (the reference the function must agree with).
static void predictions(const cn_wn_model *m, cn_wn_acts *a, const chunk *c, float *pred) {
    static float audio[T * CN_WN_NAUDIO];
    for (int i = 0; i < T; i++)
        cn_wn_audio_inputs(m->cfg.sample_rate, c->feat + (size_t)i * CN_WN_NFEAT, c->heard + H + i, H,
                           audio + (size_t)i * CN_WN_NAUDIO);
    cn_wn_forward(m, a, audio, c->feat, 0, NULL, T, T);
    const float *out = cn_wn_acts_logits(a);
    float work[CN_WN_CLASSES];
    cn_rng r;
    cn_rng_seed(&r, 1, 1);
    for (int i = 0; i < T; i++) pred[i] = cn_wn_draw(&m->cfg, out + (size_t)i * cn_wn_out_dim(&m->cfg), 0.0f, &r, work);
}

static void check_head(int head) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.out = head;
    cn_wn_model *m = NULL;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_test_wn_randomize(m, 7);
    cn_wn_acts *a = NULL;
    TEST_OK(cn_wn_acts_create(&m->cfg, T, &a));
    static chunk c0, c1, c2;
    static float pred[T], pred2[T], noise[NH];
    chunk_fill(m, &c0);
    predictions(m, a, &c0, pred);

    // p = 1, one pass: every sample from warm on is its prediction, the rest the recording.
    c1 = c0;
    cn_rng r;
    cn_rng_seed(&r, 3, 0);
    cn_wn_self_feed(m, a, c1.feat, 0, T, WARM, 1.0f, 1, &r, c1.heard, NULL, c1.past, c1.audio);
    int moved = 0;
    for (int i = 0; i < NH; i++) {
        int k = i - H; // chunk sample k
        float want = (k >= WARM && k < T - 1) ? pred[k] : c0.heard[i];
        TEST_ASSERT_MSG(c1.heard[i] == want, "p=1: heard[%d] %g, wanted %g", i, c1.heard[i], want);
        TEST_ASSERT(c1.past[i] == c1.heard[i]);
        moved += c1.heard[i] != c0.heard[i];
    }
    printf("  head %s: %d of %d samples fed back differ from the recording\n", cn_wn_out_name(head), moved, T - 1 - WARM);
    TEST_ASSERT_MSG(moved > (T - 1 - WARM) / 2, "the predictions equal the recording: %d moved", moved);
    // The inputs left: x_{t-1} of sample k is what was fed back for k - 1.
    for (int k = 1; k < T; k++) TEST_ASSERT(c1.audio[(size_t)k * CN_WN_NAUDIO] == c1.heard[H + k - 1]);

    // Two passes = the second pass predicting from the first's samples.
    predictions(m, a, &c1, pred2);
    c2 = c0;
    cn_rng_seed(&r, 3, 0);
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 1.0f, 2, &r, c2.heard, NULL, c2.past, c2.audio);
    for (int k = WARM; k < T - 1; k++)
        TEST_ASSERT_MSG(c2.heard[H + k] == pred2[k], "2 passes: sample %d %g, wanted %g", k, c2.heard[H + k], pred2[k]);

    // p = 0.4 with input noise: about that share replaced, each by its prediction from the
    // noisy inputs; the noise stays on top.
    c2 = c0;
    for (int i = 0; i < NH; i++) {
        noise[i] = 0.01f * (float)((i * 37) % 11 - 5);
        c2.heard[i] += noise[i];
    }
    predictions(m, a, &c2, pred);
    c2 = c0;
    cn_rng_seed(&r, 4, 0);
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 0.4f, 1, &r, c2.heard, noise, c2.past, c2.audio);
    int fed = 0;
    for (int k = WARM; k < T - 1; k++) {
        float v = c2.heard[H + k];
        TEST_ASSERT(v == c0.heard[H + k] || v == pred[k]);
        fed += v == pred[k] && v != c0.heard[H + k];
    }
    double share = (double)fed / (double)moved;
    printf("  p=0.4: %.3f of the samples that move were fed back\n", share);
    TEST_ASSERT_MSG(share > 0.3 && share < 0.5, "share %.3f", share);
    for (int i = 0; i < NH; i++) TEST_ASSERT(c2.past[i] == c2.heard[i] + noise[i]);
    for (int k = 1; k < T; k++) TEST_ASSERT(c2.audio[(size_t)k * CN_WN_NAUDIO] == c2.past[H + k - 1]);

    // p = 0 (or no pass) leaves the recording.
    c2 = c0;
    cn_wn_self_feed(m, a, c2.feat, 0, T, WARM, 0.0f, 1, &r, c2.heard, NULL, c2.past, c2.audio);
    TEST_ASSERT(memcmp(c2.heard, c0.heard, sizeof c0.heard) == 0);
    cn_wn_acts_destroy(a);
    cn_wn_destroy(m);
}

int main(void) {
    check_head(CN_WN_OUT_GAUSS);
    check_head(CN_WN_OUT_MULAW);
    printf("test_wavenet_self_feed: ok\n");
    return 0;
}
