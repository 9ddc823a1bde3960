// fuzz_notation: libFuzzer target for the text notation (build with -DCN_FUZZ=ON, clang).
// Any text must parse or fail with a message; a parsed melody must print, and the
// printed text must parse back to the same pitches and durations and print the same.
#include <stdlib.h>
#include <string.h>

#include "models/cn_notation.h"

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) abort();                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1); // the parser takes a C string
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    cn_melody mel, back;
    cn_melody_init(&mel);
    cn_melody_init(&back);
    if (cn_notation_parse(text, &mel) != CN_OK) {
        CHECK(cn_error_message()[0] != '\0');
    } else {
        char *s, *s2;
        CHECK(cn_notation_format(&mel, &s) == CN_OK);
        CHECK(cn_notation_parse(s, &back) == CN_OK && back.n == mel.n);
        for (int i = 0; i < mel.n; i++)
            CHECK(back.notes[i].pitch == mel.notes[i].pitch && back.notes[i].dur == mel.notes[i].dur);
        CHECK(cn_notation_format(&back, &s2) == CN_OK && strcmp(s, s2) == 0);
        free(s);
        free(s2);
    }
    cn_melody_free(&mel);
    cn_melody_free(&back);
    free(text);
    return 0;
}
