// play_endless.c: live endless mode (cn_endless.h): the primer, the predictor (shipped
// transformer + n-gram, or the n-gram alone), the graph with its event queue, and the
// generator thread that keeps the queue a few seconds ahead of the playhead. Playback
// itself (worker, device, recording, summary) is cmd_play.c's, as for a MIDI file.
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "host/cn_endless.h"
#include "models/melody/cn_melody_stream.h"
#include "models/cn_midi.h"
#include "models/nn/cn_nn.h"
#include "core/cn_paths.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"

#define MAX_TEXT_PRIMER 16384
#define VELOCITY 90

// The first fill runs on the main thread before the worker drains anything, so the
// lookahead must fit the queue: at most two events per note of one tick (1/12 beat).
_Static_assert(2 * CN_ENDLESS_AHEAD_MS * CN_ENDLESS_MAX_BPM * CN_TICKS_PER_BEAT / 60000 + 2 <=
                   CN_ENDLESS_QUEUE,
               "the endless lookahead does not fit the event queue");

typedef struct {
    cn_mevent ev;
    int64_t onset; // frame
} played_note;

struct cn_endless {
    cn_endless_opts o;
    char default_primer[CN_PATH_MAX]; // o.primer when none was given
    char notices[2][256];             // for the CLI to print (the library never prints)
    int n_notices;
    cn_melody primer;
    cn_event_seq primer_ev;
    cn_melody_cond cond;
    double bpm;
    cn_predictor pred;
    cn_mstream *stream;
    cn_graph *g;
    int64_t ahead; // frames
    pthread_t thread;
    int running;
    atomic_int quit;                  // main -> generator
    atomic_int *stop;                 // generator -> main (playback), only on failure
    cn_status status;                 // the generator's error, read after join
    char error[512];
    atomic_llong notes, sampled, late; // generator -> main
    played_note *played;              // with --melody-out: every note queued
    int64_t n_played, cap_played;
};

// ---- primer -----------------------------------------------------------------------------

static int has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

// A MIDI file, a file holding text notation (data/demo/primer.txt), or notation itself.
static cn_status load_primer(const char *arg, cn_melody *mel) {
    struct stat sb;
    if (stat(arg, &sb) || !S_ISREG(sb.st_mode) || has_suffix(arg, ".mid") || has_suffix(arg, ".midi"))
        return cn_primer_load(arg, mel);
    FILE *f = fopen(arg, "rb");
    if (!f) return cn_fail(CN_ERR_IO, "cannot open primer %s", arg);
    char text[MAX_TEXT_PRIMER];
    size_t n = fread(text, 1, sizeof text - 1, f);
    int too_long = !feof(f);
    fclose(f);
    if (n >= 4 && !memcmp(text, "MThd", 4)) return cn_primer_load(arg, mel);
    if (too_long)
        return cn_fail(CN_ERR_FORMAT, "primer %s: not MIDI, and too long for text notation "
                                      "(over %d bytes)", arg, MAX_TEXT_PRIMER - 1);
    text[n] = 0;
    for (size_t i = 0; i < n; i++) // notation is one line; a file may hold several
        if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t') text[i] = ' ';
    cn_status st = cn_primer_load(text, mel);
    if (!st) return CN_OK;
    return cn_fail_prefix(st, "primer %s", arg);
}

static void add_notice(cn_endless *e, const char *text) {
    if (e->n_notices < 2) snprintf(e->notices[e->n_notices++], sizeof e->notices[0], "%s", text);
}

const char *cn_endless_notice(const cn_endless *e, int i) {
    return e && i >= 0 && i < e->n_notices ? e->notices[i] : NULL;
}

