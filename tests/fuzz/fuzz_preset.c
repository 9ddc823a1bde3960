// fuzz_preset: libFuzzer target for the preset reader (build with -DCN_FUZZ=ON, clang). Any
// bytes must either parse into a preset with a model name and NUL-terminated fields, or
// fail with a message. Seeds: the shipped presets/*.json.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_paths.h"

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) abort();                                                       \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_preset_info in;
    cn_status st = cn_preset_parse_info((const char *)data, size, "fuzz.json", &in);
    if (st) {
        CHECK(cn_error_message()[0]);
        return 0;
    }
    CHECK(in.model[0] && memchr(in.model, 0, sizeof in.model) && memchr(in.instrument, 0, sizeof in.instrument));
    CHECK(memchr(in.description, 0, sizeof in.description));
    CHECK(!strcmp(in.kind, in.instrument[0] ? "instrument" : "melody"));
    return 0;
}
