// melody_plugin.c: the melody model as an event-generator plugin (cn_melody_plugin.h).
// create() does the slow, failing work (primer, predictor); prepare() sets the timeline's
// rate; generate() draws notes from a cn_mstream until the next onset reaches `until`.
#include "models/melody/cn_melody_plugin.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cn_kv.h"
#include "core/cn_paths.h"
#include "models/cn_midi.h"
#include "models/melody/cn_melody_stream.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_primer.h"
#include "models/nn/cn_nn.h"

#define WHAT "plugin 'melody'"
#define MAX_NGRAM_DATA 8

typedef struct {
    cn_mevent ev;
    int64_t onset; // frame
} played_note;

typedef struct melody {
    // settings (create's args)
    char primer_arg[CN_PATH_MAX], model[CN_PATH_MAX], ngram_data[MAX_NGRAM_DATA][CN_PATH_MAX];
    int n_ngram_data, ngram_only, record, velocity;
    cn_sample_config sample;
    uint64_t seed;
    double bpm;
    long notes; // 0 = endless
    // state
    cn_melody primer;
    cn_event_seq primer_ev;
    cn_melody_cond cond;
    cn_predictor pred;
    cn_mstream *stream;
    char notices[2][256];
    int n_notices;
    atomic_llong emitted, sampled;
    int64_t end; // frame of the last note-off once finished, else -1
    played_note *played;
    int64_t n_played, cap_played;
} melody;

static void add_notice(melody *m, const char *text) {
    if (m->n_notices < 2) snprintf(m->notices[m->n_notices++], sizeof m->notices[0], "%s", text);
}

static cn_status number(const cn_kv *kv, double lo, double hi, double *out) {
    char buf[64], *end;
    cn_status st = cn_kv_value(kv, WHAT, buf, sizeof buf);
    if (st) return st;
    double v = strtod(buf, &end);
    if (*end || !(v >= lo && v <= hi))
        return cn_fail(CN_ERR_RANGE, WHAT ": %.*s=%s is not a number in [%g, %g]", (int)kv->key_len, kv->key,
                       buf, lo, hi);
    *out = v;
    return CN_OK;
}

static cn_status parse_args(melody *m, const char *args) {
    cn_kv kv;
    cn_status st = CN_OK;
    double v = 0;
    for (const char *p = args; cn_kv_next(&p, WHAT, &kv, &st);) {
        if (cn_kv_is(&kv, "primer")) st = cn_kv_value(&kv, WHAT, m->primer_arg, sizeof m->primer_arg);
        else if (cn_kv_is(&kv, "model")) st = cn_kv_value(&kv, WHAT, m->model, sizeof m->model);
        else if (cn_kv_is(&kv, "ngram_data")) {
            if (m->n_ngram_data == MAX_NGRAM_DATA) return cn_fail(CN_ERR_RANGE, WHAT ": more than %d ngram_data", MAX_NGRAM_DATA);
            st = cn_kv_value(&kv, WHAT, m->ngram_data[m->n_ngram_data++], CN_PATH_MAX);
        } else if (cn_kv_is(&kv, "ngram_only") && !(st = number(&kv, 0, 1, &v))) m->ngram_only = (int)v;
        else if (cn_kv_is(&kv, "record") && !(st = number(&kv, 0, 1, &v))) m->record = (int)v;
        else if (cn_kv_is(&kv, "temperature") && !(st = number(&kv, 1e-3, 100, &v))) m->sample.temperature = v;
        else if (cn_kv_is(&kv, "top_k") && !(st = number(&kv, 0, 128, &v))) m->sample.top_k = (int)v;
        else if (cn_kv_is(&kv, "top_p") && !(st = number(&kv, 1e-9, 1, &v))) m->sample.top_p = v;
        else if (cn_kv_is(&kv, "seed") && !(st = number(&kv, 0, 18446744073709551615.0, &v))) {
            char buf[32];
            cn_kv_value(&kv, WHAT, buf, sizeof buf);
            m->seed = strtoull(buf, NULL, 10); // exact, not through the double
        } else if (cn_kv_is(&kv, "bpm") && !(st = number(&kv, 20, CN_MELODY_MAX_BPM, &v))) m->bpm = v;
        else if (cn_kv_is(&kv, "notes") && !(st = number(&kv, 0, 1e9, &v))) m->notes = (long)v;
        else if (cn_kv_is(&kv, "velocity") && !(st = number(&kv, 1, 127, &v))) m->velocity = (int)v;
        else if (!st)
            st = cn_fail(CN_ERR_ARG, WHAT ": unknown argument '%.*s' (primer, model, ngram_only, ngram_data, "
                         "temperature, top_k, top_p, seed, bpm, notes, velocity, record)", (int)kv.item_len, kv.item);
        if (st) return st;
    }
    return st;
}

