// LABELS: unit
// test_midi_roundtrip: reading real and hand-built MIDI files, melody extraction, and
// write -> read round trips. Every file of data/melody/nottingham/test, plus every
// 40th file of oneills/ and ryans/ (format 0, 480 ppq, 1-tick offsets, triplets):
//   read -> melody -> write to memory -> read -> melody gives the same notes
//   (pitch, duration, velocity), meter, key and tempo; the melody has the file's note
//   count minus the notes that share a quantized onset with another (double stops:
//   only the highest is kept); its length is the file's last note-off quantized; and
//   almost every onset/offset lies within 2 file ticks of the 12-per-beat grid (the
//   exceptions, counted and bounded at 0.5%, are 32nd notes, which the grid rounds).
// Hand-built files check running status, FIFO same-pitch overlaps, velocity-0
// note-offs, unterminated notes, sysex, text, unknown chunks, tempo maps, triplets.
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"
#include "cn_test.h"

static int64_t grid(int64_t tick, int ppq) { // nearest 1/12 beat, as the extractor does
    return (tick * 24 + ppq) / (2 * (int64_t)ppq);
}

typedef struct totals {
    int files, notes, merged, off_grid;
} totals;

static void check_same_melody(const cn_melody *a, const cn_melody *b, const char *path) {
    TEST_ASSERT_MSG(a->n == b->n, "%s: %d events, %d after round trip", path, a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        TEST_ASSERT_MSG(a->notes[i].pitch == b->notes[i].pitch && a->notes[i].dur == b->notes[i].dur &&
                            a->notes[i].velocity == b->notes[i].velocity,
                        "%s: event %d differs: (%d,%d,%d) vs (%d,%d,%d)", path, i, a->notes[i].pitch,
                        a->notes[i].dur, a->notes[i].velocity, b->notes[i].pitch, b->notes[i].dur,
                        b->notes[i].velocity);
    }
    TEST_ASSERT_MSG(a->meter_num == b->meter_num && a->meter_den == b->meter_den, "%s: meter", path);
    TEST_ASSERT_MSG(a->has_key == b->has_key && a->key_sharps == b->key_sharps && a->key_minor == b->key_minor,
                    "%s: key", path);
    TEST_NEAR(a->bpm, b->bpm, 1e-3);
}

static void check_file(const char *path, int expect_format, int expect_ppq, totals *tot) {
    cn_midi *m;
    TEST_OK(cn_midi_read_file(path, &m));
    TEST_ASSERT_MSG(m->format == expect_format && m->ppq == expect_ppq, "%s: format %d ppq %d", path, m->format,
                    m->ppq);
    TEST_ASSERT_MSG(m->n_notes > 0 && m->text != NULL, "%s", path);
    cn_melody mel;
    TEST_OK(cn_melody_from_midi(m, -1, &mel));

    // Independent counts from the raw notes (all files hold one melody track).
    int merged = 0, off_grid = 0;
    int64_t last_off = 0;
    for (int i = 0; i < m->n_notes; i++) {
        const cn_midi_note *n = &m->notes[i];
        TEST_ASSERT(n->off_tick >= n->on_tick && n->on_s <= n->off_s);
        if (i > 0 && grid(n->on_tick, m->ppq) == grid(m->notes[i - 1].on_tick, m->ppq)) merged++;
        if (n->off_tick > last_off) last_off = n->off_tick;
        int64_t t[2] = {n->on_tick, n->off_tick};
        for (int k = 0; k < 2; k++) {
            int64_t err = grid(t[k], m->ppq) * m->ppq / 12 - t[k];
            off_grid += err > 2 || err < -2;
        }
    }
    TEST_ASSERT_MSG(cn_melody_note_count(&mel) == m->n_notes - merged, "%s: %d melody notes, %d file notes, %d merged",
                    path, cn_melody_note_count(&mel), m->n_notes, merged);
    TEST_ASSERT_MSG(cn_melody_length_ticks(&mel) == grid(last_off, m->ppq), "%s: length %lld vs last note-off %lld",
                    path, (long long)cn_melody_length_ticks(&mel), (long long)grid(last_off, m->ppq));
    TEST_NEAR(cn_midi_duration_seconds(m), cn_midi_tick_to_seconds(m, last_off), 1e-9);
    for (int i = 1; i < mel.n; i++) TEST_ASSERT(!(mel.notes[i].pitch == CN_REST && mel.notes[i - 1].pitch == CN_REST));
    TEST_ASSERT(m->n_timesigs > 0 && mel.meter_num == m->timesigs[0].num && mel.meter_den == m->timesigs[0].den);
    TEST_ASSERT(m->n_keysigs > 0 && mel.has_key && mel.key_sharps == m->keysigs[0].sharps);

    uint8_t *data;
    size_t size;
    TEST_OK(cn_melody_to_midi_mem(&mel, "round trip", &data, &size));
    cn_midi *m2;
    TEST_OK(cn_midi_read_mem(data, size, &m2));
    TEST_ASSERT(m2->format == 1 && m2->ppq == 480 && m2->n_tracks == 2 && strcmp(m2->text, "round trip") == 0);
    cn_melody mel2;
    TEST_OK(cn_melody_from_midi(m2, -1, &mel2));
    check_same_melody(&mel, &mel2, path);

    tot->files++;
    tot->notes += m->n_notes;
    tot->merged += merged;
    tot->off_grid += off_grid;
    cn_melody_free(&mel);
    cn_melody_free(&mel2);
    cn_midi_destroy(m);
    cn_midi_destroy(m2);
    free(data);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// Every `step`-th .mid file of dir in name order.
static void check_dir(const char *dir, int step, int format, int ppq, totals *tot) {
    DIR *d = opendir(dir);
    TEST_ASSERT_MSG(d != NULL, "cannot open %s", dir);
    char **names = NULL;
    int n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".mid") != 0) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            names = realloc(names, (size_t)cap * sizeof *names);
            TEST_ASSERT(names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    TEST_ASSERT_MSG(n > 0, "no .mid files in %s", dir);
    for (int i = 0; i < n; i++) {
        if (i % step == 0) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            check_file(path, format, ppq, tot);
        }
        free(names[i]);
    }
    free(names);
}

