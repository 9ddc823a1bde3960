// fuzz_safetensors: libFuzzer target for the safetensors reader (build with -DCN_FUZZ=ON,
// clang). Any input must either fail with a message or open; an opened file's every
// tensor must lie inside the data it owns (read each float), and its metadata lookups
// must work. Seeds: any model file (e.g. presets/melody-folk.safetensors, truncated).
#include <stdint.h>
#include <string.h>

#include "models/nn/cn_safetensors.h"

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) __builtin_trap();                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_st_file *f = NULL;
    cn_status st = cn_st_open_mem(data, size, "fuzz.safetensors", &f);
    if (st) {
        CHECK(f == NULL && cn_error_message()[0]);
        return 0;
    }
    volatile float sink = 0;
    for (int i = 0; i < cn_st_count(f); i++) {
        const cn_st_tensor *t = cn_st_tensor_at(f, i);
        size_t n = 1;
        for (int d = 0; d < t->ndim; d++) n *= (size_t)t->shape[d];
        CHECK(n == t->numel && cn_st_find(f, t->name) == t);
        for (size_t k = 0; k < t->numel; k++) sink += t->data[k];
        const float *p;
        CHECK(cn_st_get(f, t->name, t->ndim, t->shape, &p) == CN_OK && p == t->data);
    }
    long v;
    (void)cn_st_meta(f, "format");
    (void)cn_st_meta_int(f, "version", &v);
    (void)cn_st_check_format(f, "continuo-melody", 1);
    cn_st_close(f);
    (void)sink;
    return 0;
}
