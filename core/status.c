// status.c: error codes and the thread-local last-error message (see cn_status.h).
#include "core/cn_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char cn_errbuf[512];

const char *cn_status_str(cn_status s) {
    switch (s) {
    case CN_OK: return "ok";
    case CN_ERR_ARG: return "invalid argument";
    case CN_ERR_IO: return "i/o error";
    case CN_ERR_FORMAT: return "format error";
    case CN_ERR_NOMEM: return "out of memory";
    case CN_ERR_VERSION: return "version mismatch";
    case CN_ERR_DEVICE: return "audio device error";
    case CN_ERR_UNSUPPORTED: return "unsupported";
    case CN_ERR_STATE: return "invalid state";
    case CN_ERR_RANGE: return "out of range";
    }
    return "unknown error";
}

cn_status cn_fail(cn_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cn_errbuf, sizeof cn_errbuf, fmt, ap);
    va_end(ap);
    return s;
}

const char *cn_error_message(void) { return cn_errbuf; }
void cn_error_clear(void) { cn_errbuf[0] = 0; }

cn_status cn_fail_prefix(cn_status s, const char *fmt, ...) {
    char msg[sizeof cn_errbuf], ctx[sizeof cn_errbuf];
    snprintf(msg, sizeof msg, "%s", cn_errbuf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    size_t n = strlen(ctx);
    if (n + 2 < sizeof cn_errbuf) {
        memcpy(cn_errbuf, ctx, n);
        memcpy(cn_errbuf + n, ": ", 2);
        size_t room = sizeof cn_errbuf - n - 3, m = strlen(msg);
        memcpy(cn_errbuf + n + 2, msg, m < room ? m : room);
        cn_errbuf[n + 2 + (m < room ? m : room)] = 0;
    } else {
        memcpy(cn_errbuf, ctx, sizeof cn_errbuf - 1);
        cn_errbuf[sizeof cn_errbuf - 1] = 0;
    }
    return s;
}
