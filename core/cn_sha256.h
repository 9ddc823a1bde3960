// cn_sha256.h: SHA-256 (FIPS 180-4) of memory and of files, for the short model hashes
// that `continuo --version` prints (the same digests as sha256sum).
#ifndef CN_SHA256_H
#define CN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "core/cn_status.h"

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
} cn_sha256;

void cn_sha256_init(cn_sha256 *s);
void cn_sha256_update(cn_sha256 *s, const void *data, size_t n);
void cn_sha256_final(cn_sha256 *s, uint8_t digest[32]);

// The digest of a file as 64 lowercase hex digits and a NUL.
cn_status cn_sha256_file(const char *path, char hex[65]);

#endif
