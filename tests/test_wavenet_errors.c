// LABELS: unit
// test_wavenet_errors: WaveNet checkpoints and the plugin fail cleanly: a round trip keeps
// every weight; a truncated file, a corrupt header, a NaN weight, a wrong format and a
// wrong shape or an unknown output head are errors that name the file (the Gaussian
// head's round trip too); an unknown instrument or preset is an error
// listing what exists; training audio at another sample rate is refused with a hint. The
// plugin renders finite audio at the model's rate and, resampled, at 48 kHz.
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/nn/cn_safetensors.h"
#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "cn_test_process.h"
#include "models/wavenet/cn_wavenet_plugin.h"
#include "models/wavenet/cn_wn_data.h"
#include "models/wavenet/cn_wn_io.h"

static char dir[] = "/tmp/cn_wn_errXXXXXX";

static void path(char *buf, const char *name) { snprintf(buf, 512, "%s/%s", dir, name); }

static unsigned char *slurp(const char *p, long *n) {
    FILE *f = fopen(p, "rb");
    TEST_ASSERT(f);
    fseek(f, 0, SEEK_END);
    *n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)*n);
    TEST_ASSERT(fread(b, 1, (size_t)*n, f) == (size_t)*n);
    fclose(f);
    return b;
}

static void spit(const char *p, const unsigned char *b, long n) {
    FILE *f = fopen(p, "wb");
    TEST_ASSERT(f && fwrite(b, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
}

static cn_wn_model *small_model(int res) {
    cn_wn_config cfg;
    cn_wn_config_default(&cfg);
    cfg.n_layers = 4;
    cfg.cycle = 4;
    cfg.res = res;
    cfg.gate = 4;
    cfg.skip = 8;
    cfg.n_instruments = 2;
    strcpy(cfg.instruments[0], "flute");
    strcpy(cfg.instruments[1], "violin");
    cn_wn_model *m;
    TEST_OK(cn_wn_create(&cfg, &m));
    cn_wn_init_weights(m, 3);
    return m;
}

static void test_checkpoints(void) {
    char good[512], p[512];
    path(good, "good.safetensors");
    cn_wn_model *m = small_model(4), *l;
    TEST_OK(cn_wn_save(m, good, NULL, NULL, 0, "test"));
    TEST_OK(cn_wn_load(good, &l, NULL, NULL, NULL));
    TEST_ASSERT(l->n_params == m->n_params && !memcmp(l->mem, m->mem, m->n_params * sizeof(float)));
    TEST_ASSERT(cn_wn_instrument_index(&l->cfg, "violin") == 1);
    TEST_ASSERT(l->cfg.out == CN_WN_OUT_MULAW);
    cn_wn_destroy(l);
    { // the Gaussian head round trip: its output row count and the head come back
        cn_wn_config gc = m->cfg;
        gc.out = CN_WN_OUT_GAUSS;
        cn_wn_model *g;
        TEST_OK(cn_wn_create(&gc, &g));
        cn_wn_init_weights(g, 4);
        path(p, "gauss.safetensors");
        TEST_OK(cn_wn_save(g, p, NULL, NULL, 0, "test"));
        TEST_OK(cn_wn_load(p, &l, NULL, NULL, NULL));
        TEST_ASSERT(l->cfg.out == CN_WN_OUT_GAUSS && l->n_params == g->n_params && l->n_params < m->n_params);
        TEST_ASSERT(!memcmp(l->mem, g->mem, g->n_params * sizeof(float)));
        cn_wn_destroy(l);
        cn_wn_destroy(g);
    }
    long n;
    unsigned char *b = slurp(good, &n);
    path(p, "truncated.safetensors");
    spit(p, b, n - 100);
    cn_test_wn_refused(p, 0, "truncated.safetensors");
    path(p, "header.safetensors");
    b[20] ^= 0x5A; // inside the JSON header
    spit(p, b, n);
    b[20] ^= 0x5A;
    cn_test_wn_refused(p, 0, "header.safetensors");
    path(p, "nan.safetensors");
    unsigned char nan[4] = {0x00, 0x00, 0xC0, 0x7F};
    memcpy(b + n - 4, nan, 4); // last float of the last tensor
    spit(p, b, n);
    cn_test_wn_refused(p, CN_ERR_FORMAT, "non-finite");
    free(b);
    // wrong format / wrong shape: tensors of a res-4 model under other metadata
    cn_wn_model *big = small_model(6);
    for (int variant = 0; variant < 4; variant++) {
        cn_st_writer *w;
        TEST_OK(cn_st_writer_create(&w));
        TEST_OK(cn_st_writer_meta(w, "format", variant ? CN_WN_FORMAT : "continuo-melody"));
        TEST_OK(cn_st_writer_meta_int(w, "version", CN_WN_VERSION));
        const char *keys[] = {"n_layers", "cycle", "res", "gate", "skip", "emb", "sample_rate"};
        const int vals[] = {variant == 2 ? 0 : big->cfg.n_layers, big->cfg.cycle, big->cfg.res, big->cfg.gate,
                            big->cfg.skip, big->cfg.emb, big->cfg.sample_rate};
        for (int i = 0; i < 7; i++) TEST_OK(cn_st_writer_meta_int(w, keys[i], vals[i]));
        TEST_OK(cn_st_writer_meta(w, "instruments", "flute,violin"));
        if (variant == 3) TEST_OK(cn_st_writer_meta(w, "output", "logistic"));
        size_t sizes[CN_WN_NPARAM], off = 0;
        cn_wn_param_sizes(&m->cfg, sizes);
        for (int i = 0; i < CN_WN_NPARAM; i++) {
            int shape[3], nd = cn_wn_param_shape(&m->cfg, i, shape);
            TEST_OK(cn_st_writer_add(w, cn_wn_param_name(i), m->mem + off, nd, shape));
            off += sizes[i];
        }
        path(p, variant == 3   ? "head.safetensors"
                : variant == 2 ? "layers0.safetensors"
                : variant      ? "shape.safetensors"
                               : "format.safetensors");
        TEST_OK(cn_st_write(w, p));
        cn_st_writer_destroy(w);
        if (variant == 3) cn_test_wn_refused(p, CN_ERR_FORMAT, "unknown output head \"logistic\"");
        else if (variant == 2) { // the path once, then the reason (cn_fail_prefix)
            cn_test_wn_refused(p, CN_ERR_RANGE, "layers0.safetensors: wavenet: 0 layers (1..");
            TEST_ASSERT(strstr(strstr(cn_error_message(), "layers0") + 1, "layers0.safetensors") == NULL);
        } else if (variant) cn_test_wn_refused(p, 0, "in.w");
        else cn_test_wn_refused(p, CN_ERR_VERSION, "format.safetensors");
    }
    cn_wn_destroy(big);
    cn_wn_destroy(m);
}

static void test_plugin(void) {
    const cn_plugin_desc *d = &cn_wavenet_plugin;
    char good[512], args[1024], preset[512];
    path(good, "good.safetensors");
    void *self = NULL;
    snprintf(args, sizeof args, "model=%s,instrument=oboe", good);
    TEST_ASSERT(d->create(args, &self) == CN_ERR_ARG && !self);
    printf("  unknown instrument -> %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "oboe") && strstr(cn_error_message(), "flute, violin"));
    setenv("CONTINUO_PRESETS", dir, 1);
    TEST_ASSERT(d->create("instrument=tuba", &self) != CN_OK && !self);
    printf("  no preset -> %s\n", cn_error_message());
    // names the instruments that exist (the shipped ones here), not the paths searched
    TEST_ASSERT(strstr(cn_error_message(), "'tuba'") && strstr(cn_error_message(), "instruments: ") &&
                strstr(cn_error_message(), "violin") && !strstr(cn_error_message(), "/"));
    TEST_ASSERT(d->create("colour=blue", &self) == CN_ERR_ARG);
    TEST_ASSERT(d->create("programs=yes", &self) == CN_ERR_ARG && !self);
    TEST_ASSERT(strstr(cn_error_message(), "programs 'yes' is not 0 or 1"));
    // A preset's values are checked against the plugin's parameter ranges.
    char loud[512];
    path(loud, "wavenet-loud.json");
    FILE *lf = fopen(loud, "w");
    TEST_ASSERT(lf);
    fprintf(lf, "{\"model\": \"good.safetensors\", \"instrument\": \"violin\", \"temperature\": 5}\n");
    fclose(lf);
    TEST_ASSERT(d->create("instrument=loud", &self) == CN_ERR_RANGE && !self);
    printf("  temperature 5 -> %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "temperature 5 is outside [0, 2]"));
    remove(loud);
    // a preset naming the model; rendering at the model rate and at 48 kHz
    path(preset, "wavenet-violin.json");
    FILE *f = fopen(preset, "w");
    TEST_ASSERT(f);
    fprintf(f, "{\"model\": \"good.safetensors\", \"instrument\": \"violin\", \"temperature\": 0.5}\n");
    fclose(f);
    const double rates[] = {16000, 48000};
    for (int r = 0; r < 2; r++) {
        TEST_OK(d->create("instrument=violin,seed=3", &self));
        TEST_OK(d->prepare(self, rates[r], 300));
        float out[300];
        cn_note_event on = CN_NOTE(0, CN_EV_NOTE_ON, 64, 100);
        d->note_event(self, &on);
        double energy = 0.0;
        for (int blk = 0; blk < 20; blk++) {
            cn_test_process(d, self, blk * 300, NULL, out, 300);
            for (int i = 0; i < 300; i++) {
                TEST_ASSERT(isfinite(out[i]));
                energy += out[i] * out[i];
            }
        }
        TEST_ASSERT(energy > 0.0); // the resampler's delay is far below 6000 frames
        d->destroy(self);
    }
    unsetenv("CONTINUO_PRESETS");
}

static void test_rate_mismatch(void) {
    char sub[512], wav[512], mid[512];
    path(sub, "flute");
    TEST_ASSERT(mkdir(sub, 0700) == 0);
    path(wav, "flute/tune.wav");
    path(mid, "flute/tune.mid");
    SF_INFO info = {.samplerate = 44100, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(wav, SFM_WRITE, &info);
    TEST_ASSERT(sf);
    float x[441] = {0};
    sf_writef_float(sf, x, 441);
    sf_close(sf);
    cn_midi_note note = {0, 480, 0.0, 0.5, 60, 90, 0, 0};
    cn_midi m = {.format = 0, .n_tracks = 1, .ppq = 480, .notes = &note, .n_notes = 1};
    TEST_OK(cn_wn_write_program_midi(&m, 73, 0, mid));
    cn_wn_dataset ds = {.sample_rate = 16000};
    char names[4][32];
    int n_names = 0;
    cn_status st = cn_wn_dataset_add_dir(&ds, sub, NULL, 0, names, &n_names, 4);
    printf("  44.1 kHz training audio -> %s\n", cn_error_message());
    TEST_ASSERT(st == CN_ERR_FORMAT && strstr(cn_error_message(), "16000 Hz"));
    cn_wn_dataset_free(&ds);
    remove(wav);
    remove(mid);
    rmdir(sub);
}

int main(void) {
    TEST_ASSERT(mkdtemp(dir));
    test_checkpoints();
    test_plugin();
    test_rate_mismatch();
    const char *files[] = {"good", "truncated", "header", "nan", "format", "shape", "layers0", "head", "gauss"};
    char p[512], q[64];
    for (int i = 0; i < (int)(sizeof files / sizeof *files); i++) {
        snprintf(q, sizeof q, "%s.safetensors", files[i]);
        path(p, q);
        remove(p);
    }
    path(p, "wavenet-violin.json");
    remove(p);
    TEST_ASSERT(rmdir(dir) == 0);
    return 0;
}
