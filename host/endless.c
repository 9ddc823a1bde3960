// endless.c: live endless mode (cn_endless.h): the melody plugin in the graph, and the
// event thread that keeps the graph's event queue a few seconds ahead of the playhead.
// Playback itself (worker, device, recording, summary) is cmd_play.c's, as for a file.
#include "host/cn_endless.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cn_endless {
    cn_endless_opts o;
    char args[8192];
    cn_graph *g;
    void *mel;       // the graph's melody plugin instance
    int64_t ahead;   // frames
    pthread_t thread;
    int running;
    atomic_int quit; // main -> event thread
    atomic_int *stop; // event thread -> main (playback), only on failure
    cn_status status; // the thread's error, read after join
    char error[512];
};

static cn_status add_arg(char *buf, size_t size, size_t *len, const char *key, const char *val) {
    if (strchr(val, ',') || strchr(val, '='))
        return cn_fail(CN_ERR_ARG, "--%s '%s' may not contain ',' or '='", key, val);
    int n = snprintf(buf + *len, size - *len, "%s%s=%s", *len ? "," : "", key, val);
    if (n < 0 || (size_t)n >= size - *len) return cn_fail(CN_ERR_ARG, "--%s value too long", key);
    *len += (size_t)n;
    return CN_OK;
}

cn_status cn_endless_plugin_args(const cn_endless_opts *o, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = 0;
    char num[5][64];
    snprintf(num[0], sizeof num[0], "%.17g", o->sample.temperature);
    snprintf(num[1], sizeof num[1], "%d", o->sample.top_k);
    snprintf(num[2], sizeof num[2], "%.17g", o->sample.top_p);
    snprintf(num[3], sizeof num[3], "%" PRIu64, o->seed);
    snprintf(num[4], sizeof num[4], "%ld", o->notes);
    cn_status st = CN_OK;
    if (o->primer) st = add_arg(buf, size, &len, "primer", o->primer);
    if (!st && o->model) st = add_arg(buf, size, &len, "model", o->model);
    if (!st && o->ngram_only) st = add_arg(buf, size, &len, "ngram_only", "1");
    for (int i = 0; i < o->n_ngram_data && !st; i++) st = add_arg(buf, size, &len, "ngram_data", o->ngram_data[i]);
    if (!st) st = add_arg(buf, size, &len, "temperature", num[0]);
    if (!st) st = add_arg(buf, size, &len, "top_k", num[1]);
    if (!st) st = add_arg(buf, size, &len, "top_p", num[2]);
    if (!st) st = add_arg(buf, size, &len, "seed", num[3]);
    if (!st) st = add_arg(buf, size, &len, "notes", num[4]);
    if (!st && o->bpm > 0) {
        char bpm[64];
        snprintf(bpm, sizeof bpm, "%.17g", o->bpm);
        st = add_arg(buf, size, &len, "bpm", bpm);
    }
    if (!st && o->melody_out) st = add_arg(buf, size, &len, "record", "1");
    return st;
}

cn_status cn_endless_create(const cn_endless_opts *opts, cn_endless **out) {
    *out = NULL;
    cn_endless *e = calloc(1, sizeof *e);
    if (!e) return cn_fail(CN_ERR_NOMEM, "out of memory");
    e->o = *opts;
    atomic_init(&e->quit, 0);
    cn_status st = cn_endless_plugin_args(opts, e->args, sizeof e->args);
    if (!st) st = cn_melody_plugin_check(e->args);
    if (st) {
        free(e);
        return st;
    }
    *out = e;
    return CN_OK;
}

cn_status cn_endless_prepare(cn_endless *e, const cn_synth_opts *synth, double rate,
                             int max_frames, cn_graph **g) {
    *g = NULL;
    cn_status st = cn_playback_build_graph(synth, rate, max_frames, g);
    if (!st) st = cn_graph_set_event_generator(*g, &cn_melody_plugin, e->args);
    if (st) {
        cn_graph_destroy(*g);
        *g = NULL;
        return st;
    }
    e->g = *g;
    e->mel = cn_graph_event_generator(*g);
    e->ahead = (int64_t)(CN_ENDLESS_AHEAD_MS * rate / 1000);
    return CN_OK;
}

static void nap_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *event_thread(void *arg) {
    cn_endless *e = arg;
    while (!atomic_load_explicit(&e->quit, memory_order_relaxed)) {
        cn_status st = cn_graph_pump_events(e->g, cn_graph_position(e->g) + e->ahead, NULL);
        if (st) {
            e->status = st;
            snprintf(e->error, sizeof e->error, "%s", cn_error_message());
            atomic_store_explicit(e->stop, 1, memory_order_release); // status/error first
            break;
        }
        // A full queue drains within a block; otherwise far below the lookahead.
        nap_ms(cn_graph_events_pending(e->g) ? 2 : 10);
    }
    return NULL;
}

cn_status cn_endless_start(cn_endless *e, atomic_int *stop) {
    cn_return_val_if_fail(e && e->g && stop && !e->running, CN_ERR_ARG);
    e->stop = stop;
    // Before the worker's prefill, so the first notes are on time.
    cn_status st = cn_graph_pump_events(e->g, e->ahead, NULL);
    if (st) return st;
    if (pthread_create(&e->thread, NULL, event_thread, e))
        return cn_fail(CN_ERR_STATE, "cannot start the melody event thread");
    e->running = 1;
    return CN_OK;
}

cn_status cn_endless_stop(cn_endless *e) {
    if (!e || !e->running) return CN_OK;
    atomic_store(&e->quit, 1);
    pthread_join(e->thread, NULL);
    e->running = 0;
    return e->status ? cn_fail(e->status, "melody generator: %s", e->error) : CN_OK;
}

cn_status cn_endless_write_melody(cn_endless *e, int64_t frames) {
    return e->o.melody_out && e->mel ? cn_melody_plugin_write_midi(e->mel, frames, e->o.melody_out) : CN_OK;
}

void cn_endless_counts(const cn_endless *e, int64_t *notes, int64_t *sampled, int64_t *late) {
    *notes = *sampled = *late = 0;
    if (!e->mel) return;
    cn_melody_plugin_counts(e->mel, notes, sampled);
    *late = cn_graph_late_events(e->g);
}

const char *cn_endless_model_name(const cn_endless *e) { return e->mel ? cn_melody_plugin_model(e->mel) : ""; }

const char *cn_endless_notice(const cn_endless *e, int i) {
    return e && e->mel ? cn_melody_plugin_notice(e->mel, i) : NULL;
}

void cn_endless_destroy(cn_endless *e) {
    if (!e) return;
    cn_endless_stop(e);
    free(e);
}
