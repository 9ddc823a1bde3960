// fuzz_midi: libFuzzer target for the MIDI reader (build with -DCN_FUZZ=ON, clang).
// Any input must either fail with a message or read; a read file's melody, written
// back with cn_melody_to_midi_mem and read again, must give the same melody (notes,
// velocities, meter, key, tempo) and text, and its notation must parse back.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"
#include "models/cn_notation.h"

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) abort();                                                       \
    } while (0)

static void same_melody(const cn_melody *a, const cn_melody *b) {
    CHECK(a->n == b->n);
    for (int i = 0; i < a->n; i++)
        CHECK(a->notes[i].pitch == b->notes[i].pitch && a->notes[i].dur == b->notes[i].dur &&
              a->notes[i].velocity == b->notes[i].velocity);
    CHECK(a->meter_num == b->meter_num && a->meter_den == b->meter_den && a->has_key == b->has_key &&
          a->key_sharps == b->key_sharps && a->key_minor == b->key_minor);
    CHECK(fabs(a->bpm - b->bpm) <= 1e-9 * a->bpm);
}

static void notation_round_trip(const cn_melody *mel) {
    char *s;
    if (cn_notation_format(mel, &s) != CN_OK) abort();
    cn_melody back;
    cn_melody_init(&back);
    CHECK(cn_notation_parse(s, &back) == CN_OK && back.n == mel->n);
    for (int i = 0; i < mel->n; i++)
        CHECK(back.notes[i].pitch == mel->notes[i].pitch && back.notes[i].dur == mel->notes[i].dur);
    cn_melody_free(&back);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_midi *m;
    if (cn_midi_read_mem(data, size, &m) != CN_OK) {
        CHECK(cn_error_message()[0] != '\0');
        return 0;
    }
    (void)cn_midi_duration_seconds(m);
    cn_melody mel;
    if (cn_melody_from_midi(m, -1, &mel) == CN_OK) {
        uint8_t *out;
        size_t n;
        if (cn_melody_to_midi_mem(&mel, m->text, &out, &n) == CN_OK) {
            cn_midi *m2;
            CHECK(cn_midi_read_mem(out, n, &m2) == CN_OK);
            CHECK(strcmp(m->text, m2->text) == 0);
            cn_melody mel2;
            CHECK(cn_melody_from_midi(m2, -1, &mel2) == CN_OK);
            same_melody(&mel, &mel2);
            cn_melody_free(&mel2);
            cn_midi_destroy(m2);
            free(out);
        }
        notation_round_trip(&mel);
        cn_melody_free(&mel);
    }
    cn_midi_destroy(m);
    return 0;
}
