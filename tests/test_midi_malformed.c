// LABELS: unit
// test_midi_malformed: the MIDI reader on broken input. Every prefix of two real files,
// hand-made bad headers, chunk lengths, VLQs, status bytes and meta events, oversized
// inputs, random bytes and random mutations of a real file (fixed seeds): each must
// either fail with CN_ERR_FORMAT/CN_ERR_UNSUPPORTED, a non-empty message and no
// result, or succeed harmlessly (then melody extraction and writing must work too).
// Run under ASan/UBSan this also proves no out-of-bounds read and no leak. Also:
// writing to an unwritable path fails with CN_ERR_IO and leaves no file.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/cn_midi.h"
#include "cn_test.h"

static uint8_t *load(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    TEST_ASSERT_MSG(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n);
    TEST_ASSERT(d && fread(d, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return d;
}

// Read; on success also extract and write a melody. Returns the status of the read.
static cn_status try_read(const uint8_t *d, size_t n) {
    cn_midi *m = (cn_midi *)1; // must be reset to NULL on failure
    cn_status st = cn_midi_read_mem(d, n, &m);
    if (st) {
        TEST_ASSERT_MSG(st == CN_ERR_FORMAT || st == CN_ERR_UNSUPPORTED, "status %d", st);
        TEST_ASSERT(m == NULL && cn_error_message()[0] != '\0');
        return st;
    }
    cn_melody mel;
    if (cn_melody_from_midi(m, -1, &mel) == CN_OK) {
        uint8_t *out;
        size_t size;
        if (cn_melody_to_midi_mem(&mel, m->text, &out, &size) == CN_OK) free(out);
        cn_melody_free(&mel);
    } else {
        TEST_ASSERT(cn_error_message()[0] != '\0');
    }
    (void)cn_midi_duration_seconds(m);
    cn_midi_destroy(m);
    return CN_OK;
}

static void expect_error(const uint8_t *d, size_t n, const char *what) {
    TEST_ASSERT_MSG(try_read(d, n) != CN_OK, "%s was accepted", what);
}

// Every proper prefix of a real file must fail (the track chunk is cut), the whole must work.
static void test_prefixes(const char *path) {
    size_t size;
    uint8_t *d = load(path, &size);
    for (size_t n = 0; n < size; n++) {
        uint8_t *copy = n ? malloc(n) : NULL; // exact-size copy: ASan sees any over-read
        if (n) memcpy(copy, d, n);
        expect_error(copy, n, "a truncated file");
        free(copy);
    }
    TEST_ASSERT(try_read(d, size) == CN_OK);
    free(d);
}

#define HDR(f, ntr, p) 'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, f, (ntr) >> 8, (ntr)&0xff, (p) >> 8, (p)&0xff
#define TRK(len) 'M', 'T', 'r', 'k', 0, 0, 0, len
#define EXPECT_ERROR(...)                                                        \
    do {                                                                         \
        const uint8_t f_[] = {__VA_ARGS__};                                      \
        expect_error(f_, sizeof f_, #__VA_ARGS__);                               \
    } while (0)

static void test_bad_structures(void) {
    EXPECT_ERROR('R', 'I', 'F', 'F', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96);            // bad magic
    EXPECT_ERROR('M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0);               // short header
    EXPECT_ERROR('M', 'T', 'h', 'd', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 96); // absurd header length
    EXPECT_ERROR('M', 'T', 'h', 'd', 0, 0, 0, 2, 0, 0, 0, 1, 0, 96);           // header length < 6
    EXPECT_ERROR(HDR(0, 1, 96), 'M', 'T', 'r', 'k', 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0x2f, 0); // absurd chunk length
    EXPECT_ERROR(HDR(0, 1, 96), 'J', 'U', 'N', 'K', 0x7f, 0xff, 0xff, 0xff, 0);  // absurd unknown chunk
    EXPECT_ERROR(HDR(0, 1, 96), 'M', 'T', 'r');                                 // cut chunk header
    EXPECT_ERROR(HDR(1, 65535, 96), TRK(4), 0, 0xff, 0x2f, 0);                  // huge track count
    EXPECT_ERROR(HDR(0, 0, 96));                                                // no tracks
    EXPECT_ERROR(HDR(0, 1, 0), TRK(4), 0, 0xff, 0x2f, 0);                       // 0 ticks per beat
    EXPECT_ERROR(HDR(0, 1, 0xe728), TRK(4), 0, 0xff, 0x2f, 0);                  // SMPTE division
    EXPECT_ERROR(HDR(2, 1, 96), TRK(4), 0, 0xff, 0x2f, 0);                      // format 2
    EXPECT_ERROR(HDR(3, 1, 96), TRK(4), 0, 0xff, 0x2f, 0);                      // unknown format
    EXPECT_ERROR(HDR(0, 1, 96), TRK(6), 0xff, 0xff, 0xff, 0xff, 0x7f, 0x90);    // 5-byte VLQ
    EXPECT_ERROR(HDR(0, 1, 96), TRK(3), 0x81, 0x80, 0x80);                      // VLQ cut by the chunk end
    EXPECT_ERROR(HDR(0, 1, 96), TRK(3), 0x00, 60, 100);                         // running status with no status
    EXPECT_ERROR(HDR(0, 1, 96), TRK(8), 0x00, 0xff, 0x01, 0x00, 0x00, 60, 100, 0); // ... after a meta event only
    EXPECT_ERROR(HDR(0, 1, 96), TRK(4), 0x00, 0x90, 60, 0x80);                  // data byte > 127
    EXPECT_ERROR(HDR(0, 1, 96), TRK(3), 0x00, 0x90, 60);                        // event cut
    EXPECT_ERROR(HDR(0, 1, 96), TRK(2), 0x00, 0xf2);                            // system common in a file
    EXPECT_ERROR(HDR(0, 1, 96), TRK(6), 0x00, 0xf0, 0x8f, 0xff, 0xff, 0x7f);    // sysex longer than the track
    EXPECT_ERROR(HDR(0, 1, 96), TRK(5), 0x00, 0xff, 0x01, 0x05, 'a');           // meta longer than the track
    EXPECT_ERROR(HDR(0, 1, 96), TRK(6), 0x00, 0xff, 0x51, 0x02, 0x07, 0xa1);    // tempo of 2 bytes
    EXPECT_ERROR(HDR(0, 1, 96), TRK(7), 0x00, 0xff, 0x51, 0x03, 0, 0, 0);       // tempo 0
    EXPECT_ERROR(HDR(0, 1, 96), TRK(8), 0x00, 0xff, 0x58, 0x04, 4, 9, 24, 8);   // time signature 4/512
    EXPECT_ERROR(HDR(0, 1, 96), TRK(6), 0x00, 0xff, 0x59, 0x02, 9, 0);          // 9 sharps
    EXPECT_ERROR(HDR(0, 1, 96), TRK(5), 0x00, 0xff, 0x59, 0x01, 0);             // short key signature
    // Valid oddities are accepted: a note never closed, trailing garbage after all tracks,
    // a header longer than 6 bytes, a track without end-of-track.
    const uint8_t ok1[] = {HDR(0, 1, 96), TRK(4), 0x00, 0x90, 60, 100, 'x', 'y', 'z'};
    TEST_ASSERT(try_read(ok1, sizeof ok1) == CN_OK);
    const uint8_t ok2[] = {'M', 'T', 'h', 'd', 0, 0, 0, 8, 0, 1, 0, 1, 0, 96, 0xaa, 0xbb, TRK(0)};
    TEST_ASSERT(try_read(ok2, sizeof ok2) == CN_OK);
}

static void test_huge_inputs(void) {
    // Larger than 64 MB: refused before looking at the bytes (calloc'd pages stay untouched).
    size_t big = (64u << 20) + 1;
    uint8_t *d = calloc(1, big);
    TEST_ASSERT(d);
    memcpy(d, (const uint8_t[]){HDR(0, 1, 96)}, 14);
    expect_error(d, big, "a 64 MB file");
    free(d);
    // 10 million and one 2-byte events (delta 0 + running-status program change).
    size_t n_ev = 10000001, len = 3 + 2 * n_ev;
    d = malloc(22 + len);
    TEST_ASSERT(d);
    memcpy(d, (const uint8_t[]){HDR(0, 1, 96), 'M', 'T', 'r', 'k', (uint8_t)(len >> 24), (uint8_t)(len >> 16),
                                (uint8_t)(len >> 8), (uint8_t)len},
           22);
    d[22] = 0, d[23] = 0xc0, d[24] = 0;
    memset(d + 25, 0, 2 * n_ev);
    expect_error(d, 22 + len, "10M events");
    TEST_ASSERT(strstr(cn_error_message(), "events") != NULL);
    free(d);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void) { // xorshift32: fixed seed, same bytes every run
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_random(const char *path) {
    uint8_t buf[512];
    int ok = 0;
    // Random tracks behind a valid header (pure noise would stop at the magic).
    for (int it = 0; it < 20000; it++) {
        size_t n = 22 + rnd() % 200;
        memcpy(buf, (const uint8_t[]){HDR(it % 2, 1, 96), TRK(0)}, 22);
        buf[21] = (uint8_t)(n - 22);
        for (size_t i = 22; i < n; i++) buf[i] = (uint8_t)rnd();
        if (it % 3 == 0) // bias towards plausible events
            for (size_t i = 22; i < n; i++) buf[i] &= (i % 4 == 0) ? 0x9f : 0x7f;
        uint8_t *copy = malloc(n);
        memcpy(copy, buf, n);
        ok += try_read(copy, n) == CN_OK;
        free(copy);
    }
    for (int it = 0; it < 2000; it++) { // pure noise
        size_t n = rnd() % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)rnd();
        if (it % 2) memcpy(buf, "MThd", n < 4 ? n : 4);
        try_read(buf, n);
    }
    // Mutations of a real file: 1..8 random bytes changed.
    size_t size;
    uint8_t *orig = load(path, &size);
    uint8_t *copy = malloc(size);
    int mut_ok = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, orig, size);
        for (int k = 1 + (int)(rnd() % 8); k > 0; k--) copy[rnd() % size] = (uint8_t)rnd();
        mut_ok += try_read(copy, size) == CN_OK;
    }
    printf("random tracks: %d of 20000 parsed; mutated %s: %d of 3000 parsed\n", ok, path, mut_ok);
    free(copy);
    free(orig);
}

static void test_io_errors(void) {
    cn_midi *m = (cn_midi *)1;
    TEST_ASSERT(cn_midi_read_file("/nonexistent/dir/x.mid", &m) == CN_ERR_IO && m == NULL);
    TEST_ASSERT(strstr(cn_error_message(), "/nonexistent/dir/x.mid") != NULL);
    cn_melody mel;
    cn_melody_init(&mel);
    TEST_OK(cn_melody_push(&mel, 60, 12, 90));
    TEST_ASSERT(cn_melody_write_midi(&mel, "/nonexistent/dir/x.mid", NULL) == CN_ERR_IO);
    TEST_ASSERT(cn_error_message()[0] != '\0');
    FILE *f = fopen("/nonexistent/dir/x.mid", "rb");
    TEST_ASSERT(f == NULL);
    TEST_ASSERT(cn_test_tmp_left("/nonexistent/dir/x.mid") == 0);
    // An existing directory as the target: the tmp file is created, rename fails, tmp removed.
    TEST_ASSERT(cn_melody_write_midi(&mel, ".", NULL) == CN_ERR_IO);
    TEST_ASSERT(!strncmp(cn_error_message(), "cannot write .: ", 16));
    TEST_ASSERT(cn_test_tmp_left(".") == 0);
    cn_melody_free(&mel);
}

int main(void) {
    const char *nott = CN_SRC("data/melody/nottingham/test/jigs307.mid");
    const char *oneills = CN_SRC("data/melody/oneills/oneills_0001_The_Enchanted_Valley.mid");
    test_prefixes(nott);
    test_prefixes(oneills);
    // The message a user sees for a cut file.
    size_t size;
    uint8_t *d = load(oneills, &size);
    cn_midi *m;
    TEST_ASSERT(cn_midi_read_mem(d, size / 2, &m) == CN_ERR_FORMAT);
    printf("truncated to %zu of %zu bytes: %s\n", size / 2, size, cn_error_message());
    TEST_ASSERT(strstr(cn_error_message(), "truncated track 0 at byte") != NULL);
    free(d);
    test_bad_structures();
    test_huge_inputs();
    test_random(nott);
    test_io_errors();
    printf("ok\n");
    return 0;
}
