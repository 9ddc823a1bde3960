// cn_progress.h: the one progress callback of every long job: render, continue, both
// training loops. The library reports; only the CLI prints (ui/progress.c draws the
// terminal line, the train commands print their logs).
#ifndef CN_PROGRESS_H
#define CN_PROGRESS_H

#include <stdint.h>

typedef struct cn_progress {
    const char *event;     // "progress" while working; a job's own events ("eval",
                           // "checkpoint", "best") and "done" once at the end
    const char *unit;      // what done and total count: "frames", "notes", "steps"
    int64_t done, total;   // total <= 0: unknown
    double elapsed_s;      // since the job started
    double rate;           // units per second so far
    double eta_s;          // from that rate; < 0 when unknown
    // Training metrics, NAN when this report has none:
    double loss, loss_avg; // this step's loss and its moving average, in loss_unit
    double valid, best;    // validation score now and the best so far
    double lr, grad_norm, items_per_s; // items: tokens or samples
    const char *loss_unit; // e.g. "bits/note", "nats/sample"
    const char *path;      // the file a "checkpoint" or "best" event wrote
    const char *detail;    // free text for an event (e.g. per-clip scores), or NULL
} cn_progress;

typedef void (*cn_progress_fn)(const cn_progress *p, void *user);
typedef struct cn_progress_cb {
    cn_progress_fn fn; // NULL: no reports
    void *user;
} cn_progress_cb;

// Fills the timing fields and limits "progress" reports to about ten a second.
typedef struct cn_progress_tracker {
    cn_progress_cb cb;
    const char *unit;
    int64_t total; // may be changed between reports (a schedule stretched to a time budget)
    int64_t base;  // units already done when the job (re)started: rates count from here
    double t0, last;
} cn_progress_tracker;

// A report with every metric NAN and the given event.
cn_progress cn_progress_blank(const char *event);

void cn_progress_start(cn_progress_tracker *t, const cn_progress_cb *cb, const char *unit, int64_t total);
// "progress" at `done` (throttled, except the first report and done == total).
void cn_progress_update(cn_progress_tracker *t, int64_t done);
// Any report (metrics and event filled by the caller) with the timing fields of `done`;
// never throttled.
void cn_progress_send(cn_progress_tracker *t, int64_t done, cn_progress *p);
// The "done" report.
void cn_progress_finish(cn_progress_tracker *t, int64_t done);

#endif
