// safetensors.c: safetensors writer and validating reader (cn_safetensors.h).
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cn_atomic_file.h"
#include "models/nn/cn_safetensors.h"

// Header larger than this is refused before allocating (real headers are a few KB).
#define ST_MAX_HEADER (64u << 20)

#define HINT_SHAPE "hint: the file was made with other hyper-parameters; check its __metadata__"

// ---- writer ------------------------------------------------------------------------

typedef struct st_entry {
    char *name;
    const float *data;
    int ndim, shape[CN_ST_MAX_DIM];
    size_t numel;
} st_entry;

struct cn_st_writer {
    st_entry *t;
    int n, cap;
    cJSON *meta;
};

cn_status cn_st_writer_create(cn_st_writer **out) {
    *out = NULL;
    cn_st_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->meta = cJSON_CreateObject())) {
        free(w);
        return cn_fail(CN_ERR_NOMEM, "out of memory for a safetensors writer");
    }
    *out = w;
    return CN_OK;
}

void cn_st_writer_destroy(cn_st_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->n; i++) free(w->t[i].name);
    free(w->t);
    cJSON_Delete(w->meta);
    free(w);
}

cn_status cn_st_writer_add(cn_st_writer *w, const char *name, const float *data, int ndim,
                           const int *shape) {
    cn_return_val_if_fail(w && name && data && ndim >= 0 && ndim <= CN_ST_MAX_DIM, CN_ERR_ARG);
    if (!strcmp(name, "__metadata__")) return cn_fail(CN_ERR_ARG, "reserved tensor name %s", name);
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->t[i].name, name)) return cn_fail(CN_ERR_ARG, "duplicate tensor %s", name);
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 32;
        st_entry *t = realloc(w->t, (size_t)cap * sizeof *t);
        if (!t) return cn_fail(CN_ERR_NOMEM, "out of memory adding tensor %s", name);
        w->t = t;
        w->cap = cap;
    }
    st_entry *e = &w->t[w->n];
    e->name = strdup(name);
    if (!e->name) return cn_fail(CN_ERR_NOMEM, "out of memory adding tensor %s", name);
    e->data = data;
    e->ndim = ndim;
    e->numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) {
            free(e->name);
            return cn_fail(CN_ERR_ARG, "tensor %s: negative dimension", name);
        }
        e->shape[d] = shape[d];
        e->numel *= (size_t)shape[d];
    }
    w->n++;
    return CN_OK;
}

cn_status cn_st_writer_meta(cn_st_writer *w, const char *key, const char *value) {
    cn_return_val_if_fail(w && key && value, CN_ERR_ARG);
    cJSON *s = cJSON_CreateString(value);
    if (!s) return cn_fail(CN_ERR_NOMEM, "out of memory for metadata %s", key);
    if (cJSON_GetObjectItemCaseSensitive(w->meta, key)) {
        cJSON_ReplaceItemInObjectCaseSensitive(w->meta, key, s);
    } else if (!cJSON_AddItemToObject(w->meta, key, s)) {
        cJSON_Delete(s);
        return cn_fail(CN_ERR_NOMEM, "out of memory for metadata %s", key);
    }
    return CN_OK;
}

cn_status cn_st_writer_meta_int(cn_st_writer *w, const char *key, long value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", value);
    return cn_st_writer_meta(w, key, buf);
}

cn_status cn_st_writer_meta_double(cn_st_writer *w, const char *key, double value) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.9g", value);
    return cn_st_writer_meta(w, key, buf);
}

