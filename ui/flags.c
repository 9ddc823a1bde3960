// flags.c: the table-driven flag parser (cn_ui.h), on getopt_long.
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui/cn_ui.h"

#define MAX_FLAGS 64

static int set_value(const char *cmd, const cn_flag *f, const char *arg) {
    if (f->seen) *f->seen = 1;
    switch (f->kind) {
    case CN_FLAG_STR: *(const char **)f->dst = arg; return 0;
    case CN_FLAG_SET: *(int *)f->dst = 1; return 0;
    case CN_FLAG_LIST:
    case CN_FLAG_LIST_MANY: {
        cn_flag_list *l = f->dst;
        if (l->n == l->max) return cn_ui_usage_error(cmd, "--%s given more than %d times", f->name, l->max);
        l->items[l->n++] = arg;
        return 0;
    }
    case CN_FLAG_INT:
    case CN_FLAG_LONG:
    case CN_FLAG_U64: {
        long v, lo = (long)f->lo, hi = f->hi >= 9.2e18 ? LONG_MAX : (long)f->hi; // (long)2^63 would overflow
        if (!cn_ui_parse_int(arg, lo, hi, &v))
            return cn_ui_usage_error(cmd, "--%s must be %ld..%ld, got '%s'", f->name, lo, hi, arg);
        if (f->kind == CN_FLAG_INT) *(int *)f->dst = (int)v;
        else if (f->kind == CN_FLAG_LONG) *(long *)f->dst = v;
        else *(uint64_t *)f->dst = (uint64_t)v;
        return 0;
    }
    case CN_FLAG_FLOAT:
    case CN_FLAG_DBL: {
        double v;
        if (!cn_ui_parse_double(arg, f->lo, f->hi, &v))
            return cn_ui_usage_error(cmd, "--%s must be a number in [%g, %g], got '%s'", f->name, f->lo, f->hi, arg);
        if (f->kind == CN_FLAG_FLOAT) *(float *)f->dst = (float)v;
        else *(double *)f->dst = v;
        return 0;
    }
    }
    return 2;
}

int cn_ui_flags_parse(const char *cmd, const cn_flag *flags, int n_flags, int argc, char **argv,
                      const char **pos, int max_pos, int *n_pos) {
    struct option opts[MAX_FLAGS + 2];
    char shorts[2 * MAX_FLAGS + 4] = "-:h"; // '-': arguments in order, so LIST_MANY sees its own
    size_t ns = 3;
    if (n_flags > MAX_FLAGS) return cn_ui_usage_error(cmd, "too many flags");
    for (int i = 0; i < n_flags; i++) {
        int arg = flags[i].kind != CN_FLAG_SET;
        opts[i] = (struct option){flags[i].name, arg ? required_argument : no_argument, 0, 256 + i};
        if (flags[i].short_name) {
            shorts[ns++] = flags[i].short_name;
            if (arg) shorts[ns++] = ':';
        }
    }
    shorts[ns] = 0;
    opts[n_flags] = (struct option){"help", no_argument, 0, 'h'};
    opts[n_flags + 1] = (struct option){0, 0, 0, 0};
    opterr = 0;
    optind = 1;
    *n_pos = 0;
    const cn_flag *many = NULL; // the LIST_MANY flag whose arguments continue
    for (int c; (c = getopt_long(argc, argv, shorts, opts, NULL)) != -1;) {
        if (c == 1) { // an argument that is not a flag
            int rc = 0;
            if (many) rc = set_value(cmd, many, optarg);
            else if (*n_pos == max_pos) rc = cn_ui_usage_error(cmd, "unexpected argument '%s'", optarg);
            else pos[(*n_pos)++] = optarg;
            if (rc) return rc;
            continue;
        }
        many = NULL;
        if (c == 'h') return 1;
        if (c == ':') return cn_ui_usage_error(cmd, "%s needs a value", argv[optind - 1]);
        int i = c - 256;
        for (int k = 0; k < n_flags && (i < 0 || i >= n_flags); k++)
            if (flags[k].short_name == c) i = k;
        if (i < 0 || i >= n_flags) return cn_ui_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        int rc = set_value(cmd, &flags[i], optarg);
        if (rc) return rc;
        if (flags[i].kind == CN_FLAG_LIST_MANY) many = &flags[i];
    }
    for (int i = optind; i < argc; i++) { // after "--"
        if (*n_pos == max_pos) return cn_ui_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        pos[(*n_pos)++] = argv[i];
    }
    return 0;
}
