// test_transformer_tokenizer: what the melody transformer is conditioned on: keys from
// key signatures, styles from corpus folder names, meters, length buckets; the
// transposition augmentation; and loading a corpus folder (real Nottingham files)
// into a tune set, with an unreadable folder refused; the corpus loader and the primer's
// folder listing take the same files (".MID" in any case, no dot files).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cn_test.h"
#include "models/melody/cn_primer.h"
#include "models/melody/cn_tokenizer.h"

static void copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    TEST_ASSERT(in && out);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;) TEST_ASSERT(fwrite(buf, 1, n, out) == n);
    fclose(in);
    TEST_ASSERT(!fclose(out));
}

// A folder as users hand it over: upper-case names, macOS's "._" twins (not MIDI at all),
// other files. Both listings take the one tune.
static void test_folder_names(void) {
    char dir[] = "/tmp/cn_tok_XXXXXX", path[3][512];
    TEST_ASSERT(mkdtemp(dir));
    snprintf(path[0], sizeof path[0], "%s/Tune.MID", dir);
    snprintf(path[1], sizeof path[1], "%s/._Tune.MID", dir);
    snprintf(path[2], sizeof path[2], "%s/notes.txt", dir);
    copy_file(CN_SRC("data/melody/nottingham/valid/ashover34.mid"), path[0]);
    for (int i = 1; i < 3; i++) {
        FILE *f = fopen(path[i], "wb");
        TEST_ASSERT(f && fputs("not a MIDI file", f) >= 0 && !fclose(f));
    }
    cn_tune_set set = {0};
    TEST_OK(cn_tune_set_add_dir(&set, dir));
    TEST_ASSERT(set.n == 1 && set.t[0].ev.n > 0);
    cn_tune_set_free(&set);
    const char *paths[] = {dir};
    char **files = NULL;
    int n = 0;
    TEST_OK(cn_midi_paths(paths, 1, &files, &n));
    TEST_ASSERT(n == 1 && !strcmp(files[0], path[0]));
    cn_midi_paths_free(files, n);
    for (int i = 0; i < 3; i++) unlink(path[i]);
    rmdir(dir);
}

int main(void) {
    TEST_ASSERT(cn_tok_key(0, 0) == 0);        // C major
    TEST_ASSERT(cn_tok_key(1, 0) == 7);        // G major
    TEST_ASSERT(cn_tok_key(2, 0) == 2);        // D major
    TEST_ASSERT(cn_tok_key(-1, 0) == 5);       // F major
    TEST_ASSERT(cn_tok_key(-3, 0) == 3);       // Eb major
    TEST_ASSERT(cn_tok_key(0, 1) == 9 + 12);   // A minor
    TEST_ASSERT(cn_tok_key(1, 1) == 4 + 12);   // E minor
    TEST_ASSERT(cn_tok_key(-1, 1) == 2 + 12);  // D minor
    TEST_ASSERT(cn_tok_key(7, 0) == 1);        // C# major

    int notts = cn_style_index("nottingham"), other = cn_style_index("other");
    TEST_ASSERT(cn_tok_style_of_dir("data/melody/nottingham/train") == notts);
    TEST_ASSERT(cn_tok_style_of_dir("data/melody/nottingham/valid/") == notts);
    TEST_ASSERT(cn_tok_style_of_dir("/x/oneills") == cn_style_index("oneills"));
    TEST_ASSERT(cn_tok_style_of_dir("ryans") == cn_style_index("ryans"));
    TEST_ASSERT(cn_tok_style_of_dir("/home/me/my_tunes") == other);
    TEST_ASSERT(cn_tok_style_of_dir("train") == other);

    cn_melody m;
    cn_melody_init(&m);
    m.has_key = 1, m.key_sharps = 2, m.key_minor = 1; // B minor
    m.meter_num = 6, m.meter_den = 8;
    cn_melody_cond c = cn_tok_cond(&m, notts, 70);
    TEST_ASSERT(c.key == 11 + 12 && c.meter == cn_meter_index(6, 8) && c.style == notts && c.length == 2);
    m.meter_num = 5, m.meter_den = 4;
    c = cn_tok_cond(&m, notts, 10);
    TEST_ASSERT(!strcmp(cn_meter_names[c.meter], "other") && c.length == 0);
    m.has_key = 0, m.meter_num = 0, m.meter_den = 0;
    c = cn_tok_cond(&m, -1, 10);
    TEST_ASSERT(c.key == -1 && c.meter == -1 && c.style == -1);

    // Transposition shifts pitches and the key, refuses to leave the MIDI range.
    cn_mevent ev[3] = {{60, 12, 0}, {64, 6, 6}, {120, 3, 0}};
    cn_melody_cond k = {11 + 12, 0, 0, 0};
    TEST_ASSERT(cn_tok_transpose(ev, 3, &k, 5) == 1);
    TEST_ASSERT(ev[0].pitch == 65 && ev[2].pitch == 125 && k.key == 4 + 12);
    TEST_ASSERT(cn_tok_transpose(ev, 3, &k, 5) == 0 && ev[2].pitch == 125 && k.key == 4 + 12);
    TEST_ASSERT(cn_tok_transpose(ev, 3, &k, -5) == 1 && k.key == 11 + 12);
    k.key = -1;
    TEST_ASSERT(cn_tok_transpose(ev, 3, &k, 2) == 1 && k.key == -1);

    // A real corpus folder.
    cn_tune_set set = {0};
    TEST_OK(cn_tune_set_add_dir(&set, CN_SRC("data/melody/nottingham/valid")));
    printf("nottingham/valid: %d tunes, %ld events, %d clamped, %d skipped\n", set.n, set.events,
           set.clamped, set.skipped);
    TEST_ASSERT(set.n >= 100 && set.events > 15000);
    int keyed = 0;
    for (int i = 0; i < set.n; i++) {
        TEST_ASSERT(set.t[i].cond.style == notts && set.t[i].ev.n > 0);
        keyed += set.t[i].cond.key >= 0 && set.t[i].cond.meter >= 0;
        for (int j = 0; j < set.t[i].ev.n; j++) {
            const cn_mevent *e = &set.t[i].ev.ev[j];
            TEST_ASSERT(e->dur >= 1 && e->dur <= CN_EV_MAX_DUR && e->rest >= 0 && e->rest <= CN_EV_MAX_REST);
        }
    }
    TEST_ASSERT(keyed == set.n); // every Nottingham file has key and time signatures
    cn_tune_set_free(&set);
    TEST_ASSERT(cn_tune_set_add_dir(&set, "no/such/folder") == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "no/such/folder"));
    TEST_ASSERT(cn_tune_set_add_dir(&set, CN_SRC("docs")) == CN_ERR_FORMAT); // no .mid files
    cn_tune_set_free(&set);
    test_folder_names();
    printf("test_transformer_tokenizer: ok\n");
    return 0;
}
