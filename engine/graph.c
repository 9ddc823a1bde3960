// graph.c: generator -> effect chain, with sample-accurate note events (cn_graph.h).
// The chain-spec parser lives in graph_chain.c.
#include "engine/cn_graph.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_kv.h"
#include "engine/cn_evqueue.h"

typedef struct {
    const cn_plugin_desc *desc;
    void *self;
    void *right;  // mono effect in a stereo chain: the instance for the right channel
    int stereo;   // cn_plugin_channels(desc, self) == 2
} node;

struct cn_graph {
    double rate;
    int max_frames, channels;
    int stereo;        // the chain's signal is stereo after the nodes added so far
    node gen;
    int gen_queued;    // the generator's "queued" parameter (cn_graph_set_queued), or -1
    node events;       // an event generator feeding the queue, or none
    cn_note_event pending[CN_GRAPH_PUMP_BLOCK]; // generated, not yet queued (queue full)
    int n_pending, next_pending;
    node fx[CN_GRAPH_MAX_EFFECTS];
    int n_fx;
    cn_note_event *ev; // sorted, [n_ev] of [ev_cap]; [0, next_ev) already delivered
    int n_ev, next_ev, ev_cap;
    int64_t pos;       // absolute frame of the generator's next sample (worker's copy)
    int64_t out_pos;   // frames output so far: pos - latency once the pre-roll is done
    int64_t latency, preroll; // the chain's delay; frames still to run ahead and drop
    cn_evqueue *queue; // live events from another thread, or NULL
    atomic_llong shared_pos, dropped, late; // for other threads
    float *left, *right; // [max_frames] each: the signal between nodes
    float *block;      // [max_frames * channels] interleaved, for cn_graph_render
};

cn_status cn_graph_create(double rate, int max_frames, int channels, cn_graph **out) {
    cn_return_val_if_fail(out != NULL, CN_ERR_ARG);
    if (channels != 1 && channels != 2) return cn_fail(CN_ERR_RANGE, "%d output channels (1 or 2)", channels);
    if (!(rate >= 1000 && rate <= 768000))
        return cn_fail(CN_ERR_RANGE, "sample rate %g Hz out of range (1000..768000)", rate);
    if (max_frames < 1 || max_frames > 1 << 16)
        return cn_fail(CN_ERR_RANGE, "block size %d out of range (1..65536)", max_frames);
    cn_graph *g = calloc(1, sizeof *g);
    if (!g || !(g->block = malloc((size_t)max_frames * (size_t)channels * sizeof *g->block)) ||
        !(g->left = calloc((size_t)max_frames, sizeof *g->left)) ||
        !(g->right = calloc((size_t)max_frames, sizeof *g->right))) {
        if (g) free(g->block), free(g->left);
        free(g);
        return cn_fail(CN_ERR_NOMEM, "out of memory creating the graph");
    }
    g->rate = rate;
    g->max_frames = max_frames;
    g->channels = channels;
    atomic_init(&g->shared_pos, 0);
    atomic_init(&g->dropped, 0);
    atomic_init(&g->late, 0);
    *out = g;
    return CN_OK;
}

static void node_destroy(node *n) {
    if (n->desc && n->self) n->desc->destroy(n->self);
    if (n->desc && n->right) n->desc->destroy(n->right);
    *n = (node){0};
}

void cn_graph_destroy(cn_graph *g) {
    if (!g) return;
    node_destroy(&g->gen);
    node_destroy(&g->events);
    for (int i = 0; i < g->n_fx; i++) node_destroy(&g->fx[i]);
    free(g->ev);
    cn_evqueue_destroy(g->queue);
    free(g->block);
    free(g->left);
    free(g->right);
    free(g);
}

// ---- instances ------------------------------------------------------------------------

static int param_index(const cn_plugin_desc *d, const char *name, size_t len) {
    for (int i = 0; i < d->n_params; i++)
        if (strlen(d->params[i].name) == len && !strncmp(d->params[i].name, name, len)) return i;
    return -1;
}

