// LABELS: unit
// TIMEOUT: 600
// test_lv2_instrument.c: the LV2 instrument (lv2/, bundle continuo.lv2) loaded through
// lilv as a host loads it, fed MIDI block by block as atom sequences (blocks of 256, 1000
// and 37 frames, so runs longer than the plugin's 512-frame slices happen too). Checks,
// on the output: the reference synth's note starts at its exact frame, has its pitch
// (YIN) and level and ends after its release; a chord has its three fundamentals
// (Goertzel); pitch bend, sustain pedal and gain work; channel controls carry over to a new
// instrument; the General MIDI choices play the program's instrument of their model;
// each WaveNet instrument (eight at 48 kHz, three at 16 kHz) plays A4 at its pitch and a
// sensible level; and no run() allocates (every shared object counted).
// The bundle is $CN_LV2I_BUNDLE or BUILD/lib/lv2/continuo.lv2. Exits 77 without lilv or
// without the bundle.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CN_HAVE_LILV
#include <lilv/lilv.h>
#include <lv2/atom/forge.h>
#include <lv2/midi/midi.h>
#include <lv2/urid/urid.h>
#endif

#include "cn_test.h"
#include "cn_test_wavenet.h"

#include "cn_alloc_count.h"

#ifndef CN_HAVE_LILV
int main(void) {
    printf("skipped: built without lilv\n");
    return 77;
}
#else

#define RATE 48000.0
#define MAXN (48000 * 3)
#define URI "urn:continuo:instrument"

enum { P_MIDI, P_L, P_R, P_INSTRUMENT, P_TEMPERATURE, P_GAIN, P_FREEWHEEL, P_BUDGET };

// urid:map: a table filled in instantiate() (and by the forge, before any run).
static char uris[64][128];
static int n_uris;
static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri) {
    (void)h;
    for (int i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri)) return (LV2_URID)i + 1;
    if (n_uris == 64 || strlen(uri) >= 128) return 0;
    strcpy(uris[n_uris++], uri);
    return (LV2_URID)n_uris;
}

typedef struct {
    int64_t frame;
    uint8_t msg[3];
} midi_ev;

static LilvInstance *inst;
static LV2_Atom_Forge forge;
static LV2_URID midi_event;
static _Alignas(8) uint8_t seq[8192];
static float ctl[8], out_l[1000], out_r[1000];
static int64_t pos; // frames played so far by this test
static long runs_counted;

// Play `n` frames with the events (frames relative to now, in order) into L and R.
static void play(const midi_ev *ev, int n_ev, int n, float *L, float *R) {
    static const int sizes[] = {256, 1000, 37};
    int e = 0;
    for (int done = 0, k = 0; done < n; k++) {
        int b = sizes[k % 3] < n - done ? sizes[k % 3] : n - done;
        lv2_atom_forge_set_buffer(&forge, seq, sizeof seq);
        LV2_Atom_Forge_Frame fr;
        lv2_atom_forge_sequence_head(&forge, &fr, 0);
        for (; e < n_ev && ev[e].frame < done + b; e++) {
            lv2_atom_forge_frame_time(&forge, ev[e].frame - done);
            lv2_atom_forge_atom(&forge, 3, midi_event);
            lv2_atom_forge_write(&forge, ev[e].msg, 3);
        }
        lv2_atom_forge_pop(&forge, &fr);
        counting = 1;
        lilv_instance_run(inst, (uint32_t)b);
        counting = 0;
        runs_counted++;
        for (int i = 0; i < b; i++) {
            TEST_ASSERT(isfinite(out_l[i]) && isfinite(out_r[i]));
            if (L) L[done + i] = out_l[i];
            if (R) R[done + i] = out_r[i];
        }
        done += b;
    }
    pos += n;
}

static double rms(const float *x, int a, int b) {
    double s = 0;
    for (int i = a; i < b; i++) s += (double)x[i] * x[i];
    return sqrt(s / (b - a));
}

// Median f0 (YIN) over [a, b), voiced frames only; 0 if none.
static double pitch(const float *x, int a, int b) { return cn_test_median_f0(x, 1, RATE, a / RATE, b / RATE); }

// Magnitude at f (Goertzel, Hann window) over [a, b).
static double goertzel(const float *x, int a, int b, double f) {
    double w = 2 * M_PI * f / RATE, c = 2 * cos(w), s1 = 0, s2 = 0;
    int n = b - a;
    for (int i = 0; i < n; i++) {
        double h = 0.5 - 0.5 * cos(2 * M_PI * i / (n - 1));
        double s = h * x[a + i] + c * s1 - s2;
        s2 = s1, s1 = s;
    }
    return sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / n;
}

