// predictor.c: building the predictor of `continue` and `score` (cn_predictor.h).
#include <stdio.h>
#include <string.h>

#include "models/melody/cn_mixture.h"
#include "core/cn_paths.h"
#include "models/melody/cn_predictor.h"
#include "models/melody/cn_tf_ensemble.h"
#include "models/melody/cn_transposed.h"

// A melody preset: the transformer file it names (cn_preset_read_info).
static cn_status read_preset(const char *json_path, char *path, size_t size) {
    cn_preset_info in;
    cn_status st = cn_preset_read_info(json_path, &in);
    if (!st && in.instrument[0])
        st = cn_fail(CN_ERR_ARG, "preset %s is an instrument (%s), not a melody model", json_path, in.instrument);
    return st ? st : cn_preset_model_path(json_path, &in, path, size);
}

cn_status cn_predictor_resolve(const char *model, char *path, size_t size) {
    if (!model || !*model) model = CN_PREDICTOR_DEFAULT_MODEL;
    cn_status st = cn_preset_find(model, "melody", ".safetensors", path, size);
    if (st == CN_ERR_ARG) {
        char why[400];
        snprintf(why, sizeof why, "%s", cn_error_message());
        return cn_fail(CN_ERR_IO, "%s (HINT: train one with 'continuo train melody', or use the n-gram "
                                  "alone: --ngram-only)", why);
    }
    if (st) return st;
    if (!cn_has_suffix(path, ".json")) return CN_OK;
    char json[CN_PATH_MAX];
    snprintf(json, sizeof json, "%s", path);
    return read_preset(json, path, size);
}

cn_status cn_predictor_default_ngram_data(char *path, size_t size) {
    return cn_share_path(CN_PREDICTOR_NGRAM_DATA, path, size);
}

cn_status cn_predictor_default_ltm(int order, cn_ngram_ltm **out) {
    char path[CN_PATH_MAX];
    // The precomputed counts when shipped and of this order; else count the corpus.
    if (!cn_share_path(CN_PREDICTOR_NGRAM_LTM, path, sizeof path) && !cn_ngram_ltm_load(path, out)) {
        if (cn_ngram_ltm_order(*out) == order) return CN_OK;
        cn_ngram_ltm_destroy(*out);
    }
    cn_status st = cn_predictor_default_ngram_data(path, sizeof path);
    const char *data = path;
    return st ? st : cn_ngram_ltm_train(order, &data, 1, out);
}

static void base_name(const char *path, char *out, size_t size) {
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strlen(b) < size ? strlen(b) : size - 1;
    memcpy(out, b, len);
    out[len] = 0;
    char *dot = strrchr(out, '.');
    if (dot && dot != out) *dot = 0;
}

cn_status cn_predictor_tf_ensemble(cn_tf *tf, int spread, cn_event_model **out) {
    cn_return_val_if_fail(tf && out && spread >= 0, CN_ERR_ARG);
    if (spread) return cn_tf_ensemble_create(tf, spread, out);
    cn_event_model em; // heard once: the plain model, behind a view of 0 semitones
    cn_status st = cn_tf_event_model(tf, 1, 0, &em);
    return st ? st : cn_transposed_create(&em, 0, 1, out);
}

cn_status cn_predictor_mix(cn_event_model *tf, cn_event_model *ngram, int own, const char *name,
                           cn_event_model **out) {
    cn_event_model *parts[2] = {tf, ngram};
    const double w[2] = {CN_PREDICTOR_TF_WEIGHT, CN_PREDICTOR_NGRAM_WEIGHT};
    cn_status st = cn_mixture_create(parts, w, 2, CN_PREDICTOR_ENTROPY_BIAS, own, name, out);
    if (!st && (st = cn_mixture_set_adapt(*out, CN_PREDICTOR_ADAPT_RATE))) (*out)->destroy((*out)->self);
    return st;
}

cn_status cn_predictor_open(const cn_predictor_opts *opts, cn_predictor *p) {
    cn_return_val_if_fail(opts && p && !(opts->ngram_only && opts->transformer_only), CN_ERR_ARG);
    memset(p, 0, sizeof *p);
    cn_status st = CN_OK;
    if (!opts->ngram_only) { // the cheap check first: no n-gram training for a bad --model
        st = cn_predictor_resolve(opts->model, p->model_path, sizeof p->model_path);
        if (!st) st = cn_tf_load(p->model_path, &p->tf);
    }
    char base[128];
    int spread = opts->single_pass ? 0 : CN_PREDICTOR_SPREAD;
    if (!st && opts->transformer_only) {
        if ((st = cn_predictor_tf_ensemble(p->tf, spread, &p->model))) {
            cn_predictor_close(p);
            return st;
        }
        base_name(p->model_path, base, sizeof base);
        snprintf(p->name, sizeof p->name, "%s", base);
        return CN_OK;
    }
    cn_ngram_config cfg = cn_ngram_config_default();
    if (!st && opts->ngram_data)
        st = cn_ngram_ltm_train(cfg.ltm_order, opts->ngram_data, opts->n_ngram_data, &p->ltm);
    else if (!st)
        st = cn_predictor_default_ltm(cfg.ltm_order, &p->ltm);
    cn_event_model *ngram = NULL;
    if (!st) st = cn_ngram_create(&cfg, p->ltm, "ngram", &ngram);
    if (!st && opts->ngram_only) {
        p->model = ngram;
        snprintf(p->name, sizeof p->name, "ngram");
        return CN_OK;
    }
    cn_event_model *tf_model = NULL;
    if (!st) st = cn_predictor_tf_ensemble(p->tf, spread, &tf_model);
    if (st) {
        if (ngram) ngram->destroy(ngram->self);
        cn_predictor_close(p);
        return st;
    }
    base_name(p->model_path, base, sizeof base);
    snprintf(p->name, sizeof p->name, "%s+ngram", base);
    st = cn_predictor_mix(tf_model, ngram, 1, p->name, &p->model);
    if (st) cn_predictor_close(p); // the mixture destroyed its parts
    return st;
}

void cn_predictor_close(cn_predictor *p) {
    if (!p) return;
    if (p->model) p->model->destroy(p->model->self);
    cn_tf_destroy(p->tf);
    cn_ngram_ltm_destroy(p->ltm);
    memset(p, 0, sizeof *p);
}
