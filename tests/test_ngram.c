// LABELS: unit
// test_ngram: the adaptive n-gram (cn_ngram.h): every factor is a distribution, the
// short-term model learns a repeated phrase, reset forgets, clones are independent,
// the long-term model prefers what it was trained on, and bad events are refused.
#include <string.h>
#include <unistd.h>

#include "models/melody/cn_ngram.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_sample.h"
#include "cn_test.h"

// A phrase of 8 notes in G major with a varied rhythm.
static const cn_mevent phrase[8] = {{67, 12, 0}, {71, 6, 0}, {74, 6, 0}, {72, 12, 6},
                                    {71, 6, 0},  {69, 12, 0}, {66, 18, 6}, {67, 24, 0}};

static const cn_melody_cond unknown = {-1, -1, -1, -1};

static cn_event_seq seq_of(cn_mevent *ev, int n) { return (cn_event_seq){ev, n, 0}; }

static void check_sums(cn_event_model *m, int pitch, int dur) {
    float p[CN_EV_NPITCH], d[CN_EV_NDUR], r[CN_EV_NREST];
    double sp = 0, sd = 0, sr = 0;
    m->pitch_probs(m->self, p);
    m->dur_probs(m->self, pitch, d);
    m->rest_probs(m->self, pitch, dur, r);
    for (int i = 0; i < CN_EV_NPITCH; i++) {
        TEST_ASSERT(p[i] > 0);
        sp += p[i];
    }
    for (int i = 0; i < CN_EV_NDUR; i++) {
        TEST_ASSERT(d[i] > 0);
        sd += d[i];
    }
    for (int i = 0; i < CN_EV_NREST; i++) {
        TEST_ASSERT(r[i] > 0);
        sr += r[i];
    }
    TEST_NEAR(sp, 1.0, 1e-4);
    TEST_NEAR(sd, 1.0, 1e-4);
    TEST_NEAR(sr, 1.0, 1e-4);
}

static double phrase_bits(cn_event_model *m, int from, int to, const cn_mevent *ev) {
    double b = 0;
    for (int i = from; i < to; i++) {
        b -= cn_event_model_log2p(m, &ev[i]);
        TEST_OK(m->observe(m->self, &ev[i]));
    }
    return b;
}

