// test_wavenet_schedule.c: the two rules of a WaveNet training run that decide what gets
// shipped: the input-noise schedule (constant, or moving linearly from --input-noise to
// --input-noise-end) and the choice of the --best checkpoint (in tune first, then the
// closest spectrum).
#include "models/wavenet/cn_wn_run.h"
#include "tests/cn_test.h"

static void test_noise_schedule(void) {
    cn_wn_train_opts o;
    cn_wn_train_opts_default(&o);
    o.steps = 101;
    o.input_noise = 0.01f;
    TEST_NEAR(cn_wn_input_noise_at(&o, 0), 0.01, 1e-9); // default: constant
    TEST_NEAR(cn_wn_input_noise_at(&o, 100), 0.01, 1e-9);
    o.input_noise_end = 0.03f;
    TEST_NEAR(cn_wn_input_noise_at(&o, 0), 0.01, 1e-7);
    TEST_NEAR(cn_wn_input_noise_at(&o, 50), 0.02, 1e-7);
    TEST_NEAR(cn_wn_input_noise_at(&o, 100), 0.03, 1e-7);
    TEST_NEAR(cn_wn_input_noise_at(&o, 500), 0.03, 1e-7); // a run continued past its steps
    o.input_noise_end = 0.0f; // annealed down works too
    TEST_NEAR(cn_wn_input_noise_at(&o, 100), 0.0, 1e-9);
}

static void test_best_rule(void) {
    cn_wn_best b;
    cn_wn_best_init(&b);
    // Until a checkpoint is in tune on every instrument: within 0.01 of the best pitch
    // accuracy so far, the closest spectrum.
    TEST_ASSERT(!cn_wn_best_offer(&b, -1.0, 1.0, 1)); // a failed evaluation is never kept
    TEST_ASSERT(cn_wn_best_offer(&b, 0.60, 1.50, 0)); // the first score is kept
    TEST_ASSERT(cn_wn_best_offer(&b, 0.98, 1.60, 0)); // far more in tune: kept though farther
    TEST_ASSERT(!cn_wn_best_offer(&b, 0.985, 1.70, 0)); // as much in tune, farther: not kept
    TEST_ASSERT(cn_wn_best_offer(&b, 0.976, 1.40, 0)); // within 0.01 of the best pitch, closer: kept
    TEST_ASSERT(!cn_wn_best_offer(&b, 0.95, 1.00, 0)); // out of tune: never kept, however close
    TEST_NEAR(b.pitch, 0.976, 1e-12);
    TEST_NEAR(b.mrstft, 1.40, 1e-12);
    // A checkpoint more in tune by more than the tolerance takes the place even when
    // farther, because the kept one is no longer within reach of the best pitch.
    TEST_ASSERT(cn_wn_best_offer(&b, 0.995, 1.45, 0));
    TEST_ASSERT(!cn_wn_best_offer(&b, 0.984, 1.00, 0)); // 0.011 below the best: out
    TEST_ASSERT(cn_wn_best_offer(&b, 0.986, 1.30, 0));
    TEST_NEAR(b.max_pitch, 0.995, 1e-12);
    // The first checkpoint in tune on every instrument wins, however far; then the closest
    // of those in tune, whatever their mean pitch accuracy: a run that stays in tune keeps
    // its closest-sounding checkpoint, not its earliest.
    TEST_ASSERT(cn_wn_best_offer(&b, 0.99, 2.50, 1));
    TEST_ASSERT(b.in_tune);
    TEST_ASSERT(!cn_wn_best_offer(&b, 1.00, 1.00, 0)); // not in tune: never again
    TEST_ASSERT(cn_wn_best_offer(&b, 0.97, 2.00, 1)); // in tune, closer, though 0.02 below the best
    TEST_ASSERT(!cn_wn_best_offer(&b, 1.00, 2.10, 1)); // in tune, farther
    TEST_NEAR(b.pitch, 0.97, 1e-12);
    TEST_NEAR(b.mrstft, 2.00, 1e-12);
}

int main(void) {
    test_noise_schedule();
    test_best_rule();
    printf("test_wavenet_schedule: ok\n");
    return 0;
}