cn_status cn_endless_create(const cn_endless_opts *opts, cn_endless **out) {
    *out = NULL;
    cn_endless *e = calloc(1, sizeof *e);
    if (!e) return cn_fail(CN_ERR_NOMEM, "out of memory");
    e->o = *opts;
    cn_status st = CN_OK;
    if (!e->o.primer &&
        !(st = cn_share_path("data/demo/primer.txt", e->default_primer, sizeof e->default_primer)))
        e->o.primer = e->default_primer;
    cn_melody_init(&e->primer);
    if (!st) st = load_primer(e->o.primer, &e->primer);
    char path[1024];
    if (!st && e->o.model) st = cn_predictor_resolve(e->o.model, path, sizeof path);
    if (!st) st = cn_events_from_melody(&e->primer, &e->primer_ev);
    if (!st && e->primer_ev.n == 0)
        st = cn_fail(CN_ERR_FORMAT, "primer %s has no notes", e->o.primer);
    if (st) {
        cn_endless_destroy(e);
        return st;
    }
    if (cn_events_clamp(&e->primer_ev))
        add_notice(e, "primer notes or rests longer than 8 beats were shortened to 8 beats for the model");
    // Key and meter from the primer; style and length unknown (the tune never ends).
    int meter = e->primer.meter_num > 0 ? cn_meter_index(e->primer.meter_num, e->primer.meter_den) : -1;
    e->cond = (cn_melody_cond){cn_melody_key_index(&e->primer), meter, -1, -1};
    e->bpm = opts->bpm > 0 ? opts->bpm : e->primer.bpm;
    if (e->bpm > CN_ENDLESS_MAX_BPM) {
        st = cn_fail(CN_ERR_RANGE, "primer %s: tempo %g bpm is above %d (set one with --bpm)",
                     e->o.primer, e->bpm, CN_ENDLESS_MAX_BPM);
        cn_endless_destroy(e);
        return st;
    }
    atomic_init(&e->quit, 0);
    atomic_init(&e->notes, 0);
    atomic_init(&e->sampled, 0);
    atomic_init(&e->late, 0);
    *out = e;
    return CN_OK;
}

// ---- predictor and graph ------------------------------------------------------------------

static cn_status open_predictor(cn_endless *e) {
    cn_predictor_opts po = {.model = e->o.model, .ngram_only = e->o.ngram_only,
                            .ngram_data = e->o.ngram_data, .n_ngram_data = e->o.n_ngram_data};
    char path[1024];
    if (!po.model && !po.ngram_only && cn_predictor_resolve(NULL, path, sizeof path)) {
        add_notice(e, "no shipped melody transformer (preset '" CN_PREDICTOR_DEFAULT_MODEL
                      "'): continuing with the n-gram alone");
        po.ngram_only = 1;
    }
    cn_blas_set_threads(1); // one token's matrix-vector products: too small to share
    return cn_predictor_open(&po, &e->pred);
}

// A graph for the synth options with no notes of its own: every note (the primer's too)
// comes through the queue on the stream's one timeline.
static cn_status build_graph(const cn_synth_opts *synth, double rate, int max_frames,
                             cn_graph **g) {
    *g = NULL;
    cn_status st = cn_playback_build_graph(synth, rate, max_frames, g);
    if (!st) st = cn_graph_enable_queue(*g, CN_ENDLESS_QUEUE);
    if (st && *g) {
        cn_graph_destroy(*g);
        *g = NULL;
    }
    return st;
}

cn_status cn_endless_prepare(cn_endless *e, const cn_synth_opts *synth, double rate,
                             int max_frames, cn_graph **g) {
    cn_status st = open_predictor(e);
    if (!st) st = build_graph(synth, rate, max_frames, g);
    if (st) return st;
    cn_mstream_config cfg = cn_mstream_config_default();
    cfg.rate = rate;
    cfg.bpm = e->bpm;
    cfg.velocity = VELOCITY;
    cfg.sample = e->o.sample;
    cfg.seed = e->o.seed;
    cfg.cond = e->cond;
    st = cn_mstream_create(&cfg, e->pred.model, &e->primer_ev, &e->stream);
    if (st) {
        cn_graph_destroy(*g);
        *g = NULL;
        return st;
    }
    e->g = *g;
    e->ahead = (int64_t)(CN_ENDLESS_AHEAD_MS * rate / 1000);
    return CN_OK;
}

// ---- generator thread ---------------------------------------------------------------------

static void nap_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

// Queue one event; the queue never blocks the worker, so when it is full the generator
// waits here for the worker to drain it. 0 if asked to quit meanwhile.
static int push(cn_endless *e, const cn_note_event *ev) {
    while (!cn_graph_queue_event(e->g, ev)) {
        if (atomic_load_explicit(&e->quit, memory_order_relaxed)) return 0;
        nap_ms(2);
    }
    return 1;
}

static cn_status remember(cn_endless *e, const cn_mevent *ev, int64_t onset) {
    if (e->n_played == e->cap_played) {
        int64_t cap = e->cap_played ? 2 * e->cap_played : 256;
        played_note *p = realloc(e->played, (size_t)cap * sizeof *p);
        if (!p) return cn_fail(CN_ERR_NOMEM, "out of memory for the played melody");
        e->played = p;
        e->cap_played = cap;
    }
    e->played[e->n_played++] = (played_note){*ev, onset};
    return CN_OK;
}

