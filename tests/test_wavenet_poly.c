// LABELS: unit
// TIMEOUT: 600
// test_wavenet_poly.c: the shipped WaveNets as polyphonic instruments, through a stereo
// graph at 48 kHz (the 16 kHz model resampled, the 48 kHz one direct) as `render` and
// `play` use them:
//   - every note of a chord sounds, each at the level it has alone (temperature 0: a voice
//     does not depend on the others);
//   - a rest after the chord and the end of the file are silent (no DC offset, no step);
//   - blocks of any size (live) give the same samples as offline blocks;
//   - notes beyond the voice limit steal, counted, and the stolen voice fades (no click);
//   - a melody plays legato in one voice; a note after a rest starts from silence;
//   - General MIDI programs choose instruments by family, within one model and across
//     the models of a presets folder (the shipped one: one model);
//   - pitch bend moves the note.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "engine/cn_graph.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_gm.h"
#include "models/wavenet/cn_wn_io.h"

#define RATE 48000.0

static cn_note_event note(double s, int type, int pitch, int channel) {
    cn_note_event e = CN_NOTE((int64_t)(s * RATE), type, pitch, type == CN_EV_NOTE_ON ? 100 : 0);
    e.channel = channel;
    return e;
}

// Render the events (in blocks of `block`, or of pseudo-random sizes up to 512 when 0) into
// a malloc'd stereo buffer of n frames.
static float *render(const char *args, const cn_note_event *ev, int n_ev, int64_t n, int block, int64_t *stolen) {
    return cn_test_wn_play(args, RATE, ev, n_ev, n, block, stolen);
}

static double amp_at(const float *x, double a, double b, double hz) {
    double re = 0, im = 0;
    int64_t ia = (int64_t)(a * RATE), ib = (int64_t)(b * RATE);
    for (int64_t i = ia; i < ib; i++) {
        double ph = 2 * M_PI * hz * (double)i / RATE, y = 0.5 * (x[2 * i] + x[2 * i + 1]);
        re += y * cos(ph);
        im += y * sin(ph);
    }
    return 2 * sqrt(re * re + im * im) / (double)(ib - ia);
}

static double hz(int pitch) { return 440.0 * pow(2.0, (pitch - 69) / 12.0); }