static midi_ev note(int64_t f, int on, int key, int vel) {
    return (midi_ev){f, {(uint8_t)(on ? 0x90 : 0x80), (uint8_t)key, (uint8_t)vel}};
}

static double cents(double f, double ref) { return 1200 * log2(f / ref); }

int main(void) {
    char bundle[4096];
    const char *env = getenv("CN_LV2I_BUNDLE"), *build = getenv("CN_BUILD_DIR");
    if (env && *env) snprintf(bundle, sizeof bundle, "%s/", env);
    else snprintf(bundle, sizeof bundle, "%s/lib/lv2/continuo.lv2/", build ? build : "..");
    char manifest[4200];
    snprintf(manifest, sizeof manifest, "%smanifest.ttl", bundle);
    FILE *mf = fopen(manifest, "r");
    if (!mf) {
        printf("skipped: no LV2 instrument bundle at %s\n", bundle);
        return 77;
    }
    fclose(mf);
    cn_alloc_count_setup();

    LilvWorld *world = lilv_world_new();
    LilvNode *bundle_uri = lilv_new_file_uri(world, NULL, bundle);
    lilv_world_load_bundle(world, bundle_uri);
    LilvNode *uri = lilv_new_uri(world, URI);
    const LilvPlugin *plug = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
    TEST_ASSERT_MSG(plug != NULL, "%s not found in %s", URI, bundle);
    TEST_ASSERT(lilv_plugin_get_num_ports(plug) == 8);
    LV2_URID_Map map = {NULL, map_uri};
    LV2_Feature map_f = {LV2_URID__map, &map};
    const LV2_Feature *features[] = {&map_f, NULL};
    inst = lilv_plugin_instantiate(plug, RATE, features);
    TEST_ASSERT_MSG(inst != NULL, "instantiate failed (presets not found next to %s?)", bundle);
    lv2_atom_forge_init(&forge, &map);
    midi_event = map_uri(NULL, LV2_MIDI__MidiEvent);
    lilv_instance_connect_port(inst, P_MIDI, seq);
    lilv_instance_connect_port(inst, P_L, out_l);
    lilv_instance_connect_port(inst, P_R, out_r);
    ctl[P_BUDGET] = 0.8f; // the port's default, as a host sets it
    for (int p = P_INSTRUMENT; p <= P_BUDGET; p++) lilv_instance_connect_port(inst, (uint32_t)p, &ctl[p]);
    lilv_instance_activate(inst);

    float *L = calloc(MAXN, sizeof *L), *R = calloc(MAXN, sizeof *R), *L2 = calloc(MAXN, sizeof *L2),
          *L3 = calloc(MAXN, sizeof *L3), *L4 = calloc(MAXN, sizeof *L4);
    TEST_ASSERT(L && R && L2 && L3 && L4);

    // Reference synth, sine: A4 from frame 1000 (inside the 5th block) to 0.8 s.
    ctl[P_INSTRUMENT] = 4;
    midi_ev a4[] = {note(1000, 1, 69, 100), note(38400, 0, 69, 0)};
    play(a4, 2, 48000, L, R);
    int first = -1;
    for (int i = 0; i < 48000 && first < 0; i++)
        if (L[i] != 0) first = i;
    TEST_ASSERT_MSG(first >= 1000 && first <= 1002, "the note starts at frame %d, not 1000", first);
    double f = pitch(L, 9600, 38400), level = rms(L, 9600, 38400);
    printf("reference sine A4: %.2f Hz (%+.1f cents), RMS %.4f, first sample at frame %d (event at 1000)\n", f,
           cents(f, 440), level, first);
    TEST_ASSERT(fabs(cents(f, 440)) < 5);
    TEST_ASSERT(level > 0.02 && level < 0.5);
    TEST_ASSERT(fabs(rms(R, 9600, 38400) / level - 1) < 0.01); // centre pan
    TEST_ASSERT_MSG(rms(L, 38400 + 4800, 48000) < 1e-5, "still sounding 0.1 s after the release");

    // The same note at -6.02 dB.
    ctl[P_GAIN] = -6.0206f;
    play(a4, 2, 48000, L2, NULL);
    ctl[P_GAIN] = 0;
    printf("gain -6.02 dB: RMS ratio %.4f\n", rms(L2, 9600, 38400) / level);
    TEST_ASSERT(fabs(rms(L2, 9600, 38400) / level - 0.5) < 0.005);

    // A C major chord: each fundamental stands 20 dB above the frequencies between them.
    // Its note-offs are note-ons of velocity 0, as many keyboards send them.
    midi_ev chord[] = {note(0, 1, 60, 100), note(0, 1, 64, 100), note(0, 1, 67, 100),
                       note(38400, 1, 60, 0), note(38400, 1, 64, 0), note(38400, 1, 67, 0)};
    play(chord, 6, 48000, L, NULL);
    const double fund[] = {261.63, 329.63, 392.00}, between[] = {295.0, 360.0, 430.0};
    for (int i = 0; i < 3; i++) {
        double on = goertzel(L, 4800, 38400, fund[i]), off = goertzel(L, 4800, 38400, between[i]);
        printf("chord: %.2f Hz %.1f dB above %.0f Hz\n", fund[i], 20 * log10(on / off), between[i]);
        TEST_ASSERT(on > 10 * off);
    }
    TEST_ASSERT(rms(L, 4800, 38400) > 1.5 * level); // three voices sound louder than one
    TEST_ASSERT(rms(L, 38400 + 4800, 48000) < 1e-5);

    // Pitch bend +8191 (the default range of 2 semitones) on channel 2: B4.
    midi_ev bent[] = {{0, {0xE1, 0x7F, 0x7F}}, {0, {0x91, 69, 100}}, {38400, {0x81, 69, 0}}, {40000, {0xE1, 0, 0x40}}};
    play(bent, 4, 48000, L, NULL);
    f = pitch(L, 9600, 38400);
    printf("bend +2 semitones: %.2f Hz (%+.1f cents from B4)\n", f, cents(f, 493.88));
    TEST_ASSERT(fabs(cents(f, 493.88)) < 5);

    // Sustain pedal: the note outlives its note-off until the pedal lifts.
    midi_ev pedal[] = {{0, {0xB0, 64, 127}}, note(0, 1, 69, 100), note(9600, 0, 69, 0), {38400, {0xB0, 64, 0}}};
    play(pedal, 4, 48000, L, NULL);
    TEST_ASSERT_MSG(rms(L, 24000, 38400) > 0.5 * level, "the pedal did not hold the note");
    TEST_ASSERT(rms(L, 38400 + 4800, 48000) < 1e-5);

    // The WaveNet instruments (freewheeling: no voice is dropped to keep up with real time,
    // as in a host's export), A4 for 1 s each; the onset delay is the resampling's.
    ctl[P_FREEWHEEL] = 1;
    static const struct {
        const char *name;
        int port;
    } wn[] = {{"flute 16k", 0}, {"violin 16k", 1}, {"trumpet 16k", 2}, {"clarinet", 8}, {"piano", 9},
              {"guitar", 10}, {"cello", 11}, {"horn", 12}, {"flute", 15}, {"violin", 16}, {"trumpet", 17}};
    for (int k = 0; k < (int)(sizeof wn / sizeof wn[0]); k++) {
        ctl[P_INSTRUMENT] = (float)wn[k].port;
        midi_ev n1[] = {note(0, 1, 69, 100), note(48000, 0, 69, 0)};
        play(n1, 2, 96000, L, NULL);
        int on = -1;
        for (int i = 0; i < 48000 && on < 0; i++)
            if (fabsf(L[i]) > 1e-3f) on = i;
        f = pitch(L, 9600, 43200);
        double lv = rms(L, 9600, 43200), tail = rms(L, 48000 + 24000, 96000);
        printf("wavenet %s A4: %.2f Hz (%+.1f cents), RMS %.4f, sound from frame %d (%.1f ms), RMS 0.5 s after "
               "the note-off %.5f\n", wn[k].name, f, cents(f, 440), lv, on, on * 1000 / RATE, tail);
        TEST_ASSERT_MSG(fabs(cents(f, 440)) < 50, "%s plays %.1f Hz for A4", wn[k].name, f);
        TEST_ASSERT(lv > 0.01 && lv < 1);
        TEST_ASSERT(on >= 0 && on < 2400);
        TEST_ASSERT(tail < 0.1 * lv);
        if (wn[k].port == 2) memcpy(L2, L, 96000 * sizeof *L); // the 16 kHz trumpet, for the GM programs below
        if (wn[k].port == 11) memcpy(L3, L, 96000 * sizeof *L); // the cello
        if (wn[k].port == 17) memcpy(L4, L, 96000 * sizeof *L); // the trumpet preset
    }
    // Instruments 3, 13 and 14: each channel's General MIDI program picks the WaveNet
    // instrument of the 16 kHz model, the 48 kHz one, or the GM presets' models (as render
    // does): Brass (program 56) on channel 6 plays a trumpet, the trumpet preset's (the
    // fine-tuned file's) with 14, sample for sample, the 48 kHz model's own with 13; Cello
    // (42) the cello preset's, the 48 kHz model's with both.
    const struct {
        int port, program;
        const float *want;
        const char *name;
        int same; // sample for sample as want, or not
    } gms[] = {{3, 56, L2, "16 kHz trumpet", 1}, {13, 42, L3, "cello preset", 1}, {13, 56, L4, "trumpet preset", 0},
               {14, 56, L4, "trumpet preset", 1}, {14, 42, L3, "cello preset", 1}};
    for (int k = 0; k < (int)(sizeof gms / sizeof gms[0]); k++) {
        ctl[P_INSTRUMENT] = (float)gms[k].port;
        midi_ev gm[] = {{0, {0xC5, (unsigned char)gms[k].program, 0}}, {0, {0x95, 69, 100}}, {48000, {0x85, 69, 0}}};
        play(gm, 3, 96000, L, NULL);
        double diff = 0;
        for (int i = 0; i < 96000; i++) diff = fmax(diff, fabs(L[i] - gms[k].want[i]));
        printf("instrument %d, GM program %d on channel 6: RMS %.4f, largest difference from the %s %.2g\n",
               gms[k].port, gms[k].program, rms(L, 9600, 43200), gms[k].name, diff);
        TEST_ASSERT(fabs(cents(pitch(L, 9600, 43200), 440)) < 50);
        TEST_ASSERT(gms[k].same ? diff == 0 : diff > 0);
    }
    // Channel controls follow a change of instrument: pan hard left on the synth, then the
    // flute plays on the left only.
    ctl[P_INSTRUMENT] = 4;
    midi_ev pan[] = {{0, {0xB0, 10, 0}}}, centre[] = {{0, {0xB0, 10, 64}}};
    play(pan, 1, 256, NULL, NULL);
    ctl[P_INSTRUMENT] = 0;
    midi_ev n2[] = {note(0, 1, 69, 100), note(40000, 0, 69, 0)};
    play(n2, 2, 48000, L, R);
    printf("pan 0 set before the switch to the flute: left RMS %.4f, right %.6f\n", rms(L, 9600, 38400),
           rms(R, 9600, 38400));
    TEST_ASSERT(rms(L, 9600, 38400) > 0.01 && rms(R, 9600, 38400) < 0.01 * rms(L, 9600, 38400));
    play(centre, 1, 256, NULL, NULL);

    // A WaveNet chord live (budget on): it sounds, louder than one note.
    ctl[P_FREEWHEEL] = 0;
    ctl[P_INSTRUMENT] = 0;
    play(chord, 6, 48000, L, NULL);
    double chord_rms = rms(L, 9600, 38400);
    printf("wavenet flute chord C4 E4 G4, live: RMS %.4f\n", chord_rms);
    TEST_ASSERT(chord_rms > 0.01);

    // The budget port: the 48 kHz violin's chord at a budget of 5% of real time (no machine
    // renders three such voices in that) loses voices; freewheeling it keeps all three.
    ctl[P_INSTRUMENT] = 16;
    ctl[P_FREEWHEEL] = 1;
    play(chord, 6, 48000, L2, NULL);
    ctl[P_FREEWHEEL] = 0;
    ctl[P_BUDGET] = 0.05f;
    play(chord, 6, 48000, L, NULL);
    ctl[P_BUDGET] = 0.8f;
    int lost = 0;
    for (int i = 0; i < 3; i++) {
        double live = goertzel(L, 24000, 38400, fund[i]), all = goertzel(L2, 24000, 38400, fund[i]);
        printf("violin chord at budget 0.05: %.2f Hz %+.1f dB against freewheeling\n", fund[i],
               20 * log10((live + 1e-12) / all));
        lost += live < 0.1 * all;
    }
    TEST_ASSERT_MSG(lost > 0, "a budget of 0.05 stole no voice of three 48 kHz violins");

    printf("%ld runs, %ld allocations, %ld frees in run()\n", runs_counted, n_allocs, n_frees);
    TEST_ASSERT(n_allocs == 0 && n_frees == 0);

    lilv_instance_deactivate(inst);
    lilv_instance_free(inst);
    lilv_node_free(uri);
    lilv_node_free(bundle_uri);
    lilv_world_free(world);
    free(L), free(R), free(L2), free(L3), free(L4);
    printf("test_lv2_instrument: ok\n");
    return 0;
}
#endif