// Split args into parameter settings (checked, applied after prepare) and the rest
// (for create). `rest` has room for strlen(args)+1 chars.
typedef struct {
    int index;
    float value;
} param_set;

static cn_status split_args(const cn_plugin_desc *d, const char *args, char *rest,
                            param_set *sets, int max_sets, int *n_sets) {
    *n_sets = 0;
    rest[0] = 0;
    size_t rlen = 0;
    char what[96];
    snprintf(what, sizeof what, "plugin '%s'", d->id);
    cn_kv kv;
    cn_status st = CN_OK;
    for (const char *p = args; cn_kv_next(&p, what, &kv, &st);) {
        int idx = param_index(d, kv.key, kv.key_len);
        if (idx >= 0) {
            char num[64], *vend;
            if ((st = cn_kv_value(&kv, what, num, sizeof num))) return st;
            float v = strtof(num, &vend);
            const cn_param_desc *pd = &d->params[idx];
            if (*vend || v != v)
                return cn_fail(CN_ERR_ARG, "plugin '%s': '%s' for %s is not a number", d->id,
                               num, pd->name);
            if (v < pd->min || v > pd->max)
                return cn_fail(CN_ERR_RANGE, "plugin '%s': %s=%g out of range [%g, %g]", d->id,
                               pd->name, (double)v, (double)pd->min, (double)pd->max);
            if (*n_sets == max_sets)
                return cn_fail(CN_ERR_ARG, "plugin '%s': too many parameters", d->id);
            sets[(*n_sets)++] = (param_set){idx, v};
        } else {
            if (rlen) rest[rlen++] = ',';
            memcpy(rest + rlen, kv.item, kv.item_len);
            rlen += kv.item_len;
            rest[rlen] = 0;
        }
    }
    return st;
}

// Create, configure and prepare one instance.
static cn_status instance_create(cn_graph *g, const cn_plugin_desc *d, const char *rest,
                                 const param_set *sets, int n_sets, void **out) {
    void *self = NULL;
    cn_status st = d->create(rest[0] ? rest : NULL, &self);
    if (st) return st;
    // Parameters before prepare, so that prepare builds everything for them once (a
    // reverb's impulse response) and process() never has heavy work to catch up on.
    if (n_sets && !d->set_param) {
        d->destroy(self);
        return cn_fail(CN_ERR_UNSUPPORTED, "plugin '%s' cannot set parameters", d->id);
    }
    for (int i = 0; i < n_sets; i++) d->set_param(self, sets[i].index, sets[i].value);
    st = d->prepare(self, g->rate, g->max_frames);
    if (st) {
        d->destroy(self);
        return st;
    }
    *out = self;
    return CN_OK;
}

// A node: one instance, and a second for the right channel when a mono effect follows a
// stereo node in a stereo graph (`dual`).
static cn_status node_create(cn_graph *g, node *n, const cn_plugin_desc *d, const char *args, int dual) {
    enum { MAX_SETS = 64 };
    param_set sets[MAX_SETS];
    int n_sets;
    char *rest = malloc(args ? strlen(args) + 1 : 1);
    if (!rest) return cn_fail(CN_ERR_NOMEM, "out of memory");
    cn_status st = split_args(d, args, rest, sets, MAX_SETS, &n_sets);
    node made = {.desc = d};
    if (!st) st = instance_create(g, d, rest, sets, n_sets, &made.self);
    if (!st) made.stereo = d->kind != CN_PLUGIN_EVENT_GENERATOR && cn_plugin_channels(d, made.self) == 2;
    if (!st && d->kind != CN_PLUGIN_EVENT_GENERATOR && !made.stereo && !d->process)
        st = cn_fail(CN_ERR_FORMAT, "plugin '%s' has no mono process function", d->id);
    if (!st && dual && !made.stereo) st = instance_create(g, d, rest, sets, n_sets, &made.right);
    free(rest);
    if (st) {
        node_destroy(&made);
        return st;
    }
    *n = made;
    return CN_OK;
}

