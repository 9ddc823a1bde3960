// LABELS: unit
// test_notation: the text notation. Parsing of pitches (C4 = 60, sharps, flats, double
// accidentals, octaves -1..9), durations (integers and fractions on the 1/12-beat
// grid), rests and bar lines; errors that name the token and its position; printing
// in the shortest form with bar lines; and parse(format(m)) == m for hand-made
// melodies and melodies read from MIDI files.
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"
#include "models/cn_notation.h"
#include "cn_test.h"

static void parse_ok(const char *text, cn_melody *mel) {
    cn_melody_init(mel);
    TEST_OK(cn_notation_parse(text, mel));
}

static void expect_note(const cn_melody *mel, int i, int pitch, int dur) {
    TEST_ASSERT_MSG(i < mel->n && mel->notes[i].pitch == pitch && mel->notes[i].dur == dur,
                    "event %d: expected (%d,%d), got (%d,%d)", i, pitch, dur, i < mel->n ? mel->notes[i].pitch : -99,
                    i < mel->n ? mel->notes[i].dur : -99);
}

static void test_parse(void) {
    cn_melody mel;
    parse_ok("C4 F#5 Bb3 r D4:1/2 | E4:3/2 c-1 G9 B#3 Cb4 Dbb4 F##4 A0:1/3 r:2 ||\n\tg4:12/12 C4:1/12", &mel);
    const int want[][2] = {{60, 12}, {78, 12}, {58, 12}, {CN_REST, 12}, {62, 6}, {64, 18}, {0, 12}, {127, 12},
                           {60, 12}, {59, 12}, {60, 12}, {67, 12}, {21, 4}, {CN_REST, 24}, {67, 12}, {60, 1}};
    TEST_ASSERT(mel.n == (int)(sizeof want / sizeof want[0]));
    for (int i = 0; i < mel.n; i++) expect_note(&mel, i, want[i][0], want[i][1]);
    TEST_ASSERT(mel.notes[0].velocity == 90 && mel.notes[3].velocity == 0);
    // Parsing appends.
    TEST_OK(cn_notation_parse("A4", &mel));
    expect_note(&mel, mel.n - 1, 69, 12);
    cn_melody_free(&mel);
    parse_ok("  | \n ", &mel);
    TEST_ASSERT(mel.n == 0);
    cn_melody_free(&mel);
}

// The error names the token and where it is.
static void expect_error(const char *text, const char *token, const char *where) {
    cn_melody mel;
    cn_melody_init(&mel);
    cn_status st = cn_notation_parse(text, &mel);
    TEST_ASSERT_MSG(st == CN_ERR_FORMAT, "'%s' accepted", text);
    const char *msg = cn_error_message();
    char quoted[128];
    snprintf(quoted, sizeof quoted, "'%s'", token);
    TEST_ASSERT_MSG(strstr(msg, quoted) && strstr(msg, where), "'%s': message '%s'", text, msg);
    cn_melody_free(&mel);
}

static void test_errors(void) {
    expect_error("C4 D4 H4", "H4", "token 3, column 7");
    expect_error("C4:1/5", "C4:1/5", "token 1, column 1");
    expect_error("C4 | C4:0", "C4:0", "token 3, column 6");
    expect_error("C4:-1", "C4:-1", "token 1");
    expect_error("C99", "C99", "token 1");
    expect_error("C10", "C10", "token 1");
    expect_error("C-2", "C-2", "token 1");
    expect_error("C-0", "C-0", "token 1");
    expect_error("Cb-1", "Cb-1", "token 1");  // pitch -1
    expect_error("G#9", "G#9", "token 1");    // pitch 128
    expect_error("C#b#4", "C#b#4", "token 1"); // three accidentals
    expect_error("C", "C", "token 1");
    expect_error("C4x", "C4x", "token 1");
    expect_error(":2", ":2", "token 1");
    expect_error("C4:", "C4:", "token 1");
    expect_error("C4:1/0", "C4:1/0", "token 1");
    expect_error("C4:1/", "C4:1/", "token 1");
    expect_error("C4:1.5", "C4:1.5", "token 1");
    expect_error("C4:99999999999", "C4:99999999999", "token 1");
    expect_error("C4:1000000000", "C4:1000000000", "token 1"); // 12e9 ticks: too long
    expect_error("rest", "rest", "token 1");
    expect_error("r4", "r4", "token 1");
    expect_error("C4 x", "x", "token 2, column 4");
}

