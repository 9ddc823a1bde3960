// LABELS: tsan;unit
// test_wavenet_threads.c: a poly rendering on several threads (cn_wn_poly_set_threads)
// gives every voice the samples it gets on one thread, bit for bit, for any number of
// sounding voices (fewer voices than threads, uneven shares) and blocks of any length,
// and survives changing its thread count between renders. Run under TSan too: the
// helpers share the model's weights and write only their own voices and rows.
#include <stdlib.h>
#include <string.h>

#include "cn_test.h"
#include "cn_test_wavenet.h"
#include "models/wavenet/cn_wavenet.h"
#include "models/wavenet/cn_wn_synth.h"

enum { V = 7, N = 400 };

// Voices 0..V-1 with their own notes and seeds; block b renders the first
// 1 + (b % V) of them (in rotating order) for 1 + 37 * b % 61 samples.
static void render_all(cn_wn_poly *p, float *all, int *len_out) {
    for (int v = 0; v < V; v++) {
        cn_wn_poly_reset(p, v, v % 2, 200 + (uint64_t)v);
        cn_wn_poly_note_on(p, v, 50 + 4 * v, 100);
    }
    float blk[V * 64];
    int t[V] = {0};
    for (int b = 0; b < 60; b++) {
        int idx[V], n = 1 + b % V, len = 1 + 37 * b % 61;
        for (int k = 0; k < n; k++) idx[k] = (k + b) % V;
        for (int k = 0; k < n; k++)
            if (t[idx[k]] + len > N) len = N - t[idx[k]];
        if (len <= 0) break;
        cn_wn_poly_render(p, idx, n, blk, len);
        for (int k = 0; k < n; k++) {
            memcpy(all + (size_t)idx[k] * N + t[idx[k]], blk + (size_t)k * len, sizeof(float) * (size_t)len);
            t[idx[k]] += len;
        }
    }
    for (int v = 0; v < V; v++) len_out[v] = t[v];
}

int main(void) {
    cn_wn_model *m = cn_test_wn_two_instruments(9);

    cn_wn_poly *one, *many;
    TEST_OK(cn_wn_poly_create(m, V, 0.7f, &one));
    TEST_OK(cn_wn_poly_create(m, V, 0.7f, &many));
    TEST_ASSERT(cn_wn_poly_threads(one) == 1);
    TEST_ASSERT(cn_wn_poly_set_threads(many, 0) == CN_ERR_RANGE);
    TEST_ASSERT(cn_wn_poly_set_threads(many, CN_WN_POLY_MAX_THREADS + 1) == CN_ERR_RANGE);
    float *ref = calloc((size_t)V * N, sizeof(float)), *got = calloc((size_t)V * N, sizeof(float));
    TEST_ASSERT(ref && got);
    int len_ref[V], len_got[V];
    render_all(one, ref, len_ref);
    double energy = 0.0;
    for (size_t i = 0; i < (size_t)V * N; i++) energy += (double)ref[i] * ref[i];
    TEST_ASSERT_MSG(energy > 0.0, "the voices rendered silence");
    const int counts[] = {2, 3, CN_WN_POLY_MAX_THREADS, 1, 2};
    for (int c = 0; c < (int)(sizeof counts / sizeof *counts); c++) {
        TEST_OK(cn_wn_poly_set_threads(many, counts[c]));
        TEST_ASSERT(cn_wn_poly_threads(many) == counts[c]);
        memset(got, 0, sizeof(float) * V * N);
        render_all(many, got, len_got);
        for (int v = 0; v < V; v++) {
            TEST_ASSERT(len_got[v] == len_ref[v]);
            TEST_ASSERT_MSG(!memcmp(got + (size_t)v * N, ref + (size_t)v * N, sizeof(float) * N),
                            "voice %d differs on %d threads", v, counts[c]);
        }
        printf("%d threads: %d voices x %d samples == one thread, bit for bit\n", counts[c], V, len_ref[0]);
    }
    free(ref);
    free(got);
    cn_wn_poly_destroy(one);
    cn_wn_poly_destroy(many);
    cn_wn_destroy(m);
    return 0;
}