static void ml_destroy(void *self) {
    melody *m = self;
    if (!m) return;
    cn_mstream_destroy(m->stream);
    cn_predictor_close(&m->pred);
    cn_events_free(&m->primer_ev);
    cn_melody_free(&m->primer);
    free(m->played);
    free(m);
}

// The primer and its conditioning: key and meter from the primer, style and length
// unknown (an endless tune has no length).
static cn_status load_primer(melody *m) {
    cn_status st = CN_OK;
    if (!m->primer_arg[0]) st = cn_share_path("data/demo/primer.txt", m->primer_arg, sizeof m->primer_arg);
    if (!st) st = cn_primer_load(m->primer_arg, &m->primer);
    if (!st) st = cn_events_from_melody(&m->primer, &m->primer_ev);
    if (!st && m->primer_ev.n == 0) st = cn_fail(CN_ERR_FORMAT, "primer %s has no notes", m->primer_arg);
    if (st) return st;
    if (cn_events_clamp(&m->primer_ev))
        add_notice(m, "primer notes or rests longer than 8 beats were shortened to 8 beats for the model");
    int meter = m->primer.meter_num > 0 ? cn_meter_index(m->primer.meter_num, m->primer.meter_den) : -1;
    m->cond = (cn_melody_cond){cn_melody_key_index(&m->primer), meter, -1, -1};
    if (m->bpm <= 0) m->bpm = m->primer.bpm;
    if (!m->velocity) m->velocity = cn_melody_mean_velocity(&m->primer);
    if (m->bpm > CN_MELODY_MAX_BPM)
        return cn_fail(CN_ERR_RANGE, "primer %s: tempo %g bpm is above %d (set one with --bpm)", m->primer_arg,
                       m->bpm, CN_MELODY_MAX_BPM);
    return CN_OK;
}

static cn_status open_predictor(melody *m) {
    const char *data[MAX_NGRAM_DATA];
    for (int i = 0; i < m->n_ngram_data; i++) data[i] = m->ngram_data[i];
    cn_predictor_opts po = {.model = m->model[0] ? m->model : NULL, .ngram_only = m->ngram_only,
                            .ngram_data = m->n_ngram_data ? data : NULL, .n_ngram_data = m->n_ngram_data};
    char path[CN_PATH_MAX];
    if (po.model) { // the cheap check first: no n-gram work for a bad --model
        cn_status st = cn_predictor_resolve(po.model, path, sizeof path);
        if (st) return st;
    } else if (!po.ngram_only && cn_predictor_resolve(NULL, path, sizeof path)) {
        add_notice(m, "no shipped melody transformer (preset '" CN_PREDICTOR_DEFAULT_MODEL
                      "'): continuing with the n-gram alone");
        po.ngram_only = 1;
    }
    cn_blas_set_threads(1); // one token's matrix-vector products: too small to share
    return cn_predictor_open(&po, &m->pred);
}

cn_status cn_melody_plugin_check(const char *args) {
    melody *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ERR_NOMEM, "out of memory");
    m->sample = cn_sample_config_default();
    cn_melody_init(&m->primer);
    char path[CN_PATH_MAX];
    cn_status st = parse_args(m, args);
    if (!st) st = cn_sample_config_check(&m->sample);
    if (!st) st = load_primer(m);
    if (!st && m->model[0]) st = cn_predictor_resolve(m->model, path, sizeof path);
    ml_destroy(m);
    return st;
}

static cn_status ml_create(const char *args, void **out) {
    *out = NULL;
    melody *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ERR_NOMEM, "out of memory");
    m->sample = cn_sample_config_default();
    m->velocity = 0; // 0: the primer's mean velocity
    m->end = -1;
    cn_melody_init(&m->primer);
    atomic_init(&m->emitted, 0);
    atomic_init(&m->sampled, 0);
    cn_status st = parse_args(m, args);
    if (!st) st = cn_sample_config_check(&m->sample);
    if (!st) st = load_primer(m);
    if (!st) st = open_predictor(m);
    if (st) {
        ml_destroy(m);
        return st;
    }
    *out = m;
    return CN_OK;
}

