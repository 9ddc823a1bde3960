// LABELS: unit
// test_ringbuffer.c: single-thread behaviour of the SPSC ring buffer: capacity errors,
// empty/full, partial reads and writes, wrap-around of block and two-region access.
#include <string.h>

#include "engine/cn_ringbuffer.h"
#include "cn_test.h"

static void test_capacity_errors(void) {
    cn_ringbuffer rb;
    float st[16];
    TEST_ASSERT(cn_ringbuffer_init(&rb, st, 0) == CN_ERR_ARG);
    TEST_ASSERT(cn_ringbuffer_init(&rb, st, 1) == CN_ERR_ARG);
    TEST_ASSERT(cn_ringbuffer_init(&rb, st, 12) == CN_ERR_ARG);
    TEST_ASSERT(strstr(cn_error_message(), "power of two") != NULL);
    TEST_ASSERT(cn_ringbuffer_init(&rb, NULL, 16) == CN_ERR_ARG);
    TEST_OK(cn_ringbuffer_init(&rb, st, 16));
    TEST_ASSERT(rb.capacity == 16);
}

static void test_empty_full_partial(void) {
    cn_ringbuffer rb;
    float st[8], in[12], out[12];
    for (int i = 0; i < 12; i++) in[i] = (float)(i + 1);
    TEST_OK(cn_ringbuffer_init(&rb, st, 8));
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 0);
    TEST_ASSERT(cn_ringbuffer_write_available(&rb) == 8);
    TEST_ASSERT(cn_ringbuffer_read(&rb, out, 4) == 0); // empty: nothing read
    // Partial write: only 8 of 12 fit, the whole capacity is usable.
    TEST_ASSERT(cn_ringbuffer_write(&rb, in, 12) == 8);
    TEST_ASSERT(cn_ringbuffer_write_available(&rb) == 0);
    TEST_ASSERT(cn_ringbuffer_write(&rb, in, 1) == 0); // full: nothing written
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 8);
    // Partial read, then the rest.
    TEST_ASSERT(cn_ringbuffer_read(&rb, out, 3) == 3);
    TEST_ASSERT(out[0] == 1 && out[2] == 3);
    TEST_ASSERT(cn_ringbuffer_read(&rb, out, 12) == 5);
    TEST_ASSERT(out[0] == 4 && out[4] == 8);
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 0);
    cn_ringbuffer_reset(&rb);
    TEST_ASSERT(cn_ringbuffer_write_available(&rb) == 8);
}

// Many odd-sized writes and reads keep the FIFO order across the storage end.
static void test_wraparound(void) {
    cn_ringbuffer rb;
    float st[16], buf[16];
    TEST_OK(cn_ringbuffer_init(&rb, st, 16));
    float next_w = 0, next_r = 0;
    for (int round = 0; round < 1000; round++) {
        size_t nw = (size_t)(round * 7 % 13) + 1;
        for (size_t i = 0; i < nw; i++) buf[i] = next_w + (float)i;
        size_t w = cn_ringbuffer_write(&rb, buf, nw);
        next_w += (float)w;
        size_t nr = (size_t)(round * 5 % 11) + 1;
        size_t r = cn_ringbuffer_read(&rb, buf, nr);
        for (size_t i = 0; i < r; i++) TEST_ASSERT(buf[i] == next_r + (float)i);
        next_r += (float)r;
        TEST_ASSERT(cn_ringbuffer_read_available(&rb) == (size_t)(next_w - next_r));
    }
    TEST_ASSERT(next_r > 1000);
}

// acquire/commit: two regions at the wrap point, partial commit.
static void test_regions(void) {
    cn_ringbuffer rb;
    float st[8], tmp[8];
    cn_rb_regions r;
    TEST_OK(cn_ringbuffer_init(&rb, st, 8));
    for (int i = 0; i < 6; i++) tmp[i] = 0;
    TEST_ASSERT(cn_ringbuffer_write(&rb, tmp, 6) == 6);
    TEST_ASSERT(cn_ringbuffer_read(&rb, tmp, 6) == 6); // positions now at 6
    TEST_ASSERT(cn_ringbuffer_acquire_write(&rb, 5, &r) == 5);
    TEST_ASSERT(r.n1 == 2 && r.n2 == 3 && r.p1 == st + 6 && r.p2 == st);
    for (size_t i = 0; i < r.n1; i++) r.p1[i] = (float)(10 + i);
    for (size_t i = 0; i < r.n2; i++) r.p2[i] = (float)(12 + i);
    cn_ringbuffer_commit_write(&rb, 4); // commit fewer than acquired
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 4);
    TEST_ASSERT(cn_ringbuffer_acquire_read(&rb, 10, &r) == 4);
    TEST_ASSERT(r.n1 == 2 && r.n2 == 2);
    TEST_ASSERT(r.p1[0] == 10 && r.p1[1] == 11 && r.p2[0] == 12 && r.p2[1] == 13);
    cn_ringbuffer_commit_read(&rb, 4);
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 0);
    // Acquire on a full buffer gives nothing.
    TEST_ASSERT(cn_ringbuffer_write(&rb, tmp, 8) == 8);
    TEST_ASSERT(cn_ringbuffer_acquire_write(&rb, 3, &r) == 0 && r.n1 == 0 && r.n2 == 0);
}

int main(void) {
    test_capacity_errors();
    test_empty_full_partial();
    test_wraparound();
    test_regions();
    printf("test_ringbuffer: ok\n");
    return 0;
}
