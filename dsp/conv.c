// conv.c: uniformly partitioned overlap-save convolution (cn_conv.h).
// Block b of input is transformed once (2B-point real FFT of [block b-1, block b]) into
// slot b of a ring of spectra (the frequency-domain delay line); the output block is
// IFFT(sum_p X_{b-p} H_p), whose last B samples are the linear convolution, because
// partition H_p holds h[pB .. pB+B-1] zero-padded to 2B.
#include "dsp/cn_conv.h"

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/cn_fft.h"

struct cn_conv {
    int B, nbins, max_parts, parts; // partition size, B+1 bins, capacity, partitions in use
    int pos, head;                  // fill position in the current block; newest FDL slot
    float *time;                    // [2B] FFT input: previous block, current block
    float *inblk, *outblk;          // [B] current input block; output block being played
    float *acc_t;                   // [2B] IFFT output
    fftwf_complex *spec, *acc;      // [B+1] scratch spectrum, accumulator
    fftwf_complex *H, *X;           // [max_parts][B+1] IR partitions, input delay line
    fftwf_plan fwd, inv;
};

void cn_conv_destroy(cn_conv *c) {
    if (!c) return;
    cn_fft_destroy(c->fwd);
    cn_fft_destroy(c->inv);
    fftwf_free(c->time);
    fftwf_free(c->inblk);
    fftwf_free(c->outblk);
    fftwf_free(c->acc_t);
    fftwf_free(c->spec);
    fftwf_free(c->acc);
    fftwf_free(c->H);
    fftwf_free(c->X);
    free(c);
}

cn_status cn_conv_create(int block, int max_ir, cn_conv **out) {
    cn_return_val_if_fail(out, CN_ERR_ARG);
    *out = NULL;
    if (block < 8 || block > 8192 || (block & (block - 1)) || max_ir < 1)
        return cn_fail(CN_ERR_ARG, "conv: bad partition size %d (power of two 8..8192) or IR "
                                   "length %d", block, max_ir);
    cn_conv *c = calloc(1, sizeof *c);
    if (!c) return cn_fail(CN_ERR_NOMEM, "conv: out of memory");
    c->B = block;
    c->nbins = block + 1;
    c->max_parts = (max_ir + block - 1) / block;
    size_t spectra = (size_t)c->max_parts * (size_t)c->nbins;
    c->time = fftwf_alloc_real(2 * (size_t)block);
    c->inblk = fftwf_alloc_real((size_t)block);
    c->outblk = fftwf_alloc_real((size_t)block);
    c->acc_t = fftwf_alloc_real(2 * (size_t)block);
    c->spec = fftwf_alloc_complex((size_t)c->nbins);
    c->acc = fftwf_alloc_complex((size_t)c->nbins);
    c->H = fftwf_alloc_complex(spectra);
    c->X = fftwf_alloc_complex(spectra);
    if (!c->time || !c->inblk || !c->outblk || !c->acc_t || !c->spec || !c->acc || !c->H || !c->X) {
        cn_conv_destroy(c);
        return cn_fail(CN_ERR_NOMEM, "conv: out of memory for %d partitions of %d", c->max_parts,
                       block);
    }
    // FFTW_ESTIMATE: no measuring, so plans (and results) do not depend on timing.
    c->fwd = cn_fft_plan_r2c(2 * block, c->time, c->spec);
    c->inv = cn_fft_plan_c2r(2 * block, c->acc, c->acc_t);
    if (!c->fwd || !c->inv) {
        cn_conv_destroy(c);
        return cn_fail(CN_ERR_NOMEM, "conv: cannot plan FFT of size %d", 2 * block);
    }
    memset(c->H, 0, sizeof(fftwf_complex) * spectra);
    cn_conv_reset(c);
    *out = c;
    return CN_OK;
}

int cn_conv_latency(const cn_conv *c) { return c->B; }

void cn_conv_reset(cn_conv *c) {
    memset(c->time, 0, sizeof(float) * 2 * (size_t)c->B);
    memset(c->inblk, 0, sizeof(float) * (size_t)c->B);
    memset(c->outblk, 0, sizeof(float) * (size_t)c->B);
    memset(c->X, 0, sizeof(fftwf_complex) * (size_t)c->max_parts * (size_t)c->nbins);
    c->pos = 0;
    c->head = 0;
}

void cn_conv_set_ir(cn_conv *c, const float *h, int n) {
    int B = c->B;
    if (n > c->max_parts * B) n = c->max_parts * B;
    if (n < 0) n = 0;
    c->parts = (n + B - 1) / B;
    for (int p = 0; p < c->parts; p++) {
        int len = n - p * B < B ? n - p * B : B;
        memset(c->time, 0, sizeof(float) * 2 * (size_t)B);
        memcpy(c->time, h + (size_t)p * B, sizeof(float) * (size_t)len);
        fftwf_execute(c->fwd);
        memcpy(c->H + (size_t)p * c->nbins, c->spec, sizeof(fftwf_complex) * (size_t)c->nbins);
    }
    cn_conv_reset(c);
}

// One full input block: push its spectrum into the delay line and compute the next
// output block. Worker thread: no allocation.
static void conv_block(cn_conv *c) {
    int B = c->B, nb = c->nbins;
    memmove(c->time, c->time + B, sizeof(float) * (size_t)B);
    memcpy(c->time + B, c->inblk, sizeof(float) * (size_t)B);
    fftwf_execute(c->fwd);
    c->head = (c->head + 1) % c->max_parts;
    memcpy(c->X + (size_t)c->head * nb, c->spec, sizeof(fftwf_complex) * (size_t)nb);
    memset(c->acc, 0, sizeof(fftwf_complex) * (size_t)nb);
    for (int p = 0; p < c->parts; p++) {
        int slot = c->head - p;
        if (slot < 0) slot += c->max_parts;
        const fftwf_complex *x = c->X + (size_t)slot * nb, *h = c->H + (size_t)p * nb;
        for (int k = 0; k < nb; k++) {
            c->acc[k][0] += x[k][0] * h[k][0] - x[k][1] * h[k][1];
            c->acc[k][1] += x[k][0] * h[k][1] + x[k][1] * h[k][0];
        }
    }
    fftwf_execute(c->inv);
    const float scale = 1.0f / (2.0f * B); // FFTW transforms are unnormalised
    for (int i = 0; i < B; i++) c->outblk[i] = c->acc_t[B + i] * scale;
}

// Worker thread: no allocation, locks or I/O.
void cn_conv_process(cn_conv *c, const float *in, float *out, int n) {
    for (int i = 0; i < n; i++) {
        float x = in[i]; // read before writing: in may equal out
        out[i] = c->outblk[c->pos];
        c->inblk[c->pos] = x;
        if (++c->pos == c->B) {
            c->pos = 0;
            conv_block(c);
        }
    }
}
