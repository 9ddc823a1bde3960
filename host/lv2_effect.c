// lv2_effect.c: the `lv2` effect plugin: any installed LV2 effect, loaded through lilv,
// as a link of the effect chain (cn_lv2.h, docs/lv2.md). create() finds the plugin and
// checks it and the control values; prepare() instantiates it, connects every port to a
// buffer of its own, activates it and runs it on 1 s of silence (a plugin's latency port is
// valid only after a run, and parameter ramps settle); process() copies the host's frames
// into runs of a fixed size (RUN_FRAMES, reported as latency with the plugin's own), calls
// lilv_instance_run on each, and copies audio out: no allocation, lock or I/O.
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lv2/atom/atom.h>
#include <lv2/core/lv2.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/options/options.h>

#include "core/cn_kv.h"
#include "host/cn_lv2.h"
#include "host/cn_lv2_host.h"

#define ATOM_BYTES 8192 // each atom port's buffer (continuo sends no events; plugins may notify)
#define URI_MAX 1024
#define WARMUP_SECONDS 1.0 // silence run through a plugin in prepare()
// The plugin always runs on blocks of this many frames, whatever the host's block sizes
// (a live worker's vary with the ring buffer): many plugins compute per run (a limiter's
// gain, a parameter ramp), and only fixed runs make render and play give the same
// samples. Collecting a block costs that much latency, compensated like the plugin's own.
#define RUN_FRAMES 64 // a power of two (buf-size:powerOf2BlockLength)

typedef struct {
    cn_lv2_world *w;
    const LilvPlugin *plugin;
    char uri[URI_MAX];
    cn_lv2_shape shape;
    uint32_t n_ports;
    float *controls;         // [n_ports] every control port's value (outputs: dummies)
    char **atoms;            // [n_ports] atom port buffers, NULL for other ports
    unsigned char *is_output; // [n_ports] 1 for output ports
    float *audio;            // [(n_in + n_out) * RUN_FRAMES]: inputs, then outputs
    float *in_buf[CN_LV2_MAX_AUDIO], *out_buf[CN_LV2_MAX_AUDIO];
    int fill;                // frames of the next run already in in_buf (and taken from out_buf)
    LV2_URID urid_sequence, urid_chunk;
    LilvInstance *inst;
    int active;              // activated (deactivate before free)
    int64_t latency;
    double tail_seconds;     // "tail=S": how long the plugin rings on (LV2 cannot say)
    int64_t tail;            // in frames, once prepared
    int32_t block_min, block_max;
    float rate;
    LV2_Options_Option options[5];
    LV2_Feature f_map, f_unmap, f_options, f_bounded, f_fixed, f_pow2;
    const LV2_Feature *features[7];
} lv2_fx;

int cn_lv2_available(void) { return 1; }

static void lv2_destroy(void *self) {
    lv2_fx *fx = self;
    if (!fx) return;
    if (fx->active) lilv_instance_deactivate(fx->inst);
    if (fx->inst) lilv_instance_free(fx->inst);
    for (uint32_t i = 0; fx->atoms && i < fx->n_ports; i++) free(fx->atoms[i]);
    free(fx->atoms);
    free(fx->is_output);
    free(fx->controls);
    free(fx->audio);
    if (fx->w) cn_lv2_world_unref();
    free(fx);
}

// The symbols of the control inputs, for "unknown port" messages.
static void control_symbols(const lv2_fx *fx, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < fx->n_ports && len + 1 < size; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(fx->plugin, i);
        if (!lilv_port_is_a(fx->plugin, port, fx->w->control) || !lilv_port_is_a(fx->plugin, port, fx->w->input))
            continue;
        int k = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                         lilv_node_as_string(lilv_port_get_symbol(fx->plugin, port)));
        if (k > 0) len += (size_t)k;
    }
    if (!buf[0]) snprintf(buf, size, "none");
}

// Default values of the control inputs (the TTL's default, else its minimum, else 0).
static cn_status set_defaults(lv2_fx *fx) {
    float *min = malloc(3 * fx->n_ports * sizeof *min);
    if (!min) return cn_fail(CN_ERR_NOMEM, "out of memory");
    float *max = min + fx->n_ports, *def = max + fx->n_ports;
    lilv_plugin_get_port_ranges_float(fx->plugin, min, max, def);
    for (uint32_t i = 0; i < fx->n_ports; i++)
        fx->controls[i] = !isnan(def[i]) ? def[i] : !isnan(min[i]) ? min[i] : 0.0f;
    free(min);
    return CN_OK;
}