// The JSON header, padded with spaces so the data starts 8-byte aligned.
static char *build_header(const cn_st_writer *w, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return NULL;
    cJSON *meta = cJSON_Duplicate(w->meta, 1);
    if (!meta || !cJSON_AddItemToObject(root, "__metadata__", meta)) {
        cJSON_Delete(meta);
        cJSON_Delete(root);
        return NULL;
    }
    size_t off = 0;
    int ok = 1;
    for (int i = 0; i < w->n && ok; i++) {
        const st_entry *e = &w->t[i];
        cJSON *t = cJSON_AddObjectToObject(root, e->name);
        cJSON *shape = t ? cJSON_AddArrayToObject(t, "shape") : NULL;
        cJSON *offs = t ? cJSON_AddArrayToObject(t, "data_offsets") : NULL;
        ok = t && shape && offs && cJSON_AddStringToObject(t, "dtype", "F32");
        for (int d = 0; d < e->ndim && ok; d++)
            ok = cJSON_AddItemToArray(shape, cJSON_CreateNumber(e->shape[d]));
        size_t end = off + e->numel * sizeof(float);
        ok = ok && cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off)) &&
             cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)end));
        off = end;
    }
    char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!json) return NULL;
    size_t n = strlen(json), padded = (n + 8 + 7) / 8 * 8 - 8;
    char *out = malloc(padded + 1);
    if (out) {
        memcpy(out, json, n);
        memset(out + n, ' ', padded - n);
        out[padded] = 0;
        *len = padded;
    }
    free(json);
    return out;
}

cn_status cn_st_write(cn_st_writer *w, const char *path) {
    cn_return_val_if_fail(w && path, CN_ERR_ARG);
    size_t hlen = 0;
    char *header = build_header(w, &hlen);
    if (!header) return cn_fail(CN_ERR_NOMEM, "%s: out of memory building the header", path);
    cn_atomic_file af;
    cn_status st = cn_atomic_file_open(&af, path);
    if (st) {
        free(header);
        return st;
    }
    uint8_t len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    int ok = fwrite(len8, 1, 8, af.f) == 8 && fwrite(header, 1, hlen, af.f) == hlen;
    // Tensor data is written as is: the host is little-endian (checked by the reader too).
    for (int i = 0; i < w->n && ok; i++)
        ok = fwrite(w->t[i].data, sizeof(float), w->t[i].numel, af.f) == w->t[i].numel;
    free(header);
    return ok ? cn_atomic_file_commit(&af) : cn_atomic_file_fail(&af);
}

// ---- reader ------------------------------------------------------------------------

struct cn_st_file {
    char *path;
    cJSON *root; // the header, kept for metadata lookups
    cn_st_tensor *t;
    int n;
    float *data; // the data section, malloc'd so it is float-aligned
};

void cn_st_close(cn_st_file *f) {
    if (!f) return;
    cJSON_Delete(f->root);
    free(f->t);
    free(f->data);
    free(f->path);
    free(f);
}

static int host_little_endian(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

// Parse one tensor entry; on failure returns CN_ERR_FORMAT with the reason.
static cn_status parse_entry(const char *label, const cJSON *item, size_t data_size,
                             cn_st_tensor *t) {
    const char *name = item->string;
    if (!cJSON_IsObject(item)) return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: not an object", label, name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs))
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: needs dtype, shape and data_offsets", label, name);
    if (strcmp(dtype->valuestring, "F32"))
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: dtype %s, only F32 is supported", label,
                       name, dtype->valuestring);
    int nd = cJSON_GetArraySize(shape);
    if (nd > CN_ST_MAX_DIM)
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: %d dimensions (max %d)", label, name, nd, CN_ST_MAX_DIM);
    t->name = name;
    t->ndim = nd;
    t->numel = 1;
    int d = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, shape) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2147483647.0 ||
            v->valuedouble != (double)(int)v->valuedouble)
            return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: bad shape entry", label, name);
        t->shape[d++] = (int)v->valuedouble;
        if (t->shape[d - 1] && t->numel > data_size / (size_t)t->shape[d - 1])
            return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: shape larger than the file", label, name);
        t->numel *= (size_t)t->shape[d - 1];
    }
    if (cJSON_GetArraySize(offs) != 2)
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: data_offsets needs 2 numbers", label, name);
    double b = cJSON_GetArrayItem(offs, 0)->valuedouble, e = cJSON_GetArrayItem(offs, 1)->valuedouble;
    if (!cJSON_IsNumber(cJSON_GetArrayItem(offs, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(offs, 1)) ||
        b < 0 || e < b || e > (double)data_size || b != (double)(size_t)b || e != (double)(size_t)e)
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: data_offsets [%.0f,%.0f] outside the %zu data bytes",
                       label, name, b, e, data_size);
    size_t bo = (size_t)b, eo = (size_t)e;
    if (eo - bo != t->numel * sizeof(float))
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: %zu data bytes for %zu floats", label, name,
                       eo - bo, t->numel);
    if (bo % sizeof(float))
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: data offset %zu not 4-byte aligned", label, name, bo);
    t->data = (const float *)(uintptr_t)bo; // rebased onto the data buffer by the caller
    return CN_OK;
}

