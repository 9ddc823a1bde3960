// LABELS: unit
// test_voices_budget.c: the voice cap a live CPU budget asks for (cn_voices_budget_cap):
// over the budget as many voices as it allows at the current cost, never fewer than one
// nor as many as sound; one more only when a voice at the current cost per voice fits
// under 90% of the budget (so a cap does not rise into an overload and fall back, cutting a
// sounding note each time); never above the voice limit. On several threads the cost
// follows the busiest thread's share of the voices (cn_voices_load_at).
#include "cn_test.h"
#include "dsp/cn_voices.h"

// A voice set with `active` sounding voices (slots 0..active-1) and the given cap.
static cn_voices with(int active, int cap) {
    cn_voices vs;
    cn_voices_init(&vs, 16);
    for (int i = 0; i < active; i++) vs.v[i] = (cn_voice){.state = CN_VOICE_HELD, .pitch = 60 + i};
    vs.active = active;
    vs.cap = cap;
    return vs;
}

int main(void) {
    const float budget = 0.8f;
    cn_voices vs = with(4, 16);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 1.03f, 1.03f, budget, 1) == 3); // 4 * 0.8 / 1.03 = 3.1
    vs = with(8, 16);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 1.03f, 1.03f, budget, 1) == 6);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.81f, 0.81f, budget, 1) == 7); // just over: one fewer
    TEST_ASSERT(cn_voices_budget_cap(&vs, 50.0f, 50.0f, budget, 1) == 1);
    vs = with(1, 16);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 2.0f, 2.0f, budget, 1) == 16); // one voice: nothing to take
    // Rising: 3 voices at 0.15 each leave room for a fourth (0.60 < 0.72); at 0.2 each not.
    vs = with(3, 3);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.45f, 0.45f, budget, 1) == 4);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.6f, 0.6f, budget, 1) == 3);
    // One 48 kHz voice at half of real time: a second would not fit.
    vs = with(1, 1);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.47f, 0.47f, budget, 1) == 1);
    // Another part's load counts against the room, its voices not in this set's cost.
    vs = with(2, 2);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.2f, 0.2f, budget, 1) == 3);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.7f, 0.2f, budget, 1) == 2);
    // Nothing sounding: room; at the limit: no higher.
    vs = with(0, 5);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.0f, 0.0f, budget, 1) == 6);
    vs = with(2, 16);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.1f, 0.1f, budget, 1) == 16);
    // Over the budget with another part's load: that load does not shrink with this set's
    // voices (4 at 0.125 each beside 0.5: two leave 0.75).
    vs = with(4, 16);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 1.0f, 0.5f, budget, 1) == 2);
    // Two threads: the busiest renders ceil(n / 2) voices, so the cost steps every two voices.
    TEST_NEAR(cn_voices_load_at(0.6f, 4, 2, 2), 0.3, 1e-6);
    TEST_NEAR(cn_voices_load_at(0.6f, 3, 4, 2), 0.6, 1e-6);
    TEST_NEAR(cn_voices_load_at(0.6f, 3, 4, 1), 0.8, 1e-6);
    TEST_NEAR(cn_voices_load_at(0.3f, 0, 1, 2), 0.3, 1e-6);
    vs = with(4, 16); // four voices on two threads at 0.97: a pair costs 0.97, one pair fits
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.97f, 0.97f, budget, 2) == 2);
    vs = with(3, 3); // a fourth voice joins the thread with one: free (on one thread 0.87)
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.655f, 0.655f, budget, 2) == 4);
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.655f, 0.655f, budget, 1) == 3);
    vs = with(4, 4); // a fifth would make the busiest thread's three: 0.98
    TEST_ASSERT(cn_voices_budget_cap(&vs, 0.655f, 0.655f, budget, 2) == 4);
    printf("test_voices_budget: ok\n");
    return 0;
}