int main(void) {
    // Long-term model from a few real tunes.
    const char *train[] = {CN_SRC("data/melody/nottingham/train/ashover1.mid"),
                           CN_SRC("data/melody/nottingham/train/ashover10.mid"),
                           CN_SRC("data/melody/nottingham/train/jigs1.mid")};
    cn_ngram_ltm *ltm;
    TEST_OK(cn_ngram_ltm_train(6, train, 3, &ltm));
    TEST_ASSERT(cn_ngram_ltm_tunes(ltm) == 3);

    for (int mode = 1; mode <= 3; mode++) { // LTM, STM, both
        cn_ngram_config cfg = cn_ngram_config_default();
        cfg.order = cfg.ltm_order = 6;
        cfg.use_ltm = mode & 1;
        cfg.use_stm = mode >> 1;
        for (int geo = 0; geo <= 1; geo++) {
            cfg.geometric = geo;
            cn_event_model *m;
            TEST_OK(cn_ngram_create(&cfg, ltm, NULL, &m));
            TEST_OK(m->reset(m->self, &unknown));
            check_sums(m, 60, 12); // empty context
            for (int i = 0; i < 8; i++) {
                check_sums(m, phrase[i].pitch, phrase[i].dur);
                check_sums(m, 127, 96); // values never seen
                TEST_OK(m->observe(m->self, &phrase[i]));
            }
            m->destroy(m->self);
        }
    }

    // The STM learns the phrase: its repeat costs far less than its first hearing.
    cn_ngram_config cfg = cn_ngram_config_default();
    cfg.order = cfg.ltm_order = 6;
    cn_mevent twice[16];
    memcpy(twice, phrase, sizeof phrase);
    memcpy(twice + 8, phrase, sizeof phrase);
    for (int use_ltm = 0; use_ltm <= 1; use_ltm++) {
        cfg.use_ltm = use_ltm;
        cn_event_model *m;
        TEST_OK(cn_ngram_create(&cfg, ltm, NULL, &m));
        TEST_OK(m->reset(m->self, &unknown));
        double first = phrase_bits(m, 0, 8, twice), second = phrase_bits(m, 8, 16, twice);
        printf("ltm %d: phrase %.2f bits, repeat %.2f bits\n", use_ltm, first, second);
        TEST_ASSERT(second < 0.5 * first);
        // reset forgets the tune: scoring it again gives the same bits
        cn_event_seq s = seq_of(twice, 16);
        double b1, b2;
        TEST_OK(cn_event_model_score(m, NULL, &s, &b1));
        TEST_OK(cn_event_model_score(m, NULL, &s, &b2));
        TEST_NEAR(b1, first + second, 1e-3);
        TEST_NEAR(b1, b2, 1e-9);

        // a clone predicts like the original and does not disturb it when fed
        TEST_OK(m->reset(m->self, &unknown));
        phrase_bits(m, 0, 5, phrase);
        void *c = m->clone(m->self);
        TEST_ASSERT(c != NULL);
        float p1[CN_EV_NPITCH], p2[CN_EV_NPITCH];
        m->pitch_probs(m->self, p1);
        m->pitch_probs(c, p2);
        TEST_ASSERT(!memcmp(p1, p2, sizeof p1));
        for (int i = 0; i < 8; i++) TEST_OK(m->observe(c, &phrase[i]));
        m->pitch_probs(m->self, p2);
        TEST_ASSERT(!memcmp(p1, p2, sizeof p1));
        m->free_clone(c);

        TEST_ASSERT(m->observe(m->self, &(cn_mevent){128, 12, 0}) == CN_ERR_RANGE);
        TEST_ASSERT(m->observe(m->self, &(cn_mevent){60, 0, 0}) == CN_ERR_RANGE);
        TEST_ASSERT(m->observe(m->self, &(cn_mevent){60, 12, CN_EV_MAX_REST + 1}) == CN_ERR_RANGE);
        m->destroy(m->self);
    }

    // The LTM alone prefers a training tune to a tune it never saw.
    cfg.use_ltm = 1;
    cfg.use_stm = 0;
    cn_event_model *m;
    TEST_OK(cn_ngram_create(&cfg, ltm, NULL, &m));
    cn_event_seq seen, unseen;
    TEST_OK(cn_events_load_midi(train[0], &seen, NULL));
    TEST_OK(cn_events_load_midi(CN_SRC("data/melody/nottingham/valid/ashover34.mid"), &unseen, NULL));
    double bs, bu;
    TEST_OK(cn_event_model_score(m, NULL, &seen, &bs));
    TEST_OK(cn_event_model_score(m, NULL, &unseen, &bu));
    printf("LTM: seen tune %.3f bits/note, unseen %.3f\n", bs / seen.n, bu / unseen.n);
    TEST_ASSERT(bs / seen.n < 0.5 * bu / unseen.n);
    m->destroy(m->self);

    // Saved and loaded, the LTM scores bit for bit the same; every truncation and a
    // flipped header byte are refused with an error, never a crash.
    char dir[] = "/tmp/cn_ltm_XXXXXX", path[256], bad[256];
    TEST_ASSERT(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.ltm", dir);
    snprintf(bad, sizeof bad, "%s/bad.ltm", dir);
    TEST_OK(cn_ngram_ltm_save(ltm, path));
    cn_ngram_ltm *loaded;
    TEST_OK(cn_ngram_ltm_load(path, &loaded));
    TEST_ASSERT(cn_ngram_ltm_order(loaded) == 6 && cn_ngram_ltm_tunes(loaded) == 3);
    TEST_OK(cn_ngram_create(&cfg, loaded, NULL, &m));
    double bl;
    TEST_OK(cn_event_model_score(m, NULL, &unseen, &bl));
    TEST_ASSERT(bl == bu);
    m->destroy(m->self);
    cn_ngram_ltm_destroy(loaded);
    FILE *f = fopen(path, "rb");
    TEST_ASSERT(f);
    static unsigned char bytes[1 << 22];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    TEST_ASSERT(n > 40 && n < sizeof bytes);
    for (size_t cut = 0; cut < n; cut += cut < 64 ? 1 : 997) {
        f = fopen(bad, "wb");
        fwrite(bytes, 1, cut, f);
        fclose(f);
        TEST_ASSERT(cn_ngram_ltm_load(bad, &loaded) != CN_OK && !loaded);
    }
    for (size_t at = 0; at < 44; at++) { // magic, version and sizes
        bytes[at] ^= 0x40;
        f = fopen(bad, "wb");
        fwrite(bytes, 1, n, f);
        fclose(f);
        cn_status st = cn_ngram_ltm_load(bad, &loaded);
        if (at >= 12 && at < 20) { // order/tunes may stay valid; must load then
            if (!st) cn_ngram_ltm_destroy(loaded);
        } else {
            TEST_ASSERT(st != CN_OK);
        }
        bytes[at] ^= 0x40;
    }
    TEST_ASSERT(cn_ngram_ltm_load(dir, &loaded) != CN_OK); // a folder
    unlink(path);
    unlink(bad);
    rmdir(dir);
    cn_events_free(&seen);
    cn_events_free(&unseen);

    // Configuration errors.
    cfg = cn_ngram_config_default();
    TEST_ASSERT(cn_ngram_create(&cfg, NULL, NULL, &m) == CN_ERR_ARG); // LTM asked, none given
    cfg.ltm_order = 7;
    TEST_ASSERT(cn_ngram_create(&cfg, ltm, NULL, &m) == CN_ERR_RANGE); // above the LTM's order
    cfg.use_ltm = cfg.use_stm = 0;
    TEST_ASSERT(cn_ngram_create(&cfg, NULL, NULL, &m) == CN_ERR_ARG);
    cn_ngram_ltm_destroy(ltm);
    printf("test_ngram: ok\n");
    return 0;
}