cn_status cn_st_open_mem(const uint8_t *buf, size_t size, const char *label, cn_st_file **out) {
    cn_return_val_if_fail(buf && label && out, CN_ERR_ARG);
    *out = NULL;
    if (!host_little_endian())
        return cn_fail(CN_ERR_UNSUPPORTED, "%s: big-endian hosts are not supported", label);
    if (size < 8) return cn_fail(CN_ERR_FORMAT, "%s: %zu bytes, too short for a safetensors file", label, size);
    uint64_t hlen = 0;
    for (int i = 0; i < 8; i++) hlen |= (uint64_t)buf[i] << (8 * i);
    if (hlen > size - 8 || hlen > ST_MAX_HEADER)
        return cn_fail(CN_ERR_FORMAT, "%s: header length %llu exceeds the file (%zu bytes): truncated or not safetensors",
                       label, (unsigned long long)hlen, size);
    cn_st_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(label))) {
        free(f);
        return cn_fail(CN_ERR_NOMEM, "%s: out of memory", label);
    }
    cn_status st = CN_OK;
    f->root = cJSON_ParseWithLength((const char *)buf + 8, (size_t)hlen);
    if (!cJSON_IsObject(f->root)) {
        st = cn_fail(CN_ERR_FORMAT, "%s: header is not a JSON object", label);
        goto fail;
    }
    size_t data_size = size - 8 - (size_t)hlen;
    int count = cJSON_GetArraySize(f->root);
    f->t = calloc((size_t)(count > 0 ? count : 1), sizeof *f->t);
    f->data = malloc(data_size ? data_size : 1);
    if (!f->t || !f->data) {
        st = cn_fail(CN_ERR_NOMEM, "%s: out of memory for %zu bytes", label, data_size);
        goto fail;
    }
    memcpy(f->data, buf + 8 + hlen, data_size);
    const cJSON *item;
    cJSON_ArrayForEach(item, f->root) {
        if (!item->string) continue;
        if (!strcmp(item->string, "__metadata__")) {
            const cJSON *m;
            if (!cJSON_IsObject(item)) {
                st = cn_fail(CN_ERR_FORMAT, "%s: __metadata__ is not an object", label);
                goto fail;
            }
            cJSON_ArrayForEach(m, item) if (!cJSON_IsString(m)) {
                st = cn_fail(CN_ERR_FORMAT, "%s: __metadata__.%s is not a string", label, m->string);
                goto fail;
            }
            continue;
        }
        cn_st_tensor *t = &f->t[f->n];
        if ((st = parse_entry(label, item, data_size, t))) goto fail;
        t->data = (const float *)((const uint8_t *)f->data + (uintptr_t)t->data);
        for (int i = 0; i < f->n; i++)
            if (!strcmp(f->t[i].name, t->name)) {
                st = cn_fail(CN_ERR_FORMAT, "%s: tensor %s appears twice", label, t->name);
                goto fail;
            }
        f->n++;
    }
    *out = f;
    return CN_OK;
fail:
    cn_st_close(f);
    return st;
}

cn_status cn_st_open(const char *path, cn_st_file **out) {
    cn_return_val_if_fail(path && out, CN_ERR_ARG);
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) return cn_fail(CN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(fp, 0, SEEK_END) == 0) size = ftell(fp);
    if (size < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        return cn_fail(CN_ERR_IO, "%s: cannot determine the size", path);
    }
    buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        fclose(fp);
        return cn_fail(CN_ERR_NOMEM, "%s: out of memory for %ld bytes", path, size);
    }
    size_t got = fread(buf, 1, (size_t)size, fp);
    fclose(fp);
    cn_status st = got == (size_t)size ? cn_st_open_mem(buf, (size_t)size, path, out)
                                      : cn_fail(CN_ERR_IO, "%s: read error", path);
    free(buf);
    return st;
}

