// cn_alloc_count.h: counts heap allocations for the tests that prove a real-time path
// never allocates (include it in exactly one test .c; each test is its own executable).
// Normally by interposing malloc/calloc/realloc/posix_memalign/aligned_alloc/free in the
// executable (forwarding to glibc's __libc_* functions). Under ASan/TSan, whose runtime
// owns malloc, the sanitizer's allocation hooks count instead, so nothing is skipped.
// Set `counting` around the section under test (on the thread that runs it); read
// n_allocs / n_frees.
#ifndef CN_ALLOC_COUNT_H
#define CN_ALLOC_COUNT_H
#include <stdio.h>
#include <stdlib.h>

#include "cn_test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CN_SANITIZER_ALLOC 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define CN_SANITIZER_ALLOC 1
#endif
#endif

static volatile long n_allocs, n_frees; // counted only while `counting` is set
// Per thread: only the thread under test counts. The sanitizers' runtimes allocate on
// their own account when any thread starts (ASan's thread setup calls pthread_getattr_np,
// which reallocs), and their hooks see those allocations too.
static _Thread_local int counting;

#ifdef CN_SANITIZER_ALLOC
// From sanitizer/allocator_interface.h (not shipped with every compiler).
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static void on_malloc(const volatile void *p, size_t n) {
    (void)p;
    (void)n;
    n_allocs += counting;
}
static void on_free(const volatile void *p) {
    (void)p;
    n_frees += counting;
}
static void cn_alloc_count_setup(void) {
    TEST_ASSERT(__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0);
    printf("counting allocations with the sanitizer's malloc/free hooks\n");
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t n) {
    n_allocs += counting;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
    n_allocs += counting;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
    n_allocs += counting;
    return __libc_realloc(p, n);
}
int posix_memalign(void **p, size_t align, size_t n) {
    n_allocs += counting;
    *p = __libc_memalign(align, n);
    return *p ? 0 : 12; // ENOMEM
}
void *aligned_alloc(size_t align, size_t n) {
    n_allocs += counting;
    return __libc_memalign(align, n);
}
void free(void *p) {
    n_frees += counting && p;
    __libc_free(p);
}
static void cn_alloc_count_setup(void) {
    // Prove the interposition is live before trusting a zero.
    counting = 1;
    void *volatile p = malloc(16);
    free(p);
    counting = 0;
    TEST_ASSERT_MSG(n_allocs == 1 && n_frees == 1, "malloc interposition not active");
    n_allocs = n_frees = 0;
    printf("counting allocations by interposing malloc/calloc/realloc/posix_memalign/free\n");
}
#endif

#endif