// The control input port with this symbol, or NULL.
static const LilvPort *find_control(const lv2_fx *fx, const char *symbol) {
    LilvNode *s = lilv_new_string(fx->w->world, symbol);
    const LilvPort *port = lilv_plugin_get_port_by_symbol(fx->plugin, s);
    lilv_node_free(s);
    if (port && (!lilv_port_is_a(fx->plugin, port, fx->w->control) || !lilv_port_is_a(fx->plugin, port, fx->w->input)))
        port = NULL;
    return port;
}

static int has_property(const lv2_fx *fx, const LilvPort *port, const char *uri) {
    LilvNode *n = lilv_new_uri(fx->w->world, uri);
    int has = lilv_port_has_property(fx->plugin, port, n);
    lilv_node_free(n);
    return has;
}

// The value of an enumeration port must be one of its scale points: CN_OK, or an error
// listing them ("0 (Off), 1 (On)").
static cn_status check_enumeration(const lv2_fx *fx, const LilvPort *port, const char *sym, float v) {
    LilvScalePoints *points = lilv_port_get_scale_points(fx->plugin, port);
    char list[1024] = "";
    size_t len = 0;
    int found = !points; // no scale points: nothing to check against
    LILV_FOREACH (scale_points, i, points) {
        const LilvScalePoint *p = lilv_scale_points_get(points, i);
        float pv = lilv_node_as_float(lilv_scale_point_get_value(p));
        found |= pv == v;
        int k = snprintf(list + len, sizeof list - len, "%s%g (%s)", len ? ", " : "", (double)pv,
                         lilv_node_as_string(lilv_scale_point_get_label(p)));
        if (k > 0 && (size_t)k < sizeof list - len) len += (size_t)k;
    }
    lilv_scale_points_free(points);
    if (found) return CN_OK;
    return cn_fail(CN_ERR_ARG, "lv2 %s: %s=%g is none of the port's values: %s", fx->uri, sym, (double)v, list);
}

// One SYMBOL=VALUE: a control input, the value a number within the port's range (one of
// its values for an enumeration, a whole number for an integer or toggle).
static cn_status set_control(lv2_fx *fx, const cn_kv *kv) {
    char sym[128], num[64], *end;
    if (kv->key_len >= sizeof sym) return cn_fail(CN_ERR_ARG, "lv2 %s: port name too long", fx->uri);
    memcpy(sym, kv->key, kv->key_len);
    sym[kv->key_len] = 0;
    const LilvPort *port = find_control(fx, sym);
    if (!port) {
        char list[2048];
        control_symbols(fx, list, sizeof list);
        return cn_fail(CN_ERR_ARG, "lv2 %s: no control port '%s' (control ports: %s)", fx->uri, sym, list);
    }
    char what[160];
    snprintf(what, sizeof what, "lv2 port '%s'", sym);
    cn_status st = cn_kv_value(kv, what, num, sizeof num);
    if (st) return st;
    float v = strtof(num, &end);
    if (*end || v != v) return cn_fail(CN_ERR_ARG, "lv2 %s: '%s' for %s is not a number", fx->uri, num, sym);
    LilvNode *def = NULL, *min = NULL, *max = NULL;
    lilv_port_get_range(fx->plugin, port, &def, &min, &max);
    float lo = min ? lilv_node_as_float(min) : -INFINITY, hi = max ? lilv_node_as_float(max) : INFINITY;
    lilv_node_free(def);
    lilv_node_free(min);
    lilv_node_free(max);
    if (v < lo || v > hi)
        return cn_fail(CN_ERR_RANGE, "lv2 %s: %s=%g out of range [%g, %g]", fx->uri, sym, (double)v, (double)lo,
                       (double)hi);
    if (has_property(fx, port, LV2_CORE__enumeration)) {
        if ((st = check_enumeration(fx, port, sym, v))) return st;
    } else if ((has_property(fx, port, LV2_CORE__integer) || has_property(fx, port, LV2_CORE__toggled)) &&
               v != floorf(v)) {
        return cn_fail(CN_ERR_ARG, "lv2 %s: %s=%g: the port takes whole numbers only", fx->uri, sym, (double)v);
    }
    fx->controls[lilv_port_get_index(fx->plugin, port)] = v;
    return CN_OK;
}

