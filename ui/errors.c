// errors.c: the one place continuo prints errors, and strict flag-value parsing.
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_dist.h"
#include "ui/cn_ui.h"

int cn_ui_error(const char *cmd, const char *fmt, ...) {
    if (cn_dist_rank() != 0) return 1;
    fprintf(stderr, "continuo %s: ", cmd);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
    } else {
        fputs(cn_error_message()[0] ? cn_error_message() : "failed", stderr);
    }
    fputc('\n', stderr);
    return 1;
}

int cn_ui_usage_error(const char *cmd, const char *fmt, ...) {
    if (cn_dist_rank() != 0) return 2;
    fprintf(stderr, "continuo %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'continuo %s --help')\n", cmd);
    return 2;
}

int cn_ui_parse_int(const char *s, long lo, long hi, long *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

int cn_ui_parse_range(const char *s, long lo, long hi, long *a, long *b) {
    if (!s) return 0;
    const char *dash = strchr(s, '-');
    size_t n = dash ? (size_t)(dash - s) : strlen(s);
    char first[32];
    if (n == 0 || n >= sizeof first) return 0;
    memcpy(first, s, n);
    first[n] = 0;
    if (!cn_ui_parse_int(first, lo, hi, a)) return 0;
    if (!dash) {
        *b = *a;
        return 1;
    }
    return cn_ui_parse_int(dash + 1, *a, hi, b);
}

size_t cn_ui_command_line(char *buf, size_t n, const char *prefix, int argc, char **argv) {
    size_t k = (size_t)snprintf(buf, n, "%s", prefix);
    for (int i = 1; i < argc && k < n; i++) k += (size_t)snprintf(buf + k, n - k, " %s", argv[i]);
    return k < n ? k : n - 1;
}

int cn_ui_parse_double(const char *s, double lo, double hi, double *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}
