// playback_setup.c: build the render/play graph from a MIDI file and the synth options
// (cn_playback.h), and initialise PortAudio without its back-ends' stderr chatter.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/cn_builtins.h"
#include "host/cn_lv2.h"
#include "host/cn_playback.h"
#include "engine/cn_registry.h"
#include "models/wavenet/cn_wavenet.h"

// The reference synth's instruments are its waveforms (parameter "waveform").
static const char *const ref_waveforms[] = {"sine", "triangle", "saw", "square"};

static cn_status generator_args(const cn_plugin_desc *gen, const cn_synth_opts *o, char *buf,
                                size_t size) {
    buf[0] = 0;
    size_t len = 0;
    if (!strcmp(gen->id, "reference")) {
        if (o->preset)
            return cn_fail(CN_ERR_ARG, "the reference synth has no presets (--preset is for "
                                       "the wavenet synth)");
        if (o->instrument) {
            int w = -1;
            for (int i = 0; i < 4; i++)
                if (!strcmp(o->instrument, ref_waveforms[i])) w = i;
            if (w < 0)
                return cn_fail(CN_ERR_ARG, "the reference synth has no instrument '%s' "
                                           "(sine, triangle, saw or square; WaveNet instruments "
                                           "need --synth wavenet, the default)", o->instrument);
            snprintf(buf, size, "waveform=%d", w);
        }
        if (o->threads) return cn_fail(CN_ERR_ARG, "the reference synth has no --threads (it is for the wavenet synth)");
        if (o->weights) return cn_fail(CN_ERR_ARG, "the reference synth has no --weights (it is for the wavenet synth)");
        return CN_OK; // deterministic: no seed
    }
    const int kind = o->weights ? cn_wn_weights_kind(o->weights) : CN_WN_WEIGHTS_AUTO;
    if (kind < 0) return cn_fail(CN_ERR_ARG, "--weights '%s': auto, float, half, bf16 or int8", o->weights);
    char budget[32] = "", threads[32] = "", weights[32] = "";
    for (int i = 0; i < gen->n_params; i++) {
        if (o->budget > 0.0 && !strcmp(gen->params[i].name, "budget"))
            snprintf(budget, sizeof budget, "%g", o->budget);
        if (o->threads && !strcmp(gen->params[i].name, "threads")) snprintf(threads, sizeof threads, "%d", o->threads);
        if (o->weights && !strcmp(gen->params[i].name, "weights")) snprintf(weights, sizeof weights, "%d", kind);
    }
    if (o->threads && !threads[0]) return cn_fail(CN_ERR_ARG, "synth '%s' has no --threads", gen->id);
    if (o->weights && !weights[0]) return cn_fail(CN_ERR_ARG, "synth '%s' has no --weights", gen->id);
    const char *keys[] = {"instrument", "preset", "seed", "budget", "threads", "weights"};
    const char *vals[] = {o->instrument, o->preset, o->seed, budget[0] ? budget : NULL, threads[0] ? threads : NULL,
                          weights[0] ? weights : NULL};
    for (int i = 0; i < 6; i++) {
        if (!vals[i]) continue;
        if (strchr(vals[i], ',') || strchr(vals[i], '='))
            return cn_fail(CN_ERR_ARG, "--%s '%s' may not contain ',' or '='", keys[i], vals[i]);
        int k = snprintf(buf + len, size - len, "%s%s=%s", len ? "," : "", keys[i], vals[i]);
        if (k < 0 || (size_t)k >= size - len) return cn_fail(CN_ERR_ARG, "--%s value too long", keys[i]);
        len += (size_t)k;
    }
    return CN_OK;
}

static int is_ref_waveform(const char *name) {
    for (int i = 0; name && i < 4; i++)
        if (!strcmp(name, ref_waveforms[i])) return 1;
    return 0;
}

const char *cn_playback_synth_id(const cn_synth_opts *o) {
    if (o->synth) return o->synth;
    // The WaveNet is the default (it meets issue 12's quality targets against FluidSynth,
    // docs/wavenet.md); a reference waveform as --instrument can only mean that synth.
    return is_ref_waveform(o->instrument) ? "reference" : "wavenet";
}