// "tail=SECONDS": LV2 has no way to say how long a plugin rings after its input ends (a
// reverb, a delay), so the user says it; renders run that much longer.
static cn_status set_tail(lv2_fx *fx, const cn_kv *kv) {
    char num[64], *end;
    cn_status st = cn_kv_value(kv, "lv2 tail", num, sizeof num);
    if (st) return st;
    double t = strtod(num, &end);
    if (*end || !(t >= 0 && t <= 600))
        return cn_fail(CN_ERR_RANGE, "lv2 %s: tail=%s is not a number of seconds in [0, 600]", fx->uri, num);
    fx->tail_seconds = t;
    return CN_OK;
}

// args: "uri=URI" (%-escaped, see cn_kv_escape), SYMBOL=VALUE pairs and tail=SECONDS, in
// any order (a control port named "tail" takes the key).
static cn_status lv2_create(const char *args, void **out) {
    lv2_fx *fx = calloc(1, sizeof *fx);
    if (!fx) return cn_fail(CN_ERR_NOMEM, "out of memory");
    cn_status st = cn_lv2_world_ref(&fx->w);
    if (st) {
        free(fx);
        return st;
    }
    cn_kv kv;
    for (const char *p = args; !st && cn_kv_next(&p, "lv2", &kv, &st);)
        if (cn_kv_is(&kv, "uri")) st = cn_kv_unescape(&kv, "lv2 uri", fx->uri, sizeof fx->uri);
    if (!st && !fx->uri[0])
        st = cn_fail(CN_ERR_ARG, "lv2: no plugin URI (write lv2:URI[:PORT=VALUE...]; see 'continuo plugins --lv2')");
    if (!st && !(fx->plugin = cn_lv2_find(fx->w, fx->uri))) st = CN_ERR_ARG;
    if (!st && !cn_lv2_examine(fx->w, fx->plugin, &fx->shape))
        st = cn_fail(CN_ERR_UNSUPPORTED, "lv2 %s %s", fx->uri, fx->shape.why);
    if (!st) {
        fx->n_ports = lilv_plugin_get_num_ports(fx->plugin);
        fx->controls = calloc(fx->n_ports, sizeof *fx->controls);
        fx->atoms = calloc(fx->n_ports, sizeof *fx->atoms);
        fx->is_output = calloc(fx->n_ports, 1);
        st = fx->controls && fx->atoms && fx->is_output ? set_defaults(fx) : cn_fail(CN_ERR_NOMEM, "out of memory");
    }
    for (const char *p = args; !st && cn_kv_next(&p, "lv2", &kv, &st);)
        if (cn_kv_is(&kv, "tail") && !find_control(fx, "tail")) st = set_tail(fx, &kv);
        else if (!cn_kv_is(&kv, "uri")) st = set_control(fx, &kv);
    if (st) {
        lv2_destroy(fx);
        return st;
    }
    fx->urid_sequence = fx->w->map.map(NULL, LV2_ATOM__Sequence);
    fx->urid_chunk = fx->w->map.map(NULL, LV2_ATOM__Chunk);
    *out = fx;
    return CN_OK;
}

static void set_features(lv2_fx *fx, double rate) {
    LV2_URID_Map *m = &fx->w->map;
    LV2_URID t_int = m->map(NULL, LV2_ATOM__Int), t_float = m->map(NULL, LV2_ATOM__Float);
    fx->block_min = fx->block_max = RUN_FRAMES;
    fx->rate = (float)rate;
    fx->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, m->map(NULL, LV2_BUF_SIZE__minBlockLength),
                                          sizeof(int32_t), t_int, &fx->block_min};
    fx->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, m->map(NULL, LV2_BUF_SIZE__maxBlockLength),
                                          sizeof(int32_t), t_int, &fx->block_max};
    fx->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, m->map(NULL, LV2_BUF_SIZE__nominalBlockLength),
                                          sizeof(int32_t), t_int, &fx->block_max};
    fx->options[3] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,
                                          m->map(NULL, "http://lv2plug.in/ns/ext/parameters#sampleRate"),
                                          sizeof(float), t_float, &fx->rate};
    fx->options[4] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
    fx->f_map = (LV2_Feature){LV2_URID__map, &fx->w->map};
    fx->f_unmap = (LV2_Feature){LV2_URID__unmap, &fx->w->unmap};
    fx->f_options = (LV2_Feature){LV2_OPTIONS__options, fx->options};
    fx->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    fx->f_fixed = (LV2_Feature){LV2_BUF_SIZE__fixedBlockLength, NULL}; // every run is RUN_FRAMES
    fx->f_pow2 = (LV2_Feature){LV2_BUF_SIZE__powerOf2BlockLength, NULL};
    const LV2_Feature *f[] = {&fx->f_map, &fx->f_unmap, &fx->f_options, &fx->f_bounded, &fx->f_fixed, &fx->f_pow2, NULL};
    memcpy(fx->features, f, sizeof f);
}