const char *cn_st_path(const cn_st_file *f) { return f->path; }
int cn_st_count(const cn_st_file *f) { return f->n; }

const cn_st_tensor *cn_st_tensor_at(const cn_st_file *f, int i) {
    return i >= 0 && i < f->n ? &f->t[i] : NULL;
}

const cn_st_tensor *cn_st_find(const cn_st_file *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->t[i].name, name)) return &f->t[i];
    return NULL;
}

static void format_shape(char *buf, size_t cap, int ndim, const int *shape) {
    size_t k = (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < ndim && k < cap; d++)
        k += (size_t)snprintf(buf + k, cap - k, d ? ",%d" : "%d", shape[d]);
    if (k < cap) snprintf(buf + k, cap - k, "]");
}

cn_status cn_st_get(const cn_st_file *f, const char *name, int ndim, const int *shape,
                    const float **data) {
    cn_return_val_if_fail(f && name && data && ndim >= 0 && ndim <= CN_ST_MAX_DIM, CN_ERR_ARG);
    *data = NULL;
    const cn_st_tensor *t = cn_st_find(f, name);
    if (!t)
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s missing (hint: not a model of this kind or version)",
                       f->path, name);
    int same = t->ndim == ndim;
    for (int d = 0; d < ndim && same; d++) same = t->shape[d] == shape[d];
    if (!same) {
        char want[128], got[128];
        format_shape(want, sizeof want, ndim, shape);
        format_shape(got, sizeof got, t->ndim, t->shape);
        return cn_fail(CN_ERR_FORMAT, "%s: tensor %s: expected shape %s found %s (%s)", f->path,
                       name, want, got, HINT_SHAPE);
    }
    *data = t->data;
    return CN_OK;
}

const char *cn_st_meta(const cn_st_file *f, const char *key) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(f->root, "__metadata__");
    const cJSON *v = m ? cJSON_GetObjectItemCaseSensitive(m, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

cn_status cn_st_meta_int(const cn_st_file *f, const char *key, long *out) {
    const char *s = cn_st_meta(f, key);
    if (!s) return cn_fail(CN_ERR_FORMAT, "%s: metadata %s missing", f->path, key);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return cn_fail(CN_ERR_FORMAT, "%s: metadata %s = \"%s\" is not an integer", f->path, key, s);
    *out = v;
    return CN_OK;
}

cn_status cn_st_meta_double(const cn_st_file *f, const char *key, double *out) {
    const char *s = cn_st_meta(f, key);
    if (!s) return cn_fail(CN_ERR_FORMAT, "%s: metadata %s missing", f->path, key);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return cn_fail(CN_ERR_FORMAT, "%s: metadata %s = \"%s\" is not a number", f->path, key, s);
    *out = v;
    return CN_OK;
}

cn_status cn_st_check_format(const cn_st_file *f, const char *format, long version) {
    long v;
    return cn_st_check_format_range(f, format, version, version, &v);
}

cn_status cn_st_check_format_range(const cn_st_file *f, const char *format, long lo, long hi,
                                   long *version) {
    const char *fmt = cn_st_meta(f, "format");
    if (!fmt || strcmp(fmt, format))
        return cn_fail(CN_ERR_VERSION, "%s: format \"%s\", expected \"%s\" (hint: wrong kind of model file?)",
                       f->path, fmt ? fmt : "(none)", format);
    long v;
    if (cn_st_meta_int(f, "version", &v))
        return cn_fail(CN_ERR_VERSION, "%s: %s file without a valid version", f->path, format);
    if (v < lo || v > hi) {
        char range[64];
        snprintf(range, sizeof range, lo == hi ? "version %ld" : "versions %ld..%ld", lo, hi);
        return cn_fail(CN_ERR_VERSION, "%s: %s version %ld, this build reads %s (hint: %s)",
                       f->path, format, v, range,
                       v > hi ? "update continuo" : "retrain or convert the model");
    }
    *version = v;
    return CN_OK;
}