// ---------------------------------------------------------------- hand-built files

static cn_midi *read_bytes(const uint8_t *d, size_t n) {
    cn_midi *m;
    TEST_OK(cn_midi_read_mem(d, n, &m));
    return m;
}

// MThd for format f, one track, ppq p, followed by an MTrk of length len.
#define HDR(f, ntr, p) 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, f, 0, ntr, (p) >> 8, (p)&0xff
#define TRK(len) 'M', 'T', 'r', 'k', 0, 0, 0, len

static void test_events(void) {
    const uint8_t f[] = {
        HDR(0, 1, 96), TRK(43),
        0x00, 0xf0, 0x03, 0x7e, 0x09, 0xf7,        // sysex, skipped
        0x00, 0xff, 0x01, 0x02, 'h', 'i',          // text
        0x00, 0x90, 60, 100,                       // C4 on
        0x18, 64, 80,                              // running status: E4 on at 24
        0x00, 60, 90,                              // C4 on again (overlapping same pitch)
        0x18, 60, 0,                               // velocity 0: closes the FIRST C4 (FIFO) at 48
        0x00, 0x80, 64, 0,                         // E4 off at 48
        0x30, 0x80, 60, 0,                         // second C4 off at 96
        0x00, 0x90, 67, 70,                        // G4 never closed: ends at track end (120)
        0x18, 0xff, 0x2f, 0x00,                    // end of track at 120
        0x00, 0xff};                               // bytes after end of track: ignored
    cn_midi *m = read_bytes(f, sizeof f);
    TEST_ASSERT(m->format == 0 && m->ppq == 96 && m->n_notes == 4 && strcmp(m->text, "hi") == 0);
    // Sorted by onset then pitch: C4@0, C4@24, E4@24, G4@96.
    TEST_ASSERT(m->notes[0].pitch == 60 && m->notes[0].on_tick == 0 && m->notes[0].off_tick == 48);
    TEST_ASSERT(m->notes[0].velocity == 100);
    TEST_ASSERT(m->notes[1].pitch == 60 && m->notes[1].on_tick == 24 && m->notes[1].off_tick == 96);
    TEST_ASSERT(m->notes[2].pitch == 64 && m->notes[2].on_tick == 24 && m->notes[2].off_tick == 48);
    TEST_ASSERT(m->notes[3].pitch == 67 && m->notes[3].on_tick == 96 && m->notes[3].off_tick == 120);
    TEST_ASSERT(m->n_tempos == 1 && m->tempos[0].us_per_beat == 500000);
    TEST_NEAR(cn_midi_duration_seconds(m), 120.0 / 96 * 0.5, 1e-12);
    // Melody (8 file ticks per grid tick): C4 cut at 3 where C4 and E4 both start;
    // E4 (highest) wins and ends at 6; rest to 12; G4 to 15.
    cn_melody mel;
    TEST_OK(cn_melody_from_midi(m, -1, &mel));
    TEST_ASSERT(mel.n == 4 && mel.meter_num == 0 && !mel.has_key);
    TEST_ASSERT(mel.notes[0].pitch == 60 && mel.notes[0].dur == 3 && mel.notes[0].velocity == 100);
    TEST_ASSERT(mel.notes[1].pitch == 64 && mel.notes[1].dur == 3 && mel.notes[1].velocity == 80);
    TEST_ASSERT(mel.notes[2].pitch == CN_REST && mel.notes[2].dur == 6);
    TEST_ASSERT(mel.notes[3].pitch == 67 && mel.notes[3].dur == 3);
    cn_melody_free(&mel);
    cn_midi_destroy(m);
}