static cn_status find_generator(const char *id, const cn_plugin_desc **out) {
    const cn_plugin_desc *d = cn_registry_find(id);
    if (!d && !strcmp(id, "wavenet"))
        return cn_fail(CN_ERR_UNSUPPORTED, "the wavenet synth is not available in this build "
                                           "yet (use --synth reference)");
    if (!d || d->kind != CN_PLUGIN_GENERATOR)
        return cn_fail(CN_ERR_ARG, "unknown synth '%s' (see 'continuo plugins')", id);
    *out = d;
    return CN_OK;
}

cn_status cn_playback_register_plugins(void) {
    static int loaded; // the registry keeps dlopen'ed plugins: load them once
    cn_status st = cn_register_builtins();
    if (st || loaded) return st;
    loaded = 1;
    const char *env = getenv("CONTINUO_PLUGINS");
    if (!env || !*env) return CN_OK;
    char *paths = strdup(env);
    if (!paths) return cn_fail(CN_ERR_NOMEM, "out of memory");
    char *save = NULL;
    for (char *p = strtok_r(paths, ":", &save); p && !st; p = strtok_r(NULL, ":", &save))
        st = cn_registry_load(p);
    free(paths);
    if (!st) return CN_OK;
    return cn_fail_prefix(st, "CONTINUO_PLUGINS");
}

int64_t cn_playback_chain_latency(const cn_graph *g) {
    int64_t total = 0;
    const cn_plugin_desc *d = NULL;
    for (int i = 0; i < cn_graph_effect_count(g); i++) {
        void *self = cn_graph_effect(g, i, &d);
        if (d == &cn_lv2_effect_plugin) total += cn_lv2_effect_latency(self);
    }
    return total;
}

cn_status cn_playback_build_graph(const cn_synth_opts *opts, double rate, int max_frames,
                                  cn_graph **out) {
    cn_status st = cn_playback_register_plugins();
    if (st) return st;
    const cn_plugin_desc *gen = NULL;
    if ((st = find_generator(cn_playback_synth_id(opts), &gen))) return st;
    char args[1024];
    if ((st = generator_args(gen, opts, args, sizeof args))) return st;
    cn_graph *g = NULL;
    st = cn_graph_create(rate, max_frames, opts->channels == 1 ? 1 : 2, &g);
    if (!st) st = cn_graph_set_generator(g, gen, args[0] ? args : NULL);
    if (!st && opts->fx && *opts->fx) st = cn_graph_add_chain(g, opts->fx);
    if (!st) st = cn_graph_set_latency(g, cn_playback_chain_latency(g));
    if (st) {
        cn_graph_destroy(g);
        return st;
    }
    *out = g;
    return CN_OK;
}

cn_status cn_playback_build(const cn_midi *m, const char *path, const cn_synth_opts *opts,
                            double rate, int max_frames, cn_graph **out, int64_t *total, int *drums) {
    cn_graph *g = NULL;
    cn_status st = cn_playback_build_graph(opts, rate, max_frames, &g);
    if (st) return st;
    if (m->n_notes <= 0) {
        cn_graph_destroy(g);
        return cn_fail(CN_ERR_FORMAT, "%s: the MIDI file has no notes", path);
    }
    cn_note_event *ev = NULL;
    int n = 0;
    int64_t end = 0;
    st = cn_note_events_from_midi(m, rate, &ev, &n, &end, drums);
    if (!st) st = cn_graph_set_events(g, ev, n);
    free(ev);
    if (st) {
        cn_graph_destroy(g);
        return st;
    }
    *total = end + cn_graph_tail_frames(g);
    *out = g;
    return CN_OK;
}

cn_status cn_playback_pa_init_quiet(void) {
    fflush(stderr);
    int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
    if (saved >= 0 && null >= 0) dup2(null, STDERR_FILENO);
    cn_status st = cn_pa_init();
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    if (null >= 0) close(null);
    return st;
}