cn_status cn_graph_set_generator(cn_graph *g, const cn_plugin_desc *gen, const char *args) {
    cn_return_val_if_fail(g && gen, CN_ERR_ARG);
    if (gen->kind != CN_PLUGIN_GENERATOR)
        return cn_fail(CN_ERR_ARG, "plugin '%s' is not an audio generator", gen->id);
    if (g->n_fx) return cn_fail(CN_ERR_STATE, "the generator must be set before the effects");
    node n;
    cn_status st = node_create(g, &n, gen, args, 0);
    if (st) return st;
    node_destroy(&g->gen);
    g->gen = n;
    g->stereo = n.stereo && g->channels == 2;
    g->gen_queued = param_index(gen, "queued", strlen("queued"));
    return CN_OK;
}

cn_status cn_graph_add_effect(cn_graph *g, const cn_plugin_desc *fx, const char *args) {
    cn_return_val_if_fail(g && fx, CN_ERR_ARG);
    if (fx->kind != CN_PLUGIN_EFFECT)
        return cn_fail(CN_ERR_ARG, "plugin '%s' is not an effect", fx->id);
    if (g->n_fx == CN_GRAPH_MAX_EFFECTS)
        return cn_fail(CN_ERR_RANGE, "effect chain too long (at most %d)", CN_GRAPH_MAX_EFFECTS);
    cn_status st = node_create(g, &g->fx[g->n_fx], fx, args, g->stereo);
    if (st) return st;
    if (g->fx[g->n_fx].stereo && g->channels == 2) g->stereo = 1;
    g->n_fx++;
    return CN_OK;
}

int cn_graph_effect_count(const cn_graph *g) { return g->n_fx; }

void *cn_graph_effect(const cn_graph *g, int i, const cn_plugin_desc **desc) {
    if (i < 0 || i >= g->n_fx) return NULL;
    if (desc) *desc = g->fx[i].desc;
    return g->fx[i].self;
}

void *cn_graph_generator(const cn_graph *g, const cn_plugin_desc **desc) {
    if (desc) *desc = g->gen.desc;
    return g->gen.self;
}

void cn_graph_set_queued(cn_graph *g, double seconds) {
    if (g->gen.desc && g->gen_queued >= 0 && g->gen.desc->set_param)
        g->gen.desc->set_param(g->gen.self, g->gen_queued, (float)seconds);
}

cn_status cn_graph_set_latency(cn_graph *g, int64_t frames) {
    cn_return_val_if_fail(g && frames >= 0, CN_ERR_ARG);
    if (g->pos || g->out_pos) return cn_fail(CN_ERR_STATE, "graph latency set after processing started");
    g->latency = g->preroll = frames;
    return CN_OK;
}

cn_status cn_graph_set_event_generator(cn_graph *g, const cn_plugin_desc *d, const char *args) {
    cn_return_val_if_fail(g && d && !g->events.desc, CN_ERR_ARG);
    if (d->kind != CN_PLUGIN_EVENT_GENERATOR)
        return cn_fail(CN_ERR_ARG, "plugin '%s' is not an event generator", d->id);
    cn_status st = g->queue ? CN_OK : cn_graph_enable_queue(g, CN_GRAPH_EVENT_QUEUE);
    if (!st) st = node_create(g, &g->events, d, args, 0);
    return st;
}

void *cn_graph_event_generator(const cn_graph *g) { return g->events.self; }

cn_status cn_graph_pump_events(cn_graph *g, int64_t until, int *queued) {
    cn_return_val_if_fail(g && g->events.desc, CN_ERR_STATE);
    int n = 0;
    for (;;) {
        while (g->next_pending < g->n_pending) {
            if (!cn_evqueue_push(g->queue, &g->pending[g->next_pending])) goto full;
            g->next_pending++;
            n++;
        }
        int got = g->events.desc->generate(g->events.self, until, g->pending, CN_GRAPH_PUMP_BLOCK);
        if (got < 0) return cn_fail_prefix(CN_ERR_STATE, "%s", g->events.desc->id);
        g->n_pending = got;
        g->next_pending = 0;
        if (got == 0) break;
    }
full:
    if (queued) *queued = n;
    return CN_OK;
}