static void test_tempo_map_and_tracks(void) {
    // Format 1: conductor with two tempos, an unknown chunk, a melody track with rests
    // and a leading rest, and a second (smaller) track that is not chosen.
    const uint8_t f[] = {
        HDR(1, 3, 480),
        TRK(29), 0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20,  // 500000 us
        0x00, 0xff, 0x58, 0x04, 0x06, 0x03, 0x18, 0x08,    // 6/8
        0x00, 0xff, 0x59, 0x02, 0xff, 0x01,               // 1 flat, minor
        0x83, 0x60, 0xff, 0x51, 0x03, 0x0f, 0x42, 0x40,   // at 480: 1000000 us
        'X', 'Y', 'Z', 'W', 0, 0, 0, 2, 0xaa, 0xbb,        // unknown chunk: skipped
        TRK(22),
        0x83, 0x60, 0x91, 62, 90,                         // D4 at 480 (leading rest)
        0x83, 0x60, 62, 0,                                // off at 960
        0x81, 0x20, 64, 91,                               // E4 at 1120 (rest 160 = 1/3 beat)
        0x83, 0x60, 0x81, 64, 0,                          // off at 1600
        0x00, 0xff, 0x2f, 0x00,
        TRK(11), 0x00, 0x92, 40, 90, 0x10, 40, 0, 0x00, 0xff, 0x2f, 0x00};
    cn_midi *m = read_bytes(f, sizeof f);
    TEST_ASSERT(m->format == 1 && m->n_tracks == 3 && m->n_notes == 3 && m->n_tempos == 2);
    TEST_NEAR(cn_midi_tick_to_seconds(m, 480), 0.5, 1e-12);
    TEST_NEAR(cn_midi_tick_to_seconds(m, 960), 1.5, 1e-12);
    TEST_NEAR(cn_midi_duration_seconds(m), 0.5 + 1120.0 / 480, 1e-12);
    cn_melody mel;
    TEST_OK(cn_melody_from_midi(m, -1, &mel));
    TEST_ASSERT(mel.n == 4 && mel.meter_num == 6 && mel.meter_den == 8);
    TEST_ASSERT(mel.has_key && mel.key_sharps == -1 && mel.key_minor == 1);
    TEST_NEAR(mel.bpm, 60.0, 1e-9); // the tempo in effect at the first note
    TEST_ASSERT(mel.notes[0].pitch == CN_REST && mel.notes[0].dur == 12);
    TEST_ASSERT(mel.notes[1].pitch == 62 && mel.notes[1].dur == 12 && mel.notes[1].velocity == 90);
    TEST_ASSERT(mel.notes[2].pitch == CN_REST && mel.notes[2].dur == 4);
    TEST_ASSERT(mel.notes[3].pitch == 64 && mel.notes[3].dur == 12 && mel.notes[3].velocity == 91);
    cn_melody_free(&mel);
    TEST_OK(cn_melody_from_midi(m, 2, &mel)); // an explicit track
    TEST_ASSERT(mel.n == 1 && mel.notes[0].pitch == 40 && mel.notes[0].dur == 1); // 16 ticks: min 1
    cn_melody_free(&mel);
    TEST_ASSERT(cn_melody_from_midi(m, 0, &mel) == CN_ERR_FORMAT); // conductor: no notes
    TEST_ASSERT(cn_melody_from_midi(m, 3, &mel) == CN_ERR_ARG);
    cn_midi_destroy(m);
}

