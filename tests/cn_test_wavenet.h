// cn_test_wavenet.h: what the WaveNet tests share: loading a model file that must be
// refused, with the status wanted (0: any failure) and a piece of the error message.
#ifndef CN_TEST_WAVENET_H
#define CN_TEST_WAVENET_H

#include <string.h>

#include "cn_test.h"
#include "models/wavenet/cn_wn_io.h"

static inline void cn_test_wn_refused(const char *p, cn_status want, const char *needle) {
    cn_wn_model *m = NULL;
    cn_status st = cn_wn_load(p, &m, NULL, NULL, NULL);
    const char *base = strrchr(p, '/');
    printf("  %s -> %s\n", base ? base + 1 : p, cn_error_message());
    TEST_ASSERT_MSG(st != CN_OK && m == NULL, "%s loaded", p);
    if (want) TEST_ASSERT_MSG(st == want, "status %d, wanted %d", st, want);
    TEST_ASSERT_MSG(strstr(cn_error_message(), needle), "message lacks '%s'", needle);
}

#endif