int cn_graph_events_pending(const cn_graph *g) { return g->next_pending < g->n_pending; }

int64_t cn_graph_events_end(const cn_graph *g) {
    if (!g->events.desc) return cn_graph_last_event_frame(g);
    if (g->next_pending < g->n_pending || !g->events.desc->tail_frames) return -1;
    return g->events.desc->tail_frames(g->events.self);
}

// ---- events ---------------------------------------------------------------------------

// Order of events on one frame: note-offs (and all-off) first, then controls, program
// changes and bends (so a note starting there hears them), then note-ons.
static int ev_rank(const cn_note_event *e) {
    return e->type == CN_EV_NOTE_ON ? 2 : e->type == CN_EV_NOTE_OFF || e->type == CN_EV_ALL_OFF ? 0 : 1;
}

// Merge sort (stable, so equal events keep their given order).
static void sort_events(cn_note_event *a, cn_note_event *tmp, int n) {
    if (n < 2) return;
    int h = n / 2;
    sort_events(a, tmp, h);
    sort_events(a + h, tmp, n - h);
    int i = 0, j = h, k = 0;
    while (i < h && j < n) {
        const cn_note_event *x = &a[i], *y = &a[j];
        int y_first = y->frame < x->frame || (y->frame == x->frame && ev_rank(y) < ev_rank(x));
        tmp[k++] = y_first ? a[j++] : a[i++];
    }
    while (i < h) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}

// Room for the events given plus a full queue's worth, so draining never allocates.
static cn_status reserve_events(cn_graph *g, int n) {
    int cap = n + (g->queue ? (int)g->queue->capacity : 0);
    cn_note_event *copy = malloc((size_t)(cap ? cap : 1) * sizeof *copy);
    if (!copy) return cn_fail(CN_ERR_NOMEM, "out of memory for %d note events", cap);
    if (g->n_ev > g->next_ev)
        memcpy(copy, g->ev + g->next_ev, (size_t)(g->n_ev - g->next_ev) * sizeof *copy);
    g->n_ev -= g->next_ev;
    g->next_ev = 0;
    free(g->ev);
    g->ev = copy;
    g->ev_cap = cap;
    return CN_OK;
}

cn_status cn_graph_set_events(cn_graph *g, const cn_note_event *ev, int n) {
    cn_return_val_if_fail(g && n >= 0 && (n == 0 || ev), CN_ERR_ARG);
    cn_note_event *tmp = malloc((size_t)(n ? n : 1) * sizeof *tmp);
    if (!tmp) return cn_fail(CN_ERR_NOMEM, "out of memory for %d note events", n);
    g->n_ev = g->next_ev = 0;
    cn_status st = reserve_events(g, n);
    if (st) {
        free(tmp);
        return st;
    }
    if (n) memcpy(g->ev, ev, (size_t)n * sizeof *ev);
    sort_events(g->ev, tmp, n);
    free(tmp);
    g->n_ev = n;
    g->pos = g->out_pos = 0;
    g->preroll = g->latency;
    atomic_store_explicit(&g->shared_pos, 0, memory_order_relaxed);
    return CN_OK;
}

cn_status cn_graph_enable_queue(cn_graph *g, int capacity) {
    cn_return_val_if_fail(g && !g->queue, CN_ERR_ARG);
    cn_status st = cn_evqueue_create((size_t)capacity, &g->queue);
    if (!st) st = reserve_events(g, g->n_ev);
    return st;
}