static void test_triplets(void) {
    // ppq 1024: triplet eighths at 0, 341, 683 (rounded thirds), then a quarter at 1024.
    const uint8_t f[] = {HDR(1, 1, 1024), TRK(33),
                         0x00, 0x90, 60, 90, 0x82, 0x55, 60, 0,  // off at 341
                         0x00, 62, 90, 0x82, 0x56, 62, 0,        // 341 -> 683
                         0x00, 64, 90, 0x82, 0x55, 64, 0,        // 683 -> 1024
                         0x00, 65, 90, 0x88, 0x00, 65, 0,        // 1024 -> 2048
                         0x00, 0xff, 0x2f, 0x00};
    cn_midi *m = read_bytes(f, sizeof f);
    cn_melody mel;
    TEST_OK(cn_melody_from_midi(m, -1, &mel));
    TEST_ASSERT(mel.n == 4);
    TEST_ASSERT(mel.notes[0].dur == 4 && mel.notes[1].dur == 4 && mel.notes[2].dur == 4 && mel.notes[3].dur == 12);
    cn_melody_free(&mel);
    cn_midi_destroy(m);
}

static void test_write_fields(void) {
    cn_melody mel;
    cn_melody_init(&mel);
    TEST_OK(cn_melody_push(&mel, CN_REST, 6, 0));
    TEST_OK(cn_melody_push(&mel, 72, 18, 0)); // velocity 0 on a note: written as 90
    TEST_OK(cn_melody_push(&mel, CN_REST, 4, 0));
    TEST_OK(cn_melody_push(&mel, 0, 1, 127));
    TEST_OK(cn_melody_push(&mel, 127, 1, 1));
    TEST_OK(cn_melody_push(&mel, CN_REST, 7, 0)); // trailing rest: not kept by MIDI
    mel.meter_num = 7;
    mel.meter_den = 8;
    mel.has_key = 1;
    mel.key_sharps = -7;
    mel.bpm = 97.5;
    uint8_t *data;
    size_t size;
    TEST_OK(cn_melody_to_midi_mem(&mel, NULL, &data, &size));
    cn_midi *m = read_bytes(data, size);
    TEST_ASSERT(m->text[0] == '\0' && m->n_notes == 3 && m->notes[0].on_tick == 240);
    cn_melody back;
    TEST_OK(cn_melody_from_midi(m, -1, &back));
    TEST_ASSERT(back.n == 5 && back.notes[1].velocity == 90 && back.notes[3].pitch == 0 && back.notes[4].pitch == 127);
    TEST_ASSERT(back.meter_num == 7 && back.meter_den == 8 && back.key_sharps == -7 && !back.key_minor);
    TEST_NEAR(back.bpm, 97.5, 1e-3);
    for (int i = 0; i < 5; i++) TEST_ASSERT(back.notes[i].dur == mel.notes[i].dur);
    cn_melody_free(&back);
    cn_midi_destroy(m);
    free(data);

    // Written to a real file and read back; the temporary file is gone.
    const char *path = "test_midi_roundtrip_out.mid";
    TEST_OK(cn_melody_write_midi(&mel, path, "seed=1"));
    TEST_OK(cn_midi_read_file(path, &m));
    TEST_ASSERT(m->n_notes == 3 && strcmp(m->text, "seed=1") == 0);
    cn_midi_destroy(m);
    TEST_ASSERT(cn_test_tmp_left(path) == 0);
    remove(path);

    // Unwritable values are refused before anything is written.
    mel.notes[1].pitch = 128;
    TEST_ASSERT(cn_melody_to_midi_mem(&mel, NULL, &data, &size) == CN_ERR_RANGE && *cn_error_message());
    mel.notes[1].pitch = 72;
    mel.bpm = 0;
    TEST_ASSERT(cn_melody_to_midi_mem(&mel, NULL, &data, &size) == CN_ERR_RANGE);
    cn_melody_free(&mel);
}

int main(void) {
    test_events();
    test_tempo_map_and_tracks();
    test_triplets();
    test_write_fields();
    totals nott = {0}, folk = {0};
    check_dir(CN_SRC("data/melody/nottingham/test"), 1, 1, 1024, &nott);
    check_dir(CN_SRC("data/melody/oneills"), 40, 0, 480, &folk);
    check_dir(CN_SRC("data/melody/ryans"), 40, 0, 480, &folk);
    printf("nottingham/test: %d files, %d notes, %d merged double-stop notes, %d on/offs off the grid\n", nott.files,
           nott.notes, nott.merged, nott.off_grid);
    printf("oneills+ryans sample: %d files, %d notes, %d merged, %d off the grid\n", folk.files, folk.notes,
           folk.merged, folk.off_grid);
    TEST_ASSERT(nott.files == 119);
    TEST_ASSERT(nott.off_grid * 200 < 2 * nott.notes && folk.off_grid * 200 < 2 * folk.notes);
    printf("ok\n");
    return 0;
}
