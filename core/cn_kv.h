// cn_kv.h: the one parser of "key=value,key=value" lists (plugin arguments, effect
// parameters). It only splits: what a key means is the caller's.
#ifndef CN_KV_H
#define CN_KV_H

#include <stddef.h>

#include "core/cn_status.h"

typedef struct {
    const char *key, *value; // not NUL-terminated: use the lengths
    size_t key_len, value_len;
    const char *item;        // the whole item, for messages
    size_t item_len;
} cn_kv;

// The next item of the list at *p (advanced past it): 1 with an item, 0 at the end of the
// list. An item without '=' or with an empty key is CN_ERR_ARG, with `what` (e.g.
// "plugin 'eq'") in the message.
int cn_kv_next(const char **p, const char *what, cn_kv *kv, cn_status *st);

// 1 when the item's key is `key`.
int cn_kv_is(const cn_kv *kv, const char *key);

// The value as a C string in buf; CN_ERR_ARG (naming the key) when empty or too long.
cn_status cn_kv_value(const cn_kv *kv, const char *what, char *buf, size_t size);

// Values holding ',', '=' or '%' travel %-escaped (%2C %3D %25): escape into out (the
// error names `what` when it does not fit), and unescape a cn_kv's value.
cn_status cn_kv_escape(const char *value, char *out, size_t size);
cn_status cn_kv_unescape(const cn_kv *kv, const char *what, char *out, size_t size);

#endif
