// test_safetensors: round trip of tensors and metadata, and the reader's refusals:
// corrupt header, truncated file, bad offsets, wrong dtype, wrong format/version, wrong
// shape and missing tensor, each with the message the user will see.
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "models/nn/cn_safetensors.h"
#include "cn_test.h"

static const char *PATH = "test_safetensors.tmp.safetensors";

static uint8_t *slurp(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    TEST_ASSERT(fp);
    fseek(fp, 0, SEEK_END);
    *size = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc(*size);
    TEST_ASSERT(fread(b, 1, *size, fp) == *size);
    fclose(fp);
    return b;
}

static void expect_open_fails(const uint8_t *b, size_t n, const char *needle) {
    cn_st_file *f = NULL;
    cn_status st = cn_st_open_mem(b, n, "bad.safetensors", &f);
    TEST_ASSERT_MSG(st == CN_ERR_FORMAT, "status %d", st);
    TEST_ASSERT(f == NULL);
    TEST_ASSERT_MSG(strstr(cn_error_message(), needle), "message '%s' lacks '%s'",
                    cn_error_message(), needle);
    printf("refused: %s\n", cn_error_message());
}

// Replace the first occurrence of `from` in the JSON header with `to` (same length).
static uint8_t *patched(const uint8_t *b, size_t n, const char *from, const char *to) {
    TEST_ASSERT(strlen(from) == strlen(to));
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    char *hdr = (char *)c + 8;
    size_t hl = (size_t)c[0] | (size_t)c[1] << 8;
    for (size_t i = 0; i + strlen(from) <= hl; i++)
        if (!memcmp(hdr + i, from, strlen(from))) {
            memcpy(hdr + i, to, strlen(to));
            return c;
        }
    TEST_ASSERT_MSG(0, "'%s' not in header", from);
    return NULL;
}

int main(void) {
    float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {-1.5f, 0.25f, 1e-7f}, s = 42;
    int sa[2] = {2, 3}, sb[1] = {3};
    cn_st_writer *w;
    TEST_OK(cn_st_writer_create(&w));
    TEST_OK(cn_st_writer_add(w, "layer.w", a, 2, sa));
    TEST_OK(cn_st_writer_add(w, "layer.b", b, 1, sb));
    TEST_OK(cn_st_writer_add(w, "scalar", &s, 0, NULL));
    TEST_ASSERT(cn_st_writer_add(w, "layer.b", b, 1, sb) == CN_ERR_ARG);
    TEST_OK(cn_st_writer_meta(w, "format", "continuo-test"));
    TEST_OK(cn_st_writer_meta_int(w, "version", 3));
    TEST_OK(cn_st_writer_meta_double(w, "lr", 0.5));
    TEST_OK(cn_st_writer_meta(w, "lr", "0.25")); // replaces
    TEST_OK(cn_st_write(w, PATH));
    TEST_ASSERT(cn_test_tmp_left(PATH) == 0);

    // A directory that does not exist: clear error, nothing left behind.
    TEST_ASSERT(cn_st_write(w, "no/such/dir/x.safetensors") == CN_ERR_IO);
    printf("write refused: %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "no/such/dir/x.safetensors"));
    cn_st_writer_destroy(w);

    // ---- round trip
    cn_st_file *f;
    TEST_OK(cn_st_open(PATH, &f));
    TEST_ASSERT(cn_st_count(f) == 3);
    TEST_OK(cn_st_check_format(f, "continuo-test", 3));
    long v;
    double lr;
    TEST_OK(cn_st_meta_int(f, "version", &v));
    TEST_ASSERT(v == 3);
    TEST_OK(cn_st_meta_double(f, "lr", &lr));
    TEST_NEAR(lr, 0.25, 0);
    TEST_ASSERT(cn_st_meta(f, "nothing") == NULL);
    const float *d;
    TEST_OK(cn_st_get(f, "layer.w", 2, sa, &d));
    TEST_ASSERT(((uintptr_t)d % sizeof(float)) == 0);
    TEST_ASSERT(!memcmp(d, a, sizeof a));
    TEST_OK(cn_st_get(f, "layer.b", 1, sb, &d));
    TEST_ASSERT(!memcmp(d, b, sizeof b));
    TEST_OK(cn_st_get(f, "scalar", 0, NULL, &d));
    TEST_ASSERT(*d == 42);
    const cn_st_tensor *t = cn_st_tensor_at(f, 0);
    TEST_ASSERT(t && !strcmp(t->name, "layer.w") && t->numel == 6 && t->ndim == 2);

    // ---- wrong shape / missing tensor / wrong format / wrong version
    int wrong[2] = {3, 2};
    TEST_ASSERT(cn_st_get(f, "layer.w", 2, wrong, &d) == CN_ERR_FORMAT);
    printf("shape: %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), PATH));
    TEST_ASSERT(strstr(cn_error_message(), "tensor layer.w: expected shape [3,2] found [2,3]"));
    TEST_ASSERT(strstr(cn_error_message(), "hint"));
    TEST_ASSERT(cn_st_get(f, "missing", 1, sb, &d) == CN_ERR_FORMAT);
    TEST_ASSERT(strstr(cn_error_message(), "tensor missing missing"));
    TEST_ASSERT(cn_st_check_format(f, "continuo-melody", 3) == CN_ERR_VERSION);
    printf("format: %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "continuo-test"));
    TEST_ASSERT(cn_st_check_format(f, "continuo-test", 2) == CN_ERR_VERSION);
    printf("version: %s\n", cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "version 3"));
    TEST_ASSERT(cn_st_meta_int(f, "format", &v) == CN_ERR_FORMAT);
    cn_st_close(f);
    cn_st_close(NULL);

    // ---- corrupt files
    size_t n;
    uint8_t *img = slurp(PATH, &n);
    TEST_ASSERT(n % 4 == 0 && n > 8 + 40);
    size_t hl = (size_t)img[0] | (size_t)img[1] << 8;
    TEST_ASSERT((8 + hl) % 8 == 0); // data section aligned
    expect_open_fails(img, 5, "too short");
    expect_open_fails(img, 8 + hl - 1, "exceeds the file"); // truncated in the header
    expect_open_fails(img, n - 4, "outside");               // truncated in the data
    uint8_t *c = malloc(n);
    memcpy(c, img, n);
    c[8] = '[';
    expect_open_fails(c, n, "not a JSON object");
    memcpy(c, img, n);
    c[5] = 1; // absurd header length
    expect_open_fails(c, n, "exceeds the file");
    free(c);
    c = patched(img, n, "\"F32\"", "\"F16\"");
    expect_open_fails(c, n, "only F32");
    free(c);
    c = patched(img, n, "[2,3]", "[2,4]");
    expect_open_fails(c, n, "data bytes for 8 floats");
    free(c);
    c = patched(img, n, "[0,24]", "[0,99]");
    expect_open_fails(c, n, "outside");
    free(c);
    c = patched(img, n, "\"3\"", "[3]");
    expect_open_fails(c, n, "not a string");
    free(c);
    free(img);

    TEST_ASSERT(cn_st_open("no/such/file.safetensors", &f) == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "no/such/file.safetensors"));
    unlink(PATH);
    printf("test_safetensors: ok\n");
    return 0;
}
