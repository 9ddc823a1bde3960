// progress.c: progress reports (cn_progress.h).
#include "core/cn_progress.h"

#include <math.h>
#include <stddef.h>

#include "core/cn_clock.h"

cn_progress cn_progress_blank(const char *event) {
    return (cn_progress){.event = event, .loss = NAN, .loss_avg = NAN, .valid = NAN, .best = NAN,
                         .lr = NAN, .grad_norm = NAN, .items_per_s = NAN, .eta_s = -1};
}

void cn_progress_start(cn_progress_tracker *t, const cn_progress_cb *cb, const char *unit, int64_t total) {
    t->cb = cb ? *cb : (cn_progress_cb){NULL, NULL};
    t->unit = unit;
    t->total = total;
    t->base = 0;
    t->t0 = cn_clock_now();
    t->last = -1.0;
}

void cn_progress_send(cn_progress_tracker *t, int64_t done, cn_progress *p) {
    if (!t->cb.fn) return;
    double now = cn_clock_now();
    p->unit = t->unit;
    p->done = done;
    p->total = t->total;
    p->elapsed_s = now - t->t0;
    p->rate = p->elapsed_s > 0 ? (double)(done - t->base) / p->elapsed_s : 0.0;
    p->eta_s = t->total > 0 && p->rate > 0 ? (double)(t->total - done) / p->rate : -1.0;
    t->last = now;
    t->cb.fn(p, t->cb.user);
}

void cn_progress_update(cn_progress_tracker *t, int64_t done) {
    if (!t->cb.fn) return;
    if (t->last >= 0 && done != t->total && cn_clock_now() - t->last < 0.1) return;
    cn_progress p = cn_progress_blank("progress");
    cn_progress_send(t, done, &p);
}

void cn_progress_finish(cn_progress_tracker *t, int64_t done) {
    cn_progress p = cn_progress_blank("done");
    cn_progress_send(t, done, &p);
}