// Output atom ports get their capacity back before each run (the plugin overwrites it).
static void reset_atoms(lv2_fx *fx) {
    for (uint32_t i = 0; i < fx->n_ports; i++) {
        if (!fx->atoms[i]) continue;
        LV2_Atom_Sequence *seq = (LV2_Atom_Sequence *)fx->atoms[i];
        if (fx->is_output[i]) {
            seq->atom.size = ATOM_BYTES - sizeof(LV2_Atom);
            seq->atom.type = fx->urid_chunk;
        } else {
            seq->atom.size = sizeof(LV2_Atom_Sequence_Body); // an empty sequence
            seq->atom.type = fx->urid_sequence;
            seq->body.unit = seq->body.pad = 0;
        }
    }
}

static cn_status connect_ports(lv2_fx *fx) {
    const cn_lv2_shape *s = &fx->shape;
    fx->audio = calloc((size_t)(s->n_in + s->n_out) * RUN_FRAMES, sizeof *fx->audio);
    if (!fx->audio) return cn_fail(CN_ERR_NOMEM, "out of memory for lv2 buffers");
    for (int i = 0; i < s->n_in; i++) fx->in_buf[i] = fx->audio + (size_t)i * RUN_FRAMES;
    for (int i = 0; i < s->n_out; i++) fx->out_buf[i] = fx->audio + (size_t)(s->n_in + i) * RUN_FRAMES;
    for (uint32_t i = 0; i < fx->n_ports; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(fx->plugin, i);
        fx->is_output[i] = (unsigned char)lilv_port_is_a(fx->plugin, port, fx->w->output);
        void *buf = NULL; // optional ports of other types stay unconnected
        if (lilv_port_is_a(fx->plugin, port, fx->w->control)) buf = &fx->controls[i];
        else if (lilv_port_is_a(fx->plugin, port, fx->w->atom)) {
            if (!fx->atoms[i] && !(fx->atoms[i] = calloc(1, ATOM_BYTES)))
                return cn_fail(CN_ERR_NOMEM, "out of memory for lv2 buffers");
            buf = fx->atoms[i];
        }
        for (int k = 0; k < s->n_in; k++)
            if (s->in[k] == i) buf = fx->in_buf[k];
        for (int k = 0; k < s->n_out; k++)
            if (s->out[k] == i) buf = fx->out_buf[k];
        lilv_instance_connect_port(fx->inst, i, buf);
    }
    reset_atoms(fx);
    return CN_OK;
}

// Keep the plugin's shared object loaded for the life of the process, as the registry does
// with external continuo plugins: some plugins leave threads or atexit handlers behind that
// must not outlive their code, and a leak report can then name the library.
static void pin_library(const LilvPlugin *p) {
    char *path = lilv_file_uri_parse(lilv_node_as_uri(lilv_plugin_get_library_uri(p)), NULL);
    void *h = path ? dlopen(path, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE) : NULL;
    if (h) dlclose(h); // drops our reference; RTLD_NODELETE stays
    lilv_free(path);
}

// The host's max_frames does not matter: the plugin always runs RUN_FRAMES at a time.
static cn_status lv2_prepare(void *self, double rate, int max_frames) {
    lv2_fx *fx = self;
    (void)max_frames;
    if (fx->inst) return cn_fail(CN_ERR_STATE, "lv2 %s: prepared twice", fx->uri);
    set_features(fx, rate);
    fx->tail = (int64_t)ceil(fx->tail_seconds * rate);
    fx->inst = lilv_plugin_instantiate(fx->plugin, rate, fx->features);
    if (!fx->inst) return cn_fail(CN_ERR_UNSUPPORTED, "lv2 %s: the plugin failed to instantiate at %g Hz", fx->uri, rate);
    pin_library(fx->plugin);
    cn_status st = connect_ports(fx);
    if (st) return st;
    lilv_instance_activate(fx->inst);
    fx->active = 1;
    // Warm up on silence: a latency port is valid only after a run (x42 nodelay applies a
    // setting one run later), and plugins that ramp their parameters (the x42 EQ's gains)
    // must reach the values set before the first note.
    for (int64_t done = 0; done < (int64_t)(WARMUP_SECONDS * rate); done += RUN_FRAMES) {
        lilv_instance_run(fx->inst, RUN_FRAMES);
        reset_atoms(fx);
    }
    memset(fx->out_buf[0], 0, (size_t)fx->shape.n_out * RUN_FRAMES * sizeof(float)); // first outputs: silence
    const int lp = fx->shape.latency_port;
    float l = lp >= 0 ? fx->controls[lp] : 0;
    fx->latency = RUN_FRAMES + (l > 0 && l < 1e9f ? (int64_t)lrintf(l) : 0);
    return CN_OK;
}