int cn_graph_queue_event(cn_graph *g, const cn_note_event *ev) {
    if (cn_evqueue_push(g->queue, ev)) return 1;
    atomic_fetch_add_explicit(&g->dropped, 1, memory_order_relaxed);
    return 0;
}

int64_t cn_graph_late_events(const cn_graph *g) {
    return atomic_load_explicit(&g->late, memory_order_relaxed);
}

int64_t cn_graph_dropped_events(const cn_graph *g) {
    return atomic_load_explicit(&g->dropped, memory_order_relaxed);
}

// Worker thread: move queued events into the sorted list (insertion from the end: they
// mostly arrive in time order). Delivered events are compacted away when space runs out.
static void drain_queue(cn_graph *g) {
    cn_note_event e;
    for (;;) {
        if (g->n_ev == g->ev_cap) {
            memmove(g->ev, g->ev + g->next_ev, (size_t)(g->n_ev - g->next_ev) * sizeof e);
            g->n_ev -= g->next_ev;
            g->next_ev = 0;
        }
        // A full queue's worth still pending: the rest waits in the queue (the producer
        // sees it full and drops and counts) until delivered events make room.
        if (g->n_ev == g->ev_cap || !cn_evqueue_pop(g->queue, &e)) break;
        int i = g->n_ev;
        while (i > g->next_ev && (g->ev[i - 1].frame > e.frame ||
                                  (g->ev[i - 1].frame == e.frame && ev_rank(&g->ev[i - 1]) > ev_rank(&e)))) {
            g->ev[i] = g->ev[i - 1];
            i--;
        }
        g->ev[i] = e; // a late event (frame < pos) sounds at the start of this block
        if (e.frame < g->pos && e.type == CN_EV_NOTE_ON) atomic_fetch_add_explicit(&g->late, 1, memory_order_relaxed);
        g->n_ev++;
    }
}

int64_t cn_graph_last_event_frame(const cn_graph *g) {
    return g->n_ev ? g->ev[g->n_ev - 1].frame : 0;
}

int64_t cn_graph_tail_frames(const cn_graph *g) {
    int64_t t = 0;
    if (g->gen.desc && g->gen.desc->tail_frames) t += g->gen.desc->tail_frames(g->gen.self);
    for (int i = 0; i < g->n_fx; i++)
        if (g->fx[i].desc->tail_frames) t += g->fx[i].desc->tail_frames(g->fx[i].self);
    return t;
}

int64_t cn_graph_voices_stolen(const cn_graph *g) {
    const cn_plugin_desc *d = g->gen.desc;
    return d && d->abi_version >= 3 && d->voices_stolen ? d->voices_stolen(g->gen.self) : 0;
}

int64_t cn_graph_voices_stolen_tails(const cn_graph *g) {
    const cn_plugin_desc *d = g->gen.desc;
    return d && d->abi_version >= 4 && d->voices_stolen_tails ? d->voices_stolen_tails(g->gen.self) : 0;
}

// ---- processing -----------------------------------------------------------------------

// Worker thread: one node over frames [0, n) of the signal, which is stereo (left and
// right) or mono (left) as *stereo says; a stereo node's output is mixed down when the
// graph is mono.
static void node_run(cn_graph *g, node *nd, int64_t pos, float *l, float *r, int n, int *stereo) {
    const int gen = nd->desc->kind == CN_PLUGIN_GENERATOR;
    if (nd->stereo) {
        if (!gen && !*stereo) memcpy(r, l, (size_t)n * sizeof *r);
        nd->desc->process_stereo(nd->self, pos, gen ? NULL : l, gen ? NULL : r, l, r, n);
        if (g->channels == 2) *stereo = 1;
        else
            for (int i = 0; i < n; i++) l[i] = 0.5f * (l[i] + r[i]);
    } else {
        nd->desc->process(nd->self, pos, gen ? NULL : l, l, n);
        if (*stereo) nd->desc->process(nd->right, pos, gen ? NULL : r, r, n);
    }
}

