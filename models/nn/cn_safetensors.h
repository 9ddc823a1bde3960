// cn_safetensors: model files in the safetensors format (docs/DESIGN.md "Model files"):
// 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
// data_offsets}, "__metadata__": {string: string}}, then the raw little-endian tensor
// data. Only float32 ("F32") tensors are written or accepted.
//
// Writer: collect tensors (pointers, not copies: keep the data alive until write) and
// metadata, then write atomically (PATH.tmp, fsync, rename; the temporary is removed on
// any failure, so PATH is never half-written).
// Reader: reads the whole file, validates every length, offset, dtype and shape before
// use, and answers lookups with messages that name the file, the tensor, expected versus
// found, and a hint. `__metadata__.format` is the magic and `version` the structural
// version; cn_st_check_format checks both.
#ifndef CN_SAFETENSORS_H
#define CN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/cn_status.h"

#define CN_ST_MAX_DIM 8

// ---- writer ------------------------------------------------------------------------
typedef struct cn_st_writer cn_st_writer;

cn_status cn_st_writer_create(cn_st_writer **out);
void cn_st_writer_destroy(cn_st_writer *w); // NULL is a no-op
// Add a float32 tensor of shape[ndim]; `data` is referenced until cn_st_write returns.
cn_status cn_st_writer_add(cn_st_writer *w, const char *name, const float *data, int ndim,
                           const int *shape);
// Set a metadata string (a later value for the same key replaces the earlier one).
cn_status cn_st_writer_meta(cn_st_writer *w, const char *key, const char *value);
cn_status cn_st_writer_meta_int(cn_st_writer *w, const char *key, long value);
cn_status cn_st_writer_meta_double(cn_st_writer *w, const char *key, double value);
cn_status cn_st_write(cn_st_writer *w, const char *path);

// ---- reader ------------------------------------------------------------------------
typedef struct cn_st_tensor {
    const char *name;
    int ndim;
    int shape[CN_ST_MAX_DIM];
    size_t numel;
    const float *data; // aligned for float access, owned by the file
} cn_st_tensor;

typedef struct cn_st_file cn_st_file;

cn_status cn_st_open(const char *path, cn_st_file **out);
// Parse an in-memory image; `label` names it in messages (fuzzers, tests).
cn_status cn_st_open_mem(const uint8_t *data, size_t size, const char *label, cn_st_file **out);
void cn_st_close(cn_st_file *f); // NULL is a no-op

const char *cn_st_path(const cn_st_file *f);
int cn_st_count(const cn_st_file *f);
const cn_st_tensor *cn_st_tensor_at(const cn_st_file *f, int i); // in file order
const cn_st_tensor *cn_st_find(const cn_st_file *f, const char *name); // NULL if absent

// The data of tensor `name`, which must have exactly shape[ndim]. Errors:
// "FILE: tensor NAME: expected shape [a,b] found [c,d] (hint: ...)", or missing.
cn_status cn_st_get(const cn_st_file *f, const char *name, int ndim, const int *shape,
                    const float **data);

// Metadata value or NULL. _int/_double fail with a message when absent or malformed.
const char *cn_st_meta(const cn_st_file *f, const char *key);
cn_status cn_st_meta_int(const cn_st_file *f, const char *key, long *out);
cn_status cn_st_meta_double(const cn_st_file *f, const char *key, double *out);

// CN_ERR_VERSION unless metadata format == `format` and version == `version`.
cn_status cn_st_check_format(const cn_st_file *f, const char *format, long version);
// The same for a file format that reads versions lo..hi; *version = the file's.
cn_status cn_st_check_format_range(const cn_st_file *f, const char *format, long lo, long hi,
                                   long *version);

#endif