// Draw and queue notes until the next onset lies `ahead` frames past the playhead.
static cn_status fill(cn_endless *e) {
    while (!atomic_load_explicit(&e->quit, memory_order_relaxed) &&
           cn_mstream_next_frame(e->stream) <= cn_graph_position(e->g) + e->ahead) {
        cn_mevent ev;
        cn_note_event on, off;
        int sampled;
        cn_status st = cn_mstream_next(e->stream, &ev, &on, &off, &sampled);
        if (!st && e->o.melody_out) st = remember(e, &ev, on.frame);
        if (st) return st;
        if (on.frame < cn_graph_position(e->g)) atomic_fetch_add(&e->late, 1);
        if (!push(e, &on) || !push(e, &off)) break;
        atomic_fetch_add(&e->notes, 1);
        if (sampled) atomic_fetch_add(&e->sampled, 1);
    }
    return CN_OK;
}

static void *generator(void *arg) {
    cn_endless *e = arg;
    while (!atomic_load_explicit(&e->quit, memory_order_relaxed)) {
        cn_status st = fill(e);
        if (st) {
            e->status = st;
            snprintf(e->error, sizeof e->error, "%s", cn_error_message());
            atomic_store_explicit(e->stop, 1, memory_order_release); // status/error first
            break;
        }
        nap_ms(10); // far below the lookahead: the queue stays ~CN_ENDLESS_AHEAD_MS ahead
    }
    return NULL;
}

cn_status cn_endless_start(cn_endless *e, atomic_int *stop) {
    cn_return_val_if_fail(e && e->stream && stop && !e->running, CN_ERR_ARG);
    e->stop = stop;
    cn_status st = fill(e); // before the worker's prefill, so the first notes are on time
    if (st) return st;
    if (pthread_create(&e->thread, NULL, generator, e))
        return cn_fail(CN_ERR_STATE, "cannot start the melody generator thread");
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

// ---- results ---------------------------------------------------------------------------

cn_status cn_endless_write_melody(cn_endless *e, int64_t frames) {
    if (!e->o.melody_out) return CN_OK;
    int64_t n = 0;
    while (n < e->n_played && e->played[n].onset < frames) n++;
    if (n > INT32_MAX) return cn_fail(CN_ERR_RANGE, "too many notes for one MIDI file");
    cn_event_seq seq = {malloc((size_t)(n ? n : 1) * sizeof *seq.ev), (int)n,
                        e->primer_ev.lead_rest};
    if (!seq.ev) return cn_fail(CN_ERR_NOMEM, "out of memory for the played melody");
    for (int64_t i = 0; i < n; i++) seq.ev[i] = e->played[i].ev;
    cn_melody mel;
    cn_melody_init(&mel);
    cn_status st = cn_events_to_melody(&seq, VELOCITY, &mel);
    cn_events_free(&seq);
    char text[512];
    snprintf(text, sizeof text, "continuo play --endless: model=%s seed=%" PRIu64
             " temperature=%g top_k=%d top_p=%g bpm=%g notes=%" PRId64, e->pred.name,
             e->o.seed, e->o.sample.temperature, e->o.sample.top_k, e->o.sample.top_p, e->bpm, n);
    mel.meter_num = e->primer.meter_num;
    mel.meter_den = e->primer.meter_den;
    mel.has_key = e->primer.has_key;
    mel.key_sharps = e->primer.key_sharps;
    mel.key_minor = e->primer.key_minor;
    mel.bpm = e->bpm;
    if (!st) st = cn_melody_write_midi(&mel, e->o.melody_out, text);
    cn_melody_free(&mel);
    return st;
}

void cn_endless_counts(const cn_endless *e, int64_t *notes, int64_t *sampled, int64_t *late) {
    *notes = atomic_load(&e->notes);
    *sampled = atomic_load(&e->sampled);
    *late = atomic_load(&e->late);
}

const char *cn_endless_model_name(const cn_endless *e) { return e->pred.name; }

void cn_endless_destroy(cn_endless *e) {
    if (!e) return;
    cn_endless_stop(e);
    cn_mstream_destroy(e->stream);
    cn_predictor_close(&e->pred);
    cn_events_free(&e->primer_ev);
    cn_melody_free(&e->primer);
    free(e->played);
    free(e);
}
