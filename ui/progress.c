// progress.c: the terminal progress line (cn_ui.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/cn_ui.h"

void cn_ui_format_duration(char *buf, int size, double s) {
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, (size_t)size, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, (size_t)size, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60) snprintf(buf, (size_t)size, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, (size_t)size, "%lds", t);
}

void cn_ui_progress_init(cn_ui_progress *u, const char *label) {
    const char *d = getenv("CONTINUO_PROGRESS_DELAY");
    u->label = label;
    u->tty = isatty(STDERR_FILENO);
    u->drawn = 0;
    u->delay = d && *d ? atof(d) : 2.0;
}

void cn_ui_progress_draw(const cn_progress *p, void *user) {
    cn_ui_progress *u = user;
    if (!u->tty) return;
    int done = !strcmp(p->event, "done");
    if (!done && (strcmp(p->event, "progress") || p->elapsed_s < u->delay)) return;
    if (done && !u->drawn) return; // a short job: no line at all
    char eta[32], line[200];
    int n = snprintf(line, sizeof line, "%s: %lld", u->label, (long long)p->done);
    if (p->total > 0)
        n += snprintf(line + n, sizeof line - (size_t)n, "/%lld %s (%.0f%%)", (long long)p->total, p->unit,
                      100.0 * (double)p->done / (double)p->total);
    else
        n += snprintf(line + n, sizeof line - (size_t)n, " %s", p->unit);
    n += snprintf(line + n, sizeof line - (size_t)n, ", %.0f %s/s", p->rate, p->unit);
    if (done) {
        cn_ui_format_duration(eta, sizeof eta, p->elapsed_s);
        snprintf(line + n, sizeof line - (size_t)n, ", took %s", eta);
    } else if (p->eta_s >= 0) {
        cn_ui_format_duration(eta, sizeof eta, p->eta_s);
        snprintf(line + n, sizeof line - (size_t)n, ", ETA %s", eta);
    }
    fprintf(stderr, "\r\033[K%s%s", line, done ? "\n" : "");
    fflush(stderr);
    u->drawn = 1;
}
