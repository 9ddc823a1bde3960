// LABELS: unit
// test_effects: the eq, reverb and limiter plugins through their descriptors. A flat EQ
// passes audio unchanged; +6 dB at 1 kHz doubles a 1 kHz sine and leaves 100 Hz alone;
// the low cut removes a 20 Hz hum. The reverb's tail_frames follows decay and pre-delay,
// and its wet output rings on after the input stops. The limiter holds its ceiling.
// Unknown create() arguments are refused.
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_effects.h"
#include "cn_test.h"

#define RATE 48000.0
#define N 24000

static float amp_after(const cn_plugin_desc *d, void *s, double f, float a) {
    static float x[N];
    for (int i = 0; i < N; i++) x[i] = (float)(a * sin(2.0 * M_PI * f * i / RATE));
    for (int pos = 0; pos < N; pos += 480) d->process(s, pos, x + pos, x + pos, 480);
    float p = 0.0f;
    for (int i = N / 2; i < N; i++) p = fabsf(x[i]) > p ? fabsf(x[i]) : p;
    return p;
}

static int param(const cn_plugin_desc *d, const char *name) {
    for (int i = 0; i < d->n_params; i++)
        if (strcmp(d->params[i].name, name) == 0) return i;
    TEST_ASSERT_MSG(0, "%s has no parameter %s", d->id, name);
    return -1;
}

int main(void) {
    const cn_plugin_desc *all[] = {&cn_fx_eq_plugin, &cn_fx_reverb_plugin, &cn_fx_limiter_plugin};
    for (int i = 0; i < 3; i++) {
        void *s = NULL;
        TEST_ASSERT(all[i]->kind == CN_PLUGIN_EFFECT && all[i]->abi_version == CN_PLUGIN_ABI_VERSION);
        TEST_ASSERT(all[i]->create("bogus=1", &s) == CN_ERR_ARG && s == NULL);
        TEST_OK(all[i]->create("", &s));
        all[i]->destroy(s);
    }

    const cn_plugin_desc *eq = &cn_fx_eq_plugin;
    void *e;
    TEST_OK(eq->create(NULL, &e));
    TEST_OK(eq->prepare(e, RATE, 480));
    TEST_NEAR(amp_after(eq, e, 1000.0, 0.5f), 0.5, 1e-3);
    eq->set_param(e, param(eq, "gain"), 6.0f);
    eq->set_param(e, param(eq, "freq"), 1000.0f);
    float a1k = amp_after(eq, e, 1000.0, 0.25f), a100 = amp_after(eq, e, 100.0, 0.25f);
    printf("eq +6 dB at 1 kHz: 1 kHz x%.3f, 100 Hz x%.3f\n", a1k / 0.25, a100 / 0.25);
    TEST_NEAR(a1k / 0.25, pow(10.0, 6.0 / 20.0), 5e-3);
    TEST_NEAR(a100 / 0.25, 1.0, 0.02);
    eq->set_param(e, param(eq, "gain"), 0.0f);
    eq->set_param(e, param(eq, "lowcut"), 200.0f);
    TEST_ASSERT(amp_after(eq, e, 20.0, 0.5f) < 0.01f);
    eq->destroy(e);

    const cn_plugin_desc *rv = &cn_fx_reverb_plugin;
    void *r;
    TEST_OK(rv->create(NULL, &r));
    TEST_OK(rv->prepare(r, RATE, 480));
    TEST_ASSERT(rv->tail_frames(r) == (int64_t)ceil((0.02 + 1.5) * RATE));
    rv->set_param(r, param(rv, "decay"), 0.5f);
    rv->set_param(r, param(rv, "predelay"), 0.01f);
    rv->set_param(r, param(rv, "mix"), 1.0f);
    // decay and pre-delay take effect at the next prepare, never inside process()
    TEST_ASSERT(rv->tail_frames(r) == (int64_t)ceil((0.02 + 1.5) * RATE));
    TEST_OK(rv->prepare(r, RATE, 480));
    TEST_ASSERT(rv->tail_frames(r) == (int64_t)ceil((0.01 + 0.5) * RATE));
    static float x[N];
    for (int i = 0; i < 2400; i++) x[i] = (float)sin(i * 0.1);
    for (int pos = 0; pos < N; pos += 480) rv->process(r, pos, x + pos, x + pos, 480);
    float ring = 0.0f;
    for (int i = 2400 + 4800; i < 2400 + 9600; i++) ring = fabsf(x[i]) > ring ? fabsf(x[i]) : ring;
    printf("reverb: 100-200 ms after the input stops, peak %.4f\n", ring);
    TEST_ASSERT(ring > 1e-3f);
    rv->destroy(r);

    const cn_plugin_desc *li = &cn_fx_limiter_plugin;
    void *l;
    TEST_OK(li->create(NULL, &l));
    TEST_OK(li->prepare(l, RATE, 480));
    li->set_param(l, param(li, "ceiling"), -6.0f);
    float lim = amp_after(li, l, 440.0, 2.0f);
    printf("limiter -6 dBFS on a +6 dBFS sine: peak %.4f\n", lim);
    TEST_ASSERT(lim <= pow(10.0, -6.0 / 20.0) * (1 + 1e-6) && lim > 0.45f);
    TEST_ASSERT(li->tail_frames(l) == 239);
    li->destroy(l);
    return 0;
}
