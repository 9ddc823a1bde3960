// cn_lv2_test.h: what the LV2 tests share: skip (exit 77) without LV2 support or without
// the Debian plugin packages they use, and run an `lv2` effect instance on a signal.
#ifndef CN_LV2_TEST_H
#define CN_LV2_TEST_H
#include <stdio.h>
#include <stdlib.h>

#include "host/cn_lv2.h"
#include "cn_test.h"

#define LV2T_RATE 48000.0
#define LV2T_BLOCK 256

#define URI_FIL4 "http://gareus.org/oss/lv2/fil4#mono"         // x42-plugins: parametric EQ
#define URI_FIL4_STEREO "http://gareus.org/oss/lv2/fil4#stereo"
#define URI_NODELAY "http://gareus.org/oss/lv2/nodelay"         // x42-plugins: delay, reports latency
#define URI_BALANCE "http://gareus.org/oss/lv2/balance"         // x42-plugins: 2 in, 2 out
#define URI_DELAY "http://plugin.org.uk/swh-plugins/delay_n"    // swh-lv2: delay line
#define URI_SPLIT "http://plugin.org.uk/swh-plugins/split"      // swh-lv2: 1 in, 2 out
#define URI_CALF_EQ5 "http://calf.sourceforge.net/plugins/Equalizer5Band" // calf-plugins: 2 in, 2 out

// Exit 77 unless this build hosts LV2 and every URI (NULL-terminated) is installed.
static inline void lv2t_require(const char *const *uris) {
    if (!cn_lv2_available()) {
        printf("skipped: built without lilv\n");
        exit(77);
    }
    for (int i = 0; uris[i]; i++) {
        cn_lv2_info *info = NULL;
        int n = 0;
        if (cn_lv2_list(uris[i], &info, &n)) {
            printf("skipped: %s is not installed (Debian: swh-lv2, x42-plugins)\n", uris[i]);
            exit(77);
        }
        cn_lv2_list_free(info, n);
    }
}

// A prepared `lv2` instance for args ("uri=URI,SYMBOL=VALUE,...").
static inline void *lv2t_make(const char *args) {
    void *fx = NULL;
    TEST_OK(cn_lv2_effect_plugin.create(args, &fx));
    TEST_OK(cn_lv2_effect_plugin.prepare(fx, LV2T_RATE, LV2T_BLOCK));
    return fx;
}

// Process `n` samples in blocks of 1..LV2T_BLOCK frames of varying size (in == out).
static inline void lv2t_run(void *fx, float *buf, int n) {
    int64_t pos = 0;
    for (int k = 0; pos < n; k++) {
        int len = 1 + (k * 97) % LV2T_BLOCK;
        if (len > n - pos) len = (int)(n - pos);
        cn_lv2_effect_plugin.process(fx, pos, buf + pos, buf + pos, len);
        pos += len;
    }
}

#endif