// Worker thread: no malloc, locks, I/O or printf. The generator block is cut at every
// event frame, so an event always lands on the first sample of a process() call.
static void run_block(cn_graph *g, float *out, int frames) {
    const int64_t start = g->pos;
    int done = 0, stereo = 0;
    if (g->queue) drain_queue(g);
    while (done < frames) {
        while (g->next_ev < g->n_ev && g->ev[g->next_ev].frame <= g->pos) {
            if (g->gen.desc && g->gen.desc->note_event)
                g->gen.desc->note_event(g->gen.self, &g->ev[g->next_ev]);
            g->next_ev++;
        }
        int n = frames - done;
        if (g->next_ev < g->n_ev && g->ev[g->next_ev].frame < g->pos + n)
            n = (int)(g->ev[g->next_ev].frame - g->pos);
        stereo = 0;
        if (g->gen.desc)
            node_run(g, &g->gen, g->pos, g->left + done, g->right + done, n, &stereo);
        else
            memset(g->left + done, 0, (size_t)n * sizeof *g->left);
        g->pos += n;
        done += n;
    }
    for (int i = 0; i < g->n_fx; i++) node_run(g, &g->fx[i], start, g->left, g->right, frames, &stereo);
    const float *l = g->left, *r = stereo ? g->right : g->left;
    if (g->channels == 1) memcpy(out, l, (size_t)frames * sizeof *out);
    else
        for (int i = 0; i < frames; i++) out[2 * i] = l[i], out[2 * i + 1] = r[i];
}

void cn_graph_process(cn_graph *g, float *out, int frames) {
    // A chain that delays the sound by `latency` frames: before the first output, run the
    // generator and the chain that far ahead and drop what comes out (the delay's silence),
    // so output frame t is the chain's response to generator frame t.
    while (g->preroll > 0) {
        int n = g->preroll < frames ? (int)g->preroll : frames;
        run_block(g, out, n);
        g->preroll -= n;
    }
    run_block(g, out, frames);
    g->out_pos += frames;
    atomic_store_explicit(&g->shared_pos, g->out_pos, memory_order_release);
}

int64_t cn_graph_position(const cn_graph *g) {
    return atomic_load_explicit(&g->shared_pos, memory_order_acquire);
}

int cn_graph_max_frames(const cn_graph *g) { return g->max_frames; }
int cn_graph_channels(const cn_graph *g) { return g->channels; }
double cn_graph_rate(const cn_graph *g) { return g->rate; }

cn_status cn_graph_render(cn_graph *g, cn_sink *sink, int64_t frames, const cn_progress_cb *progress) {
    cn_return_val_if_fail(g && sink && (frames >= 0 || (frames == CN_GRAPH_UNTIL_END && g->events.desc)),
                          CN_ERR_ARG);
    cn_progress_tracker tr;
    cn_progress_start(&tr, progress, "frames", frames > 0 ? frames : 0);
    const int64_t start = g->out_pos;
    for (int64_t done = 0; frames < 0 || done < frames;) {
        int n = g->max_frames;
        if (g->events.desc) { // the events of this block (and of a pre-roll) first, then the block
            cn_status st = cn_graph_pump_events(g, g->pos + g->preroll + n, NULL);
            if (st) return st;
            if (cn_graph_events_pending(g))
                return cn_fail(CN_ERR_STATE, "more than %d note events in one block of %d frames",
                               CN_GRAPH_EVENT_QUEUE, n);
            int64_t end = frames < 0 ? cn_graph_events_end(g) : -1;
            if (end >= 0) tr.total = frames = end + cn_graph_tail_frames(g) - start;
        }
        if (frames >= 0 && frames - done < n) n = (int)(frames - done);
        if (n <= 0) break;
        cn_graph_process(g, g->block, n);
        cn_status st = sink->write(sink, g->block, n);
        if (st) return st;
        done += n;
        cn_progress_update(&tr, done);
    }
    cn_progress_finish(&tr, frames);
    return CN_OK;
}
