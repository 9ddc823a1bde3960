// LABELS: unit
// test_synth_reference: the reference synth plugin through its descriptor. Events land
// on their exact frame and the output does not depend on how blocks are cut (bit-exact
// against one big block); every waveform plays in tune (YIN); the envelope reaches the
// sustain level and falls silent exactly tail_frames() after note-off; velocity scales
// linearly; the 33rd simultaneous note steals the oldest voice; all-notes-off releases
// everything; parameters clamp; bad arguments are refused; the PolyBLEP saw aliases at
// least 10 dB less than a naive saw.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_stft.h"
#include "dsp/cn_synth_reference.h"
#include "cn_test.h"
#include "cn_test_process.h"
#include "dsp/cn_yin.h"

#define RATE 24000.0
#define MAXB 512

static const cn_plugin_desc *d = &cn_synth_reference_plugin;

static void *make(void) {
    void *s;
    TEST_OK(d->create(NULL, &s));
    TEST_OK(d->prepare(s, RATE, MAXB));
    return s;
}

// Render n frames, delivering ev (sorted) block by block; blocks of random size when
// seed != 0, else MAXB.
static void render(void *s, const cn_note_event *ev, int n_ev, float *out, int n, uint32_t seed) {
    int next = 0;
    for (int pos = 0; pos < n;) {
        int b = MAXB;
        if (seed) {
            seed = seed * 1664525u + 1013904223u;
            b = 1 + (int)((seed >> 8) % MAXB);
        }
        if (b > n - pos) b = n - pos;
        while (next < n_ev && ev[next].frame < pos + b) d->note_event(s, &ev[next++]);
        cn_test_process(d, s, pos, NULL, out + pos, b);
        pos += b;
    }
}

static float peak(const float *x, int a, int b) {
    float p = 0.0f;
    for (int i = a; i < b; i++) p = fabsf(x[i]) > p ? fabsf(x[i]) : p;
    return p;
}

// Share of the spectrum's energy (dB) away from the harmonics of f0: the aliasing.
static double alias_db(const float *x, int n, double f0) {
    cn_stft *st;
    TEST_OK(cn_stft_create(8192, 8192, &st));
    int bins = cn_stft_bins(st);
    float *mag = malloc(sizeof(float) * (size_t)bins);
    TEST_ASSERT(mag && n >= 8192);
    cn_stft_frame(st, x, (size_t)n, 0, mag);
    double all = 0.0, alias = 0.0;
    for (int k = 1; k < bins; k++) {
        double f = k * RATE / 8192, h = f / f0, e = (double)mag[k] * mag[k];
        all += e;
        if (fabs(h - round(h)) * f0 > 30.0) alias += e; // more than 30 Hz off a harmonic
    }
    free(mag);
    cn_stft_destroy(st);
    return 10.0 * log10(alias / all);
}

