// test_wavenet_note_shape.c: cn_wn_note_swells and cn_wn_note_attacks on notes whose
// shapes are known. Swells: four steady notes of a sine (the "recording"); what was played
// swells 12 dB in the middle of its second note, bursts 10 dB just after the third note's
// release (inside the tail), and is followed inside its tail by a loud short note (the next
// onset cuts the fourth's span). A recording that swells as the played note does is no
// swell; short notes and notes past the end are not measured. Attacks: a click in a note's
// first 20 ms is sharper by its height, one just after them or in the next note's attack
// is not this note's, a 6 dB one is under the threshold, the recording clicking alike is
// no excess, nor is a note that dips after its attack and comes back; notes whose span
// after the attack is cut short (the next onset, the end) are not measured.
#include <math.h>
#include <stdlib.h>

#include "models/wavenet/cn_wn_note_shape.h"
#include "tests/cn_test.h"

#define RATE 48000
#define N (4 * RATE)

static void tone(float *x, int64_t from, int64_t to, double amp) {
    for (int64_t t = from; t < to && t < N; t++) x[t] = (float)(amp * sin(2.0 * M_PI * 440.0 * (double)t / RATE));
}

int main(void) {
    float *rec = calloc(N, sizeof *rec), *played = calloc(N, sizeof *played);
    TEST_ASSERT(rec && played);
    // Four notes of 0.6 s every 0.8 s, then one too short to measure and one past the end.
    const cn_timed_note notes[] = {{0, 28800, 60, 100}, {38400, 67200, 62, 100}, {76800, 105600, 64, 100},
                                   {115200, 144000, 65, 100}, {146000, 146500, 67, 100}, {190000, 200000, 69, 100}};
    for (int i = 0; i < 4; i++) tone(rec, notes[i].on, notes[i].off, 0.1);
    cn_wn_excess s;
    TEST_OK(cn_wn_note_swells(rec, rec, N, RATE, notes, 6, &s));
    TEST_ASSERT_MSG(s.notes == 4 && s.over == 0, "the recording against itself: %d of %d", s.over, s.notes);
    TEST_NEAR(s.worst_db, 0.0, 1e-9);

    for (int64_t t = 0; t < N; t++) played[t] = rec[t];
    tone(played, 48000, 52800, 0.4);   // note 2: 12 dB for 100 ms in its middle
    tone(played, 106000, 108000, 0.32); // note 3: ~10 dB, 8-50 ms after its release
    tone(played, 146000, 148000, 1.0);  // a loud short note inside note 4's tail, which it cuts
    TEST_OK(cn_wn_note_swells(played, rec, N, RATE, notes, 6, &s));
    printf("played: %d of %d notes swell, the worst %+.1f dB\n", s.over, s.notes, s.worst_db);
    TEST_ASSERT(s.notes == 4 && s.over == 2);
    TEST_NEAR(s.worst_db, 20.0 * log10(4.0), 0.2);

    // The recording swells the same way on note 2: only note 3's burst is left.
    tone(rec, 48000, 52800, 0.4);
    TEST_OK(cn_wn_note_swells(played, rec, N, RATE, notes, 6, &s));
    TEST_ASSERT(s.notes == 4 && s.over == 1);
    TEST_NEAR(s.worst_db, 20.0 * log10(3.2), 0.3);

    // Cut at n: the fourth note's span ends 0.07 s in, too short; the fifth and sixth start past it.
    TEST_OK(cn_wn_note_swells(played, rec, 115200 + (int64_t)(0.12 * RATE), RATE, notes, 6, &s));
    TEST_ASSERT(s.notes == 3);
    TEST_ASSERT(cn_wn_note_swells(played, rec, N, 10, notes, 6, &s) == CN_ERR_ARG);

    // Sums: counts add, the worst is the larger of those that measured notes.
    cn_wn_excess sum = {0, 0, 0.0}, a = {4, 1, -2.0}, b = {5, 2, 9.0}, none = {0, 0, 50.0};
    cn_wn_excess_add(&sum, &a);
    TEST_ASSERT(sum.notes == 4 && sum.over == 1 && sum.worst_db == -2.0);
    cn_wn_excess_add(&sum, &none);
    cn_wn_excess_add(&sum, &b);
    TEST_ASSERT(sum.notes == 9 && sum.over == 3 && sum.worst_db == 9.0);

    // Attacks: notes at 0, 0.8 s, 1.6 s, 1.66 s (the third's span after its attack: 40 ms),
    // 2.4 s and 40 ms later (the fifth's: 20 ms, too short), and one the end cuts short.
    const cn_timed_note at[] = {{0, 28800, 60, 100},      {38400, 67200, 62, 100},   {76800, 79680, 64, 100},
                                {79680, 105600, 65, 100}, {115200, 116640, 67, 100}, {117120, 144000, 69, 100},
                                {190000, 192000, 71, 100}};
    for (int64_t t = 0; t < N; t++) rec[t] = 0.0f;
    for (int i = 0; i < 7; i++) tone(rec, at[i].on, at[i].off, 0.1);
    TEST_OK(cn_wn_note_attacks(rec, rec, N, RATE, at, 7, &s));
    TEST_ASSERT_MSG(s.notes == 5 && s.over == 0, "attacks, the recording against itself: %d of %d", s.over, s.notes);
    TEST_NEAR(s.worst_db, 0.0, 1e-9);
    for (int64_t t = 0; t < N; t++) played[t] = rec[t];
    played[38400 + 480] = 1.0f;  // the second note clicks 10 ms in: 20 dB
    played[79680 + 480] = 1.0f;  // the fourth too, inside the third's uncut span
    played[0 + 1200] = 1.0f;     // the first clicks 25 ms in: after its attack
    played[117120 + 480] = 0.2f; // the sixth 6 dB: under the threshold
    TEST_OK(cn_wn_note_attacks(played, rec, N, RATE, at, 7, &s));
    printf("attacks: %d of %d notes sharper, the worst %+.1f dB\n", s.over, s.notes, s.worst_db);
    TEST_ASSERT(s.notes == 5 && s.over == 2);
    TEST_NEAR(s.worst_db, 20.0, 0.1);
    // The recording's second note is 20 dB quieter over its first 20 ms (a slow attack):
    // played steady, that is a faster attack, no overshoot.
    for (int64_t t = 38400; t < 38400 + 960; t++) rec[t] *= 0.1f;
    played[38400 + 480] = played[38400 + 481 - 110]; // the tone's own sample, no click
    TEST_OK(cn_wn_note_attacks(played, rec, N, RATE, at, 7, &s));
    TEST_ASSERT_MSG(s.notes == 5 && s.over == 1, "a slow recorded attack: %d of %d", s.over, s.notes);
    played[38400 + 480] = 1.0f;
    rec[38400 + 480] = 1.0f; // the recording clicks alike on the second note
    TEST_OK(cn_wn_note_attacks(played, rec, N, RATE, at, 7, &s));
    TEST_ASSERT(s.notes == 5 && s.over == 1);
    // A legato dip: the fourth note, its click taken away, falls 20 dB from 20 to 150 ms
    // after its onset and comes back. Its attack is no louder than the rest of the note,
    // so no click (the largest over only the 80 ms after the attack would make it 20 dB).
    played[79680 + 480] = rec[79680 + 480];
    for (int64_t t = 79680 + 960; t < 79680 + 7200; t++) played[t] *= 0.1f;
    TEST_OK(cn_wn_note_attacks(played, rec, N, RATE, at, 7, &s));
    TEST_ASSERT_MSG(s.notes == 5 && s.over == 0, "a legato dip counted as a click: %d of %d", s.over, s.notes);
    TEST_ASSERT(cn_wn_note_attacks(played, rec, N, 10, at, 7, &s) == CN_ERR_ARG);
    free(rec);
    free(played);
    return 0;
}
