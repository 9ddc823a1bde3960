// LABELS: tsan;unit
// TIMEOUT: 240
// test_ringbuffer_stress.c: a producer and a consumer thread move CN_STRESS_SAMPLES
// samples (default 10^8) through a small SPSC ring buffer with odd block sizes, the
// producer through acquire/commit and block writes, the consumer through block reads and
// acquire/commit. Each sample is its sequence number modulo 2^23 (exact in a float), so
// the consumer checks the order sample by sample and both sides compare a checksum.
// Run under ThreadSanitizer (-DCN_SANITIZE_THREAD=ON) it proves the memory ordering.
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "engine/cn_ringbuffer.h"
#include "cn_test.h"

#define SEQ_MASK 0x7FFFFFu // values < 2^23 are exact floats

typedef struct {
    cn_ringbuffer *rb;
    uint64_t total;
    uint64_t checksum;
    uint64_t errors;
} side;

static void *producer(void *arg) {
    side *s = arg;
    float block[997];
    uint64_t seq = 0;
    while (seq < s->total) {
        size_t want = (size_t)(seq % 997) + 1;
        if (want > s->total - seq) want = (size_t)(s->total - seq);
        if (seq & 1) { // block write
            for (size_t i = 0; i < want; i++) block[i] = (float)((seq + i) & SEQ_MASK);
            size_t n = cn_ringbuffer_write(s->rb, block, want);
            for (size_t i = 0; i < n; i++) s->checksum += (seq + i) & SEQ_MASK;
            seq += n;
            if (!n) sched_yield(); // full: let the consumer run on a loaded machine
        } else { // in-place write
            cn_rb_regions r;
            size_t n = cn_ringbuffer_acquire_write(s->rb, want, &r);
            for (size_t i = 0; i < r.n1; i++) r.p1[i] = (float)((seq + i) & SEQ_MASK);
            for (size_t i = 0; i < r.n2; i++) r.p2[i] = (float)((seq + r.n1 + i) & SEQ_MASK);
            cn_ringbuffer_commit_write(s->rb, n);
            for (size_t i = 0; i < n; i++) s->checksum += (seq + i) & SEQ_MASK;
            seq += n;
            if (!n) sched_yield(); // full: let the consumer run on a loaded machine
        }
    }
    return NULL;
}

static void *consumer(void *arg) {
    side *s = arg;
    float block[611];
    uint64_t seq = 0;
    while (seq < s->total) {
        size_t n;
        if (seq & 1) { // in-place read
            cn_rb_regions r;
            n = cn_ringbuffer_acquire_read(s->rb, 611, &r);
            for (size_t i = 0; i < r.n1; i++) {
                uint64_t v = (uint64_t)r.p1[i];
                s->errors += v != ((seq + i) & SEQ_MASK);
                s->checksum += v;
            }
            for (size_t i = 0; i < r.n2; i++) {
                uint64_t v = (uint64_t)r.p2[i];
                s->errors += v != ((seq + r.n1 + i) & SEQ_MASK);
                s->checksum += v;
            }
            cn_ringbuffer_commit_read(s->rb, n);
        } else { // block read
            n = cn_ringbuffer_read(s->rb, block, (size_t)(seq % 611) + 1);
            for (size_t i = 0; i < n; i++) {
                uint64_t v = (uint64_t)block[i];
                s->errors += v != ((seq + i) & SEQ_MASK);
                s->checksum += v;
            }
        }
        seq += n;
        if (!n) sched_yield(); // empty: let the producer run
    }
    return NULL;
}

int main(void) {
    uint64_t total = 100000000ull;
    const char *env = getenv("CN_STRESS_SAMPLES");
    if (env && *env) total = strtoull(env, NULL, 10);
    TEST_ASSERT(total > 0);

    static float storage[4096];
    cn_ringbuffer rb;
    TEST_OK(cn_ringbuffer_init(&rb, storage, 4096));
    side prod = {&rb, total, 0, 0}, cons = {&rb, total, 0, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t tp, tc;
    TEST_ASSERT(pthread_create(&tc, NULL, consumer, &cons) == 0);
    TEST_ASSERT(pthread_create(&tp, NULL, producer, &prod) == 0);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);

    printf("test_ringbuffer_stress: moved %llu samples in %.2f s (%.1f M samples/s), "
           "%llu order errors, checksum %llu vs %llu\n",
           (unsigned long long)total, s, (double)total / s / 1e6,
           (unsigned long long)cons.errors, (unsigned long long)cons.checksum,
           (unsigned long long)prod.checksum);
    TEST_ASSERT(cons.errors == 0);
    TEST_ASSERT(cons.checksum == prod.checksum);
    TEST_ASSERT(cn_ringbuffer_read_available(&rb) == 0);
    return 0;
}