int main(void) {
    TEST_ASSERT(d->abi_version == CN_PLUGIN_ABI_VERSION && d->kind == CN_PLUGIN_GENERATOR);
    TEST_ASSERT(strcmp(d->id, "reference") == 0 && d->n_params == CN_SYNTH_N_PARAMS);
    for (int i = 0; i < d->n_params; i++)
        TEST_ASSERT(d->params[i].min <= d->params[i].def && d->params[i].def <= d->params[i].max);
    void *bad = NULL;
    TEST_ASSERT(d->create("voices=8", &bad) == CN_ERR_ARG && bad == NULL);

    const int n = (int)RATE; // 1 s
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    TEST_ASSERT(a && b);

    // Sample accuracy and block independence.
    cn_note_event ev[] = {CN_NOTE(1000, CN_EV_NOTE_ON, 60, 100), CN_NOTE(1000, CN_EV_NOTE_ON, 67, 80),
                          CN_NOTE(5003, CN_EV_NOTE_ON, 72, 127), CN_NOTE(9001, CN_EV_NOTE_OFF, 60, 0),
                          CN_NOTE(12000, CN_EV_NOTE_OFF, 67, 0), CN_NOTE(15555, CN_EV_NOTE_OFF, 72, 0)};
    void *s = make(), *t = make();
    render(s, ev, 6, a, n, 0);
    render(t, ev, 6, b, n, 777u);
    TEST_ASSERT(memcmp(a, b, sizeof(float) * n) == 0);
    for (int i = 0; i < 1000; i++) TEST_ASSERT(a[i] == 0.0f);
    TEST_ASSERT(a[1001] != 0.0f);
    int64_t tail = d->tail_frames(s);
    TEST_ASSERT(tail == (int64_t)ceil(0.05f * RATE));
    TEST_ASSERT(peak(a, 15555, 15555 + (int)tail - 10) > 0.0f);
    TEST_ASSERT(peak(a, 15555 + (int)tail, n) == 0.0f);
    d->destroy(t);

    // Every waveform in tune; sustain level and velocity scaling (sine, gain 1).
    d->set_param(s, CN_SYNTH_P_GAIN, 1.0f);
    d->set_param(s, CN_SYNTH_P_SUSTAIN, 0.5f);
    cn_yin_config yc = cn_yin_config_default(RATE);
    cn_yin *y;
    TEST_OK(cn_yin_create(&yc, &y));
    float *f0 = malloc(sizeof(float) * cn_yin_n_frames(y, (size_t)n));
    TEST_ASSERT(f0);
    for (int w = 0; w < 4; w++) {
        d->set_param(s, CN_SYNTH_P_WAVEFORM, (float)w);
        cn_note_event e[2] = {CN_NOTE(0, CN_EV_NOTE_ON, 69 - 12 * (w % 2), 127), CN_NOTE(n, CN_EV_NOTE_OFF, 69, 0)};
        TEST_OK(d->prepare(s, RATE, MAXB));
        render(s, e, 2, a, n, 0);
        cn_yin_analyze(y, a, (size_t)n, f0);
        double want = w % 2 ? 220.0 : 440.0, worst = 0.0;
        for (int i = 10; i < 90; i++) {
            TEST_ASSERT(f0[i] > 0.0f);
            double c = fabs(1200.0 * log2(f0[i] / want));
            worst = c > worst ? c : worst;
        }
        printf("waveform %d at %.0f Hz: worst %.3f cents, sustain peak %.4f\n", w, want, worst,
               peak(a, n / 2, n));
        TEST_ASSERT(worst < 2.0);
        if (w == 0) {
            TEST_NEAR(peak(a, n / 2, n), 0.5, 1e-3);
            TEST_NEAR(peak(a, 0, n / 2), 1.0, 2e-3); // samples miss the crest by < 0.1%
            e[0].velocity = 64;
            TEST_OK(d->prepare(s, RATE, MAXB));
            render(s, e, 2, b, n, 0);
            TEST_NEAR(peak(b, n / 2, n), 0.5 * (64.0 / 127.0) * (64.0 / 127.0), 1e-3); // the GM curve (v/127)^2
        }
    }
    cn_yin_destroy(y);
    free(f0);

    // Band limiting: a high saw (B6, 1976 Hz) against a naive saw of the same pitch.
    {
        d->set_param(s, CN_SYNTH_P_WAVEFORM, 2.0f);
        cn_note_event e[1] = {CN_NOTE(0, CN_EV_NOTE_ON, 95, 127)};
        TEST_OK(d->prepare(s, RATE, MAXB));
        render(s, e, 1, a, n, 0);
        double f0 = 440.0 * pow(2.0, (95 - 69) / 12.0), ph = 0.0;
        for (int i = 0; i < n; i++) {
            b[i] = (float)(2.0 * ph - 1.0);
            ph += f0 / RATE;
            if (ph >= 1.0) ph -= 1.0;
        }
        double blep = alias_db(a + n / 2, n / 2, f0), naive = alias_db(b + n / 2, n / 2, f0);
        printf("saw at %.0f Hz: aliasing %.1f dB (PolyBLEP) vs %.1f dB (naive)\n", f0, blep, naive);
        TEST_ASSERT(blep < naive - 10.0);
    }

    // Voice stealing: pitch 40, then 32 more notes; releasing those 32 leaves silence only
    // if the 33rd note stole pitch 40 (the oldest). With 31 more, pitch 40 keeps sounding.
    for (int extra = 31; extra <= 32; extra++) {
        cn_note_event e[1 + 2 * 32];
        int k = 0;
        e[k++] = (cn_note_event)CN_NOTE(0, CN_EV_NOTE_ON, 40, 100);
        for (int i = 0; i < extra; i++) e[k++] = (cn_note_event)CN_NOTE(100, CN_EV_NOTE_ON, 50 + i, 100);
        for (int i = 0; i < extra; i++) e[k++] = (cn_note_event)CN_NOTE(1000, CN_EV_NOTE_OFF, 50 + i, 0);
        TEST_OK(d->prepare(s, RATE, MAXB));
        render(s, e, k, a, 4000, 0);
        float rest = peak(a, 1000 + (int)tail + 1, 4000);
        printf("%d notes over pitch 40: peak after release %.4f\n", extra, rest);
        TEST_ASSERT(extra == 32 ? rest == 0.0f : rest > 0.1f);
    }

    // All notes off.
    cn_note_event e3[] = {CN_NOTE(0, CN_EV_NOTE_ON, 60, 100), CN_NOTE(0, CN_EV_NOTE_ON, 64, 100),
                          CN_NOTE(2000, CN_EV_ALL_OFF, 0, 0)};
    TEST_OK(d->prepare(s, RATE, MAXB));
    render(s, e3, 3, a, 4000, 0);
    TEST_ASSERT(peak(a, 1000, 2000) > 0.1f && peak(a, 2000 + (int)tail + 1, 4000) == 0.0f);

    // Parameters clamp (release 100 s -> 5 s).
    d->set_param(s, CN_SYNTH_P_RELEASE, 100.0f);
    TEST_ASSERT(d->tail_frames(s) == (int64_t)(5 * RATE));
    d->set_param(s, CN_SYNTH_P_RELEASE, -1.0f);
    TEST_ASSERT(d->tail_frames(s) == (int64_t)ceil(0.001f * RATE));
    d->destroy(s);
    d->destroy(NULL);
    free(a);
    free(b);
    return 0;
}
