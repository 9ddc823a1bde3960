// wn_gm.c: General MIDI program -> WaveNet instrument (cn_wn_gm.h).
#include "models/wavenet/cn_wn_gm.h"

#define GM_CHOICES 6

typedef struct {
    const char *family;
    const char *prefer[GM_CHOICES]; // NULL-terminated when shorter
} gm_family;

// Closest by how the family sounds: bowed and plucked strings and keys to the violin
// (rich, harmonic), winds, organs and pure tones to the flute, brass, reeds and bright
// synth leads to the trumpet. Names of instruments not yet shipped come first, so a model
// that has them picks them up without a change here.
static const gm_family families[16] = {
    {"Piano", {"piano", "harp", "guitar", "violin", "flute", NULL}},
    {"Chromatic Percussion", {"harp", "piano", "flute", "violin", NULL}},
    {"Organ", {"organ", "clarinet", "flute", "violin", NULL}},
    {"Guitar", {"guitar", "harp", "piano", "violin", NULL}},
    {"Bass", {"contrabass", "cello", "bassoon", "violin", NULL}},
    {"Strings", {"violin", "cello", "flute", NULL}},
    {"Ensemble", {"violin", "cello", "flute", NULL}},
    {"Brass", {"trumpet", "horn", "clarinet", "violin", NULL}},
    {"Reed", {"clarinet", "oboe", "bassoon", "trumpet", "flute", NULL}},
    {"Pipe", {"flute", "clarinet", "violin", NULL}},
    {"Synth Lead", {"trumpet", "violin", "flute", NULL}},
    {"Synth Pad", {"violin", "flute", NULL}},
    {"Synth Effects", {"flute", "violin", NULL}},
    {"Ethnic", {"violin", "guitar", "harp", "flute", NULL}},
    {"Percussive", {"piano", "harp", "flute", NULL}},
    {"Sound Effects", {"flute", "violin", NULL}},
};

// Programs whose own instrument (or the closest in range) a model may have, asked for
// before the family's list: a cello part should not play on the violin of its family.
typedef struct {
    int program;
    const char *prefer[3]; // NULL-terminated when shorter
} gm_exact;

static const gm_exact exact[] = {
    {41, {"viola", "violin", NULL}},     {42, {"cello", NULL}},    {43, {"contrabass", "cello", NULL}},
    {46, {"harp", NULL}},                {57, {"trombone", "horn", NULL}}, {58, {"tuba", "horn", NULL}},
    {60, {"horn", NULL}},                {68, {"oboe", NULL}},     {70, {"bassoon", "cello", NULL}},
    {71, {"clarinet", NULL}},            {73, {"flute", NULL}},
};

static int clamp_program(int p) { return p < 0 ? 0 : p > 127 ? 127 : p; }

// The first of names[0..n) (NULL ends it early) that a model has: its model index, or -1.
static int first_found(const cn_wn_config *const *models, int n, const char *const *names, int n_names, int *inst) {
    for (int i = 0; i < n_names && names[i]; i++)
        for (int m = 0; m < n; m++) {
            int idx = cn_wn_instrument_index(models[m], names[i]);
            if (idx >= 0) {
                *inst = idx;
                return m;
            }
        }
    return -1;
}

int cn_wn_gm_choose(const cn_wn_config *const *models, int n, int program, int *inst) {
    program = clamp_program(program);
    for (size_t e = 0; e < sizeof exact / sizeof *exact; e++) {
        if (exact[e].program != program) continue;
        int m = first_found(models, n, exact[e].prefer, 3, inst);
        if (m >= 0) return m;
    }
    const gm_family *f = &families[program / 8];
    int m = first_found(models, n, f->prefer, GM_CHOICES, inst);
    if (m >= 0) return m;
    *inst = 0;
    return 0;
}

int cn_wn_gm_instrument(const cn_wn_config *c, int program) {
    int inst;
    cn_wn_gm_choose(&c, 1, program, &inst);
    return inst;
}

const char *cn_wn_gm_family(int program) { return families[clamp_program(program) / 8].family; }
