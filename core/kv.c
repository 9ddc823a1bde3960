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