int main(void) {
    setenv("CONTINUO_PRESETS", CN_SRC("presets"), 1);
    const int chord[3] = {67, 71, 74}; // G4 B4 D5
    const int64_t n = (int64_t)(2.6 * RATE);
    cn_note_event ev[8];
    int k = 0;
    for (int i = 0; i < 3; i++) {
        ev[k++] = note(0.1, CN_EV_NOTE_ON, chord[i], 0);
        ev[k++] = note(1.1, CN_EV_NOTE_OFF, chord[i], 0);
    }
    int64_t stolen;
    for (int inst = 0; inst < 3; inst++) { // two at 16 kHz, one at 48 kHz
        const char *name[] = {"flute-16k", "violin", "trumpet-16k"};
        char args[64];
        snprintf(args, sizeof args, "instrument=%s", name[inst]);
        float *x = render(args, ev, k, n, 512, &stolen);
        TEST_ASSERT(stolen == 0);
        // Chord against each note alone: every note sounds in it (its fundamental), and the
        // chord is the sum of the notes alone until the note-offs (no note dropped, none
        // changed by the others). The fundamental alone would not do: a note a few cents
        // flat (the free-run fine-tune's violin D5, -7 cents) is off the exact frequency
        // this reads, where the other notes' partials blur it by a dB or two.
        const int64_t held = (int64_t)(1.1 * RATE);
        double *sum = calloc((size_t)(2 * held), sizeof *sum);
        TEST_ASSERT(sum);
        for (int i = 0; i < 3; i++) {
            float *solo = render(args, &ev[2 * i], 2, (int64_t)(1.2 * RATE), 512, NULL);
            double a = amp_at(x, 0.3, 1.0, hz(chord[i])), s = amp_at(solo, 0.3, 1.0, hz(chord[i]));
            printf("%-8s %d: fundamental in the chord %.4f, alone %.4f (%+.1f dB)\n", name[inst], chord[i], a, s,
                   20 * log10(a / s));
            TEST_ASSERT(s > 0.001);
            for (int64_t j = 0; j < 2 * held; j++) sum[j] += solo[j];
            free(solo);
        }
        double err = 0.0, pow = 0.0;
        for (int64_t j = 0; j < 2 * held; j++) err += (x[j] - sum[j]) * (x[j] - sum[j]), pow += sum[j] * sum[j];
        printf("%-8s chord against the sum of its notes alone: %.1f dB\n", name[inst], 10 * log10(err / pow + 1e-30));
        TEST_ASSERT(err < 1e-6 * pow);
        free(sum);
        // The rest from 1.5 s (0.4 s after the note-offs) and the last 10 ms: silent.
        double mean = 0, peak_end = 0;
        for (int64_t i = (int64_t)(1.5 * RATE); i < n; i++) mean += x[2 * i] + x[2 * i + 1];
        mean /= 2.0 * (double)(n - (int64_t)(1.5 * RATE));
        for (int64_t i = n - 480; i < n; i++) peak_end = fmax(peak_end, fmax(fabs(x[2 * i]), fabs(x[2 * i + 1])));
        printf("%-8s rest mean %.2e, peak of the last 10 ms %.2e\n", name[inst], mean, peak_end);
        TEST_ASSERT(fabs(mean) < 1e-3 && peak_end < 1e-3);
        // Live blocks of any size: the same samples.
        float *y = render(args, ev, k, n, 0, NULL);
        TEST_ASSERT(memcmp(x, y, (size_t)n * 2 * sizeof *x) == 0);
        free(y);
        free(x);
    }

    // Two voices for three notes: one stolen.
    float *x = render("instrument=flute-16k,voices=2", ev, k, n, 512, &stolen);
    printf("3 notes on 2 voices: %lld stolen\n", (long long)stolen);
    TEST_ASSERT(stolen == 1);
    free(x);

    // A stolen voice fades instead of stopping: one voice, a note sounding, a second note
    // taking its voice at several phases of the first's waveform (the 48 kHz flute: no
    // resampler smooths the step). Around the steal no sample-to-sample step exceeds twice
    // the largest of the note's last 10 ms; the first note's last sample was a step many
    // times that for the old cut-off to be caught.
    double steal_step = 0.0, step_before = 0.0;
    for (int j = 0; j < 5; j++) {
        const double at = 0.5 + 0.00037 * j;
        const cn_note_event sev[] = {note(0.1, CN_EV_NOTE_ON, 72, 0), note(at, CN_EV_NOTE_ON, 76, 0),
                                     note(0.8, CN_EV_NOTE_OFF, 72, 0), note(0.8, CN_EV_NOTE_OFF, 76, 0)};
        const int64_t sn = (int64_t)(0.9 * RATE), f = (int64_t)(at * RATE);
        float *sx = render("instrument=flute,voices=1", sev, 4, sn, 512, &stolen);
        TEST_ASSERT(stolen == 1);
        double normal = 0.0, jump = 0.0;
        for (int64_t i = f - 480; i < f - 1; i++) normal = fmax(normal, fabs(sx[2 * i] - sx[2 * i - 2]));
        for (int64_t i = f - 1; i < f + 3; i++) jump = fmax(jump, fabs(sx[2 * i] - sx[2 * i - 2]));
        step_before = fmax(step_before, fabs(sx[2 * f - 2]) / normal);
        steal_step = fmax(steal_step, jump / normal);
        free(sx);
    }
    printf("stolen voice: largest step at the steal %.2fx the note's own (its last sample: %.1fx)\n", steal_step,
           step_before);
    TEST_ASSERT(step_before > 4.0);
    TEST_ASSERT(steal_step < 2.0);

    // Legato: a line on one channel plays in one voice (voices=1: nothing stolen), each note
    // at its own pitch; a note after a rest longer than the release tail starts from
    // silence, sample for sample as it sounds alone.
    {
        const cn_note_event lev[] = {note(0.1, CN_EV_NOTE_ON, 72, 0), note(0.5, CN_EV_NOTE_OFF, 72, 0),
                                     note(0.5, CN_EV_NOTE_ON, 76, 0), note(0.9, CN_EV_NOTE_OFF, 76, 0),
                                     note(1.3, CN_EV_NOTE_ON, 79, 0), note(1.7, CN_EV_NOTE_OFF, 79, 0)};
        const int64_t ln = (int64_t)(2.0 * RATE), from = (int64_t)(1.3 * RATE);
        float *lx = render("instrument=flute,voices=1", lev, 6, ln, 512, &stolen);
        float *alone = render("instrument=flute,voices=1", lev + 4, 2, ln, 512, NULL);
        const double e5 = amp_at(lx, 0.65, 0.85, hz(76)), c5 = amp_at(lx, 0.65, 0.85, hz(72));
        printf("legato C5-E5 in one voice: %lld stolen, E5 %.4f against C5 %.4f; G5 after a rest %s alone\n",
               (long long)stolen, e5, c5,
               memcmp(lx + 2 * from, alone + 2 * from, (size_t)(ln - from) * 2 * sizeof *lx) ? "differs from" : "as");
        TEST_ASSERT(stolen == 0 && e5 > 0.01 && e5 > 10.0 * c5);
        TEST_ASSERT(memcmp(lx + 2 * from, alone + 2 * from, (size_t)(ln - from) * 2 * sizeof *lx) == 0);
        free(lx);
        free(alone);
    }

    // Programs: by family (a program's own instrument first when the model has it), and as
    // events (channel 1 program 71 = clarinet: the Reed family's trumpet in the 16 kHz
    // model, against an explicit trumpet).
    cn_wn_model *m;
    TEST_OK(cn_wn_load(CN_SRC("presets/wavenet-gm3.safetensors"), &m, NULL, NULL, NULL));
    const struct {
        int program;
        const char *want;
    } gm[] = {{73, "flute"}, {40, "violin"}, {56, "trumpet"}, {65, "trumpet"}, {0, "violin"},
              {19, "flute"}, {42, "violin"}, {60, "trumpet"}, {71, "trumpet"}}; // gm3: no cello, horn, clarinet
    for (size_t i = 0; i < sizeof gm / sizeof gm[0]; i++) {
        int idx = cn_wn_gm_instrument(&m->cfg, gm[i].program);
        printf("program %3d (%s) -> %s\n", gm[i].program, cn_wn_gm_family(gm[i].program), m->cfg.instruments[idx]);
        TEST_ASSERT(!strcmp(m->cfg.instruments[idx], gm[i].want));
    }
    cn_wn_destroy(m);
    cn_note_event pe[3] = {note(0.0, CN_EV_PROGRAM, 0, 1), note(0.1, CN_EV_NOTE_ON, 69, 1), note(0.6, CN_EV_NOTE_OFF, 69, 1)};
    pe[0].value = 71;
    float *a = render("preset=flute-16k,programs=1", pe, 3, (int64_t)(RATE), 512, NULL);
    float *b = render("instrument=trumpet-16k", pe + 1, 2, (int64_t)(RATE), 512, NULL);
    TEST_ASSERT(memcmp(a, b, (size_t)RATE * 2 * sizeof *a) == 0);
    free(a);
    free(b);
    // Without arguments the programs choose among the instruments of the models the GM
    // presets name (CN_WN_GM_PRESETS): the shipped trumpet's names the longer fine-tune's
    // trumpet, the clarinet's the first fine-tune's clarinet, the flute's the 48 kHz model
    // of all eight, so each program plays its instrument's preset, sample for sample: the
    // flute (73), piano (0), violin (40) and cello (42) of the last, the clarinet (71) of the
    // second, the trumpet (56) of the first.
    const int progs[6] = {73, 0, 71, 40, 42, 56};
    const char *names[6] = {"flute", "piano", "clarinet", "violin", "cello", "trumpet"};
    for (int i = 0; i < 6; i++) {
        pe[0].value = progs[i];
        char want[64];
        snprintf(want, sizeof want, "instrument=%s", names[i]);
        a = render(NULL, pe, 3, (int64_t)(RATE), 512, NULL);
        b = render(want, pe + 1, 2, (int64_t)(RATE), 512, NULL);
        printf("no arguments, program %d: the %s, sample for sample\n", progs[i], names[i]);
        TEST_ASSERT(memcmp(a, b, (size_t)RATE * 2 * sizeof *a) == 0);
        free(a);
        free(b);
    }
    // A presets folder whose GM presets name two models (presets=DIR: the trumpet's and the
    // clarinet's, first of CN_WN_GM_PRESETS, the 16 kHz model, loaded once; the flute's the
    // 48 kHz one): the first model with the program's preferred instrument plays it, the
    // clarinet (71) and cello (42) of the 48 kHz model, the flute (73) and trumpet (56) of
    // the 16 kHz one, each sample for sample as that instrument alone, also with a note of
    // the other model sounding at the same time.
    char dir[] = "/tmp/cn_poly_XXXXXX", fpath[600], cpath[600], tpath[600], two[600];
    TEST_ASSERT(mkdtemp(dir));
    const char *gm_model[3] = {CN_SRC("presets/wavenet-gm3.safetensors"), CN_SRC("presets/wavenet-gm3.safetensors"),
                               CN_SRC("presets/wavenet-gm8-48k.safetensors")};
    const char *gm_inst[3] = {"trumpet", "trumpet", "flute"};
    char *gm_preset[3] = {tpath, cpath, fpath};
    snprintf(fpath, sizeof fpath, "%s/wavenet-flute.json", dir);
    snprintf(cpath, sizeof cpath, "%s/wavenet-clarinet.json", dir);
    snprintf(tpath, sizeof tpath, "%s/wavenet-trumpet.json", dir);
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(gm_preset[i], "w");
        TEST_ASSERT(f);
        fprintf(f, "{\"model\": \"%s\", \"instrument\": \"%s\", \"temperature\": 0}\n", gm_model[i], gm_inst[i]);
        fclose(f);
    }
    snprintf(two, sizeof two, "presets=%s", dir);
    const cn_wn_config *cfg[CN_WN_GM_N_PRESETS];
    cn_wn_model *models[CN_WN_GM_N_PRESETS];
    for (int i = 0; i < 2; i++) {
        TEST_OK(cn_wn_load(gm_model[i + 1], &models[i], NULL, NULL, NULL));
        cfg[i] = &models[i]->cfg;
    }
    const struct {
        int program;
        const char *want;
        int model;
    } both[] = {{71, "clarinet", 1}, {42, "cello", 1}, {73, "flute", 0}, {56, "trumpet", 0}, {0, "piano", 1},
                {24, "guitar", 1},   {60, "horn", 1},  {40, "violin", 0}, {68, "clarinet", 1}, {33, "cello", 1}};
    for (size_t i = 0; i < sizeof both / sizeof both[0]; i++) {
        int inst, mi = cn_wn_gm_choose(cfg, 2, both[i].program, &inst);
        printf("two models: program %3d -> %s of model %d\n", both[i].program, cfg[mi]->instruments[inst], mi);
        TEST_ASSERT(!strcmp(cfg[mi]->instruments[inst], both[i].want) && mi == both[i].model);
    }
    for (int i = 0; i < 2; i++) cn_wn_destroy(models[i]);
    const int progs2[4] = {71, 42, 73, 56};
    const char *names2[4] = {"clarinet", "cello", "flute", "trumpet"};
    for (int i = 0; i < 4; i++) {
        pe[0].value = progs2[i];
        char want[700];
        snprintf(want, sizeof want, "preset=%s,instrument=%s", i < 2 ? fpath : cpath, names2[i]);
        a = render(two, pe, 3, (int64_t)(RATE), 512, NULL);
        b = render(want, pe + 1, 2, (int64_t)(RATE), 512, NULL);
        printf("two models, program %d: the %s of the %s model, sample for sample\n", progs2[i], names2[i],
               i < 2 ? "48 kHz" : "16 kHz");
        TEST_ASSERT(memcmp(a, b, (size_t)RATE * 2 * sizeof *a) == 0);
        free(a);
        free(b);
    }
    // Two channels at once on the two models: the sum of each alone (the other model silent).
    cn_note_event duo[6] = {note(0.0, CN_EV_PROGRAM, 0, 1), note(0.0, CN_EV_PROGRAM, 0, 2),
                            note(0.1, CN_EV_NOTE_ON, 69, 1), note(0.1, CN_EV_NOTE_ON, 64, 2),
                            note(0.6, CN_EV_NOTE_OFF, 69, 1), note(0.6, CN_EV_NOTE_OFF, 64, 2)};
    duo[0].value = 42;
    duo[1].value = 73;
    cn_note_event cello[3] = {duo[0], duo[2], duo[4]}, flute[3] = {duo[1], duo[3], duo[5]};
    a = render(two, duo, 6, (int64_t)RATE, 512, NULL);
    b = render(two, cello, 3, (int64_t)RATE, 512, NULL);
    float *c = render(two, flute, 3, (int64_t)RATE, 512, NULL);
    double worst = 0;
    for (int64_t i = 0; i < 2 * (int64_t)RATE; i++) worst = fmax(worst, fabs(a[i] - (b[i] + c[i])));
    printf("cello and flute together: largest difference from the sum of each alone %.2g\n", worst);
    TEST_ASSERT(worst < 1e-6);
    free(a);
    free(b);
    free(c);
    unlink(fpath);
    unlink(cpath);
    unlink(tpath);
    rmdir(dir);
    // A model file without an instrument: the programs choose among its instruments
    // (program 60 on the 48 kHz model: its horn).
    char with[600], alone[512];
    snprintf(alone, sizeof alone, "model=%s", CN_SRC("presets/wavenet-gm8-48k.safetensors"));
    snprintf(with, sizeof with, "%s,instrument=horn", alone);
    pe[0].value = 60;
    a = render(alone, pe, 3, (int64_t)(RATE), 512, NULL);
    b = render(with, pe + 1, 2, (int64_t)(RATE), 512, NULL);
    TEST_ASSERT(memcmp(a, b, (size_t)RATE * 2 * sizeof *a) == 0);
    free(a);
    free(b);
    // Pitch bend: A4 bent a whole tone up (the default range, 2 semitones) sounds at B4.
    cn_note_event be[3] = {note(0.0, CN_EV_PITCH_BEND, 0, 0), note(0.1, CN_EV_NOTE_ON, 69, 0),
                           note(0.9, CN_EV_NOTE_OFF, 69, 0)};
    be[0].value = 8191;
    float *bent = render("instrument=violin", be, 3, (int64_t)RATE, 512, NULL);
    float *plain = render("instrument=violin", be + 1, 2, (int64_t)RATE, 512, NULL);
    const double f_bent = cn_test_median_f0(bent, 2, RATE, 0.3, 0.8), f_plain = cn_test_median_f0(plain, 2, RATE, 0.3, 0.8);
    printf("bend +2: %.2f Hz (%+.1f cents from B4), unbent %.2f Hz (%+.1f cents from A4)\n", f_bent,
           1200 * log2(f_bent / hz(71)), f_plain, 1200 * log2(f_plain / hz(69)));
    TEST_ASSERT(fabs(1200 * log2(f_bent / hz(71))) < 50 && fabs(1200 * log2(f_plain / hz(69))) < 50);
    free(bent);
    free(plain);
    printf("test_wavenet_poly: ok\n");
    return 0;
}