static void expect_format(const cn_melody *mel, const char *want) {
    char *s;
    TEST_OK(cn_notation_format(mel, &s));
    TEST_ASSERT_MSG(strcmp(s, want) == 0, "got '%s', want '%s'", s, want);
    free(s);
}

static void test_format(void) {
    cn_melody mel;
    parse_ok("C4:1 C#4:2 D4:1/2 D#4:3/2 E4:1/3 F4:5/12 r:4/12 G4:18/12 B3:2/3 C0:7", &mel);
    expect_format(&mel, "C4 C#4:2 D4:1/2 D#4:3/2 E4:1/3 F4:5/12 r:1/3 G4:3/2 B3:2/3 C0:7");
    mel.has_key = 1;
    mel.key_sharps = -2; // flat keys print flats
    expect_format(&mel, "C4 Db4:2 D4:1/2 Eb4:3/2 E4:1/3 F4:5/12 r:1/3 G4:3/2 B3:2/3 C0:7");
    cn_melody_free(&mel);
    // Bar lines every bar of the meter (3/4: 3 beats; 6/8: 3 beats), never at the end.
    parse_ok("r:2 D4 G4:1/2 A4:1/2 B4 C5 D5:2 E5", &mel);
    mel.meter_num = 3;
    mel.meter_den = 4;
    expect_format(&mel, "r:2 D4 | G4:1/2 A4:1/2 B4 C5 | D5:2 E5");
    mel.meter_num = 6;
    mel.meter_den = 8;
    expect_format(&mel, "r:2 D4 | G4:1/2 A4:1/2 B4 C5 | D5:2 E5");
    mel.meter_num = 2;
    mel.meter_den = 2; // 4 beats a bar
    expect_format(&mel, "r:2 D4 G4:1/2 A4:1/2 | B4 C5 D5:2 | E5");
    cn_melody_free(&mel);
    cn_melody_init(&mel);
    expect_format(&mel, "");
    TEST_OK(cn_melody_push(&mel, 60, 12, 90));
    mel.notes[0].dur = 0; // not a melody any more: refused, not printed
    char *s = NULL;
    TEST_ASSERT(cn_notation_format(&mel, &s) == CN_ERR_RANGE && s == NULL);
    cn_melody_free(&mel);
}

static void check_round_trip(const cn_melody *mel, const char *what) {
    char *s;
    TEST_OK(cn_notation_format(mel, &s));
    cn_melody back;
    cn_melody_init(&back);
    TEST_OK(cn_notation_parse(s, &back));
    TEST_ASSERT_MSG(back.n == mel->n, "%s: %d events, %d after the round trip", what, mel->n, back.n);
    for (int i = 0; i < mel->n; i++)
        TEST_ASSERT_MSG(back.notes[i].pitch == mel->notes[i].pitch && back.notes[i].dur == mel->notes[i].dur,
                        "%s: event %d differs", what, i);
    free(s);
    cn_melody_free(&back);
}

static void test_round_trip(void) {
    cn_melody mel;
    cn_melody_init(&mel);
    for (int p = 0; p < 128; p++) TEST_OK(cn_melody_push(&mel, p, 1 + (p * 7) % 50, 90));
    TEST_OK(cn_melody_push(&mel, CN_REST, 1000000, 0));
    check_round_trip(&mel, "every pitch");
    mel.has_key = 1;
    mel.key_sharps = -3;
    mel.meter_num = 5;
    mel.meter_den = 4;
    check_round_trip(&mel, "every pitch, flats, 5/4");
    cn_melody_free(&mel);
    const char *files[] = {CN_SRC("data/melody/nottingham/test/jigs307.mid"),
                           CN_SRC("data/melody/nottingham/test/reelsa-c29.mid"),
                           CN_SRC("data/melody/oneills/oneills_0001_The_Enchanted_Valley.mid"),
                           CN_SRC("data/melody/ryans/ryans_0002_7th_Regiment_Reel.mid")};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        cn_midi *m;
        TEST_OK(cn_midi_read_file(files[i], &m));
        TEST_OK(cn_melody_from_midi(m, -1, &mel));
        check_round_trip(&mel, files[i]);
        if (i == 0) {
            char *s;
            TEST_OK(cn_notation_format(&mel, &s));
            printf("%s starts: %.80s\n", files[i], s);
            TEST_ASSERT(strchr(s, '|') != NULL); // the file has a meter
            free(s);
        }
        cn_melody_free(&mel);
        cn_midi_destroy(m);
    }
}

int main(void) {
    test_parse();
    test_errors();
    test_format();
    test_round_trip();
    printf("ok\n");
    return 0;
}
