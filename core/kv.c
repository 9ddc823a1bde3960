// kv.c: "key=value,..." lists (cn_kv.h).
#include "core/cn_kv.h"

#include <string.h>

int cn_kv_next(const char **p, const char *what, cn_kv *kv, cn_status *st) {
    *st = CN_OK;
    if (!*p || !**p) return 0;
    const char *s = *p;
    size_t len = strcspn(s, ",");
    *p = s + len + (s[len] == ',');
    const char *eq = memchr(s, '=', len);
    *kv = (cn_kv){.item = s, .item_len = len};
    if (!eq || eq == s) {
        *st = cn_fail(CN_ERR_ARG, "%s: expected key=value, got '%.*s'", what, (int)len, s);
        return 0;
    }
    kv->key = s;
    kv->key_len = (size_t)(eq - s);
    kv->value = eq + 1;
    kv->value_len = len - kv->key_len - 1;
    return 1;
}

int cn_kv_is(const cn_kv *kv, const char *key) {
    return strlen(key) == kv->key_len && !memcmp(kv->key, key, kv->key_len);
}

cn_status cn_kv_value(const cn_kv *kv, const char *what, char *buf, size_t size) {
    if (kv->value_len == 0 || kv->value_len >= size)
        return cn_fail(CN_ERR_ARG, "%s: %s value for '%.*s'", what, kv->value_len ? "too long a" : "no",
                       (int)kv->key_len, kv->key);
    memcpy(buf, kv->value, kv->value_len);
    buf[kv->value_len] = 0;
    return CN_OK;
}

cn_status cn_kv_escape(const char *value, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = value; *p; p++) {
        const char *esc = *p == ',' ? "%2C" : *p == '=' ? "%3D" : *p == '%' ? "%25" : NULL;
        size_t len = esc ? 3 : 1;
        if (n + len >= size) return cn_fail(CN_ERR_RANGE, "value too long to record: %.40s...", value);
        if (esc) memcpy(out + n, esc, 3);
        else out[n] = *p;
        n += len;
    }
    out[n] = 0;
    return CN_OK;
}

cn_status cn_kv_unescape(const cn_kv *kv, const char *what, char *out, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < kv->value_len; i++) {
        char c = kv->value[i];
        if (c == '%') {
            if (i + 2 >= kv->value_len)
                return cn_fail(CN_ERR_FORMAT, "%s: bad escape in '%.*s'", what, (int)kv->key_len, kv->key);
            const char *e = kv->value + i;
            c = !strncmp(e, "%2C", 3) ? ',' : !strncmp(e, "%3D", 3) ? '=' : !strncmp(e, "%25", 3) ? '%' : 0;
            if (!c) return cn_fail(CN_ERR_FORMAT, "%s: bad escape in '%.*s'", what, (int)kv->key_len, kv->key);
            i += 2;
        }
        if (n + 1 >= size) return cn_fail(CN_ERR_RANGE, "%s: '%.*s' too long", what, (int)kv->key_len, kv->key);
        out[n++] = c;
    }
    out[n] = 0;
    return CN_OK;
}