static cn_status ml_prepare(void *self, double rate, int max_frames) {
    melody *m = self;
    (void)max_frames;
    cn_mstream_destroy(m->stream);
    m->stream = NULL;
    cn_mstream_config cfg = cn_mstream_config_default();
    cfg.rate = rate;
    cfg.bpm = m->bpm;
    cfg.velocity = m->velocity;
    cfg.sample = m->sample;
    cfg.seed = m->seed;
    cfg.cond = m->cond;
    m->end = -1;
    m->n_played = 0;
    atomic_store(&m->emitted, 0);
    atomic_store(&m->sampled, 0);
    return cn_mstream_create(&cfg, m->pred.model, &m->primer_ev, &m->stream);
}

static cn_status remember(melody *m, const cn_mevent *ev, int64_t onset) {
    if (m->n_played == m->cap_played) {
        int64_t cap = m->cap_played ? 2 * m->cap_played : 256;
        played_note *p = realloc(m->played, (size_t)cap * sizeof *p);
        if (!p) return cn_fail(CN_ERR_NOMEM, "out of memory for the played melody");
        m->played = p;
        m->cap_played = cap;
    }
    m->played[m->n_played++] = (played_note){*ev, onset};
    return CN_OK;
}

static int ml_generate(void *self, int64_t until, cn_note_event *ev, int max) {
    melody *m = self;
    int n = 0;
    while (m->end < 0 && n + 2 <= max && cn_mstream_next_frame(m->stream) < until) {
        cn_mevent e;
        int sampled;
        if (cn_mstream_next(m->stream, &e, &ev[n], &ev[n + 1], &sampled) ||
            (m->record && remember(m, &e, ev[n].frame)))
            return -1;
        atomic_fetch_add(&m->emitted, 1);
        long long s = atomic_fetch_add(&m->sampled, sampled) + sampled;
        if (m->notes > 0 && s >= m->notes) m->end = ev[n + 1].frame;
        n += 2;
    }
    return n;
}

static int64_t ml_end(void *self) { return ((melody *)self)->end; }

const cn_plugin_desc cn_melody_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "melody",
    .name = "Melody continuation",
    .description = "continues a primer note by note with the melody transformer + n-gram (render --primer, play --endless)",
    .kind = CN_PLUGIN_EVENT_GENERATOR,
    .create = ml_create,
    .prepare = ml_prepare,
    .tail_frames = ml_end,
    .destroy = ml_destroy,
    .generate = ml_generate,
};

const char *cn_melody_plugin_notice(const void *self, int i) {
    const melody *m = self;
    return m && i >= 0 && i < m->n_notices ? m->notices[i] : NULL;
}

const char *cn_melody_plugin_model(const void *self) { return ((const melody *)self)->pred.name; }
double cn_melody_plugin_bpm(const void *self) { return ((const melody *)self)->bpm; }

void cn_melody_plugin_counts(const void *self, int64_t *notes, int64_t *sampled) {
    melody *m = (melody *)self;
    *notes = atomic_load(&m->emitted);
    *sampled = atomic_load(&m->sampled);
}

cn_status cn_melody_plugin_write_midi(const void *self, int64_t frames, const char *path) {
    const melody *m = self;
    int64_t n = 0;
    while (n < m->n_played && m->played[n].onset < frames) n++;
    if (n > INT32_MAX) return cn_fail(CN_ERR_RANGE, "too many notes for one MIDI file");
    cn_event_seq seq = {malloc((size_t)(n ? n : 1) * sizeof *seq.ev), (int)n, m->primer_ev.lead_rest};
    if (!seq.ev) return cn_fail(CN_ERR_NOMEM, "out of memory for the played melody");
    for (int64_t i = 0; i < n; i++) seq.ev[i] = m->played[i].ev;
    cn_melody mel;
    cn_melody_init(&mel);
    cn_status st = cn_events_to_melody(&seq, m->velocity, &mel);
    cn_events_free(&seq);
    char text[512];
    snprintf(text, sizeof text, "continuo play --endless: model=%s seed=%" PRIu64
             " temperature=%g top_k=%d top_p=%g bpm=%g notes=%" PRId64, m->pred.name, m->seed,
             m->sample.temperature, m->sample.top_k, m->sample.top_p, m->bpm, n);
    mel.meter_num = m->primer.meter_num;
    mel.meter_den = m->primer.meter_den;
    mel.has_key = m->primer.has_key;
    mel.key_sharps = m->primer.key_sharps;
    mel.key_minor = m->primer.key_minor;
    mel.bpm = m->bpm;
    if (!st) st = cn_melody_write_midi(&mel, path, text);
    cn_melody_free(&mel);
    return st;
}
