// cn_test.h: the tiny assertion harness of tests/test_*.c. A failed TEST_ASSERT prints
// file:line and the condition and exits 1. A test that cannot run on this machine prints
// the reason and exits 77, which ctest reports as skipped (SKIP_RETURN_CODE).
#ifndef CN_TEST_H
#define CN_TEST_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TEST_ASSERT(cond)                                                        \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

#define TEST_ASSERT_MSG(cond, ...)                                               \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: assertion failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

// Check a cn_status call; prints the library's error message on failure.
#define TEST_OK(call)                                                            \
    do {                                                                         \
        int st_ = (call);                                                        \
        if (st_ != 0) {                                                          \
            fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__, #call, st_, \
                    cn_error_message());                                         \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

#define TEST_NEAR(a, b, tol)                                                     \
    TEST_ASSERT_MSG(fabs((double)(a) - (double)(b)) <= (tol), "%g vs %g (tol %g)", \
                    (double)(a), (double)(b), (double)(tol))

// How many temporary files of an atomic write of `path` (PATH.tmp-XXXXXX) are left.
#include <glob.h>
static inline int cn_test_tmp_left(const char *path) {
    char pat[1024];
    snprintf(pat, sizeof pat, "%s.tmp-*", path);
    glob_t g;
    int n = glob(pat, 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;
    globfree(&g);
    return n;
}

// Path of a file inside the source tree (CN_SOURCE_DIR is a compile definition).
#define CN_SRC(rel) CN_SOURCE_DIR "/" rel

#endif