static void copy(float *dst, const float *src, int frames) { memcpy(dst, src, (size_t)frames * sizeof *dst); }

static void average(float *dst, const float *a, const float *b, int frames) {
    for (int i = 0; i < frames; i++) dst[i] = 0.5f * (a[i] + b[i]);
}

// The one place where host channels meet the plugin's audio ports (1 or 2 each way): `n`
// frames from frame `at` of the host's channels (in[c], out[c], c < host_ch) go into the
// inputs of the run being collected, and as many come out of the previous run's outputs
// (in == out allowed: the inputs are read first). Inputs: port k takes host channel k, a
// mono host feeds every input, a stereo host feeds a mono input (L+R)/2. Outputs: host
// channel c takes port c, a mono output feeds every channel, a mono host takes (L+R)/2.
static void exchange(lv2_fx *fx, const float *const *in, float *const *out, int host_ch, int at, int n) {
    const int n_in = fx->shape.n_in, n_out = fx->shape.n_out, f = fx->fill;
    for (int k = 0; k < n_in; k++) {
        if (host_ch == 1 || host_ch == n_in) copy(fx->in_buf[k] + f, in[host_ch == 1 ? 0 : k] + at, n);
        else average(fx->in_buf[k] + f, in[0] + at, in[1] + at, n);
    }
    for (int c = 0; c < host_ch; c++) {
        if (n_out == 1 || n_out == host_ch) copy(out[c] + at, fx->out_buf[n_out == 1 ? 0 : c] + f, n);
        else average(out[c] + at, fx->out_buf[0] + f, fx->out_buf[1] + f, n);
    }
}

// The host's block, through runs of exactly RUN_FRAMES (their latency is reported).
static void run_blocks(lv2_fx *fx, const float *const *in, float *const *out, int host_ch, int frames) {
    for (int done = 0; done < frames;) {
        int n = RUN_FRAMES - fx->fill < frames - done ? RUN_FRAMES - fx->fill : frames - done;
        exchange(fx, in, out, host_ch, done, n);
        done += n;
        if ((fx->fill += n) == RUN_FRAMES) {
            reset_atoms(fx);
            lilv_instance_run(fx->inst, RUN_FRAMES);
            fx->fill = 0;
        }
    }
}

// Mono: the engine's way for a 1-in/1-out plugin (dual mono in a stereo chain); a stereo
// plugin called so is folded as the table in docs/lv2.md says.
static void lv2_process(void *self, int64_t start, const float *in, float *out, int frames) {
    (void)start;
    const float *i[1] = {in};
    float *o[1] = {out};
    run_blocks(self, i, o, 1, frames);
}

static void lv2_process_stereo(void *self, int64_t start, const float *in_l, const float *in_r, float *out_l,
                               float *out_r, int frames) {
    (void)start;
    const float *i[2] = {in_l, in_r};
    float *o[2] = {out_l, out_r};
    run_blocks(self, i, o, 2, frames);
}

// A plugin with two audio inputs or two outputs is a stereo node; 1-in/1-out is mono.
static int lv2_channels(void *self) {
    const lv2_fx *fx = self;
    return fx->shape.n_in == 2 || fx->shape.n_out == 2 ? 2 : 1;
}

int64_t cn_lv2_effect_latency(void *self) { return ((lv2_fx *)self)->latency; }

static int64_t lv2_tail(void *self) { return ((lv2_fx *)self)->tail; }

const cn_plugin_desc cn_lv2_effect_plugin = {
    .abi_version = CN_PLUGIN_ABI_VERSION,
    .id = "lv2",
    .name = "LV2 effect",
    .description = "any installed LV2 effect: lv2:URI[:PORT=VALUE...][:tail=SECONDS] (see 'continuo plugins --lv2')",
    .kind = CN_PLUGIN_EFFECT,
    .create = lv2_create,
    .prepare = lv2_prepare,
    .process = lv2_process,
    .tail_frames = lv2_tail,
    .destroy = lv2_destroy,
    .channels = lv2_channels,
    .process_stereo = lv2_process_stereo,
};
