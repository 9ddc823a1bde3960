// transformer_io.c: melody transformer model files (cn_transformer.h) in safetensors
// (cn_safetensors.h). Metadata: format "continuo-melody", version, the architecture
// (d_model, n_layers, n_heads, ctx, dropout), the vocabulary sizes and conditioning
// tables it was trained with (checked on load: a file made with other tables would
// silently mean other things), plus whatever the trainer adds (provenance). A
// resumable checkpoint also holds the AdamW moments as "optim.m" / "optim.v" and the step.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_safetensors.h"
#include "models/melody/cn_transformer.h"

static void join_names(char *buf, size_t cap, const char *const *names) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; names[i] && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, i ? ",%s" : "%s", names[i]);
}

cn_status cn_tf_save(const cn_tf *m, const char *path, const cn_tf_save_extra *extra) {
    cn_st_writer *w;
    cn_status st = cn_st_writer_create(&w);
    if (st) return st;
    const cn_tf_config *c = &m->cfg;
    char meters[256], styles[256];
    join_names(meters, sizeof meters, cn_meter_names);
    join_names(styles, sizeof styles, cn_style_names);
    st = cn_st_writer_meta(w, "format", CN_TF_FORMAT);
    if (!st) st = cn_st_writer_meta_int(w, "version", CN_TF_VERSION);
    if (!st) st = cn_st_writer_meta_int(w, "d_model", c->d_model);
    if (!st) st = cn_st_writer_meta_int(w, "n_layers", c->n_layers);
    if (!st) st = cn_st_writer_meta_int(w, "n_heads", c->n_heads);
    if (!st) st = cn_st_writer_meta_int(w, "ctx", c->ctx);
    if (!st) st = cn_st_writer_meta_double(w, "dropout", c->dropout);
    if (!st) st = cn_st_writer_meta(w, "tokenizer",
                                    "events: pitch 0..127, dur ticks 1..96, rest ticks 0..96, 12 ticks/beat");
    if (!st) st = cn_st_writer_meta(w, "meters", meters);
    if (!st) st = cn_st_writer_meta(w, "styles", styles);
    if (!st) st = cn_st_writer_meta_int(w, "length_buckets", CN_NLENGTH);
    if (!st && m->fim) st = cn_st_writer_meta_int(w, "fim", 1);
    for (int i = 0; !st && extra && extra->meta && extra->meta[i] && extra->meta[i + 1]; i += 2)
        st = cn_st_writer_meta(w, extra->meta[i], extra->meta[i + 1]);
    for (int i = 0; !st && i < CN_TF_NPARAM; i++) {
        int s[3], nd = cn_tf_param_shape(c, i, s);
        st = cn_st_writer_add(w, cn_tf_param_name(i), cn_tf_tensor(&m->w, i), nd, s);
    }
    if (!st && extra && extra->adam_m && extra->adam_v) {
        if (m->n_params > 2147483647u) st = cn_fail(CN_ERR_RANGE, "too many parameters to save");
        int s[1] = {(int)m->n_params};
        if (!st) st = cn_st_writer_add(w, "optim.m", extra->adam_m, 1, s);
        if (!st) st = cn_st_writer_add(w, "optim.v", extra->adam_v, 1, s);
        if (!st) st = cn_st_writer_meta_int(w, "step", extra->step);
    }
    if (!st) st = cn_st_write(w, path);
    cn_st_writer_destroy(w);
    return st;
}

static cn_status check_meta_str(const cn_st_file *f, const char *key, const char *want) {
    const char *got = cn_st_meta(f, key);
    if (!got || strcmp(got, want))
        return cn_fail(CN_ERR_VERSION, "%s: %s \"%s\", this build uses \"%s\" (hint: retrain with this version)",
                       cn_st_path(f), key, got ? got : "(none)", want);
    return CN_OK;
}

static cn_status read_config(const cn_st_file *f, cn_tf_config *c) {
    long v[4];
    const char *keys[4] = {"d_model", "n_layers", "n_heads", "ctx"};
    double drop;
    for (int i = 0; i < 4; i++) {
        cn_status st = cn_st_meta_int(f, keys[i], &v[i]);
        if (st) return st;
        if (v[i] < 1 || v[i] > 1 << 20)
            return cn_fail(CN_ERR_FORMAT, "%s: metadata %s = %ld out of range", cn_st_path(f), keys[i], v[i]);
    }
    cn_status st = cn_st_meta_double(f, "dropout", &drop);
    if (st) return st;
    *c = (cn_tf_config){(int)v[0], (int)v[1], (int)v[2], (int)v[3], (float)drop};
    if ((st = cn_tf_config_check(c))) {
        return cn_fail_prefix(CN_ERR_FORMAT, "%s", cn_st_path(f));
    }
    char meters[256], styles[256];
    join_names(meters, sizeof meters, cn_meter_names);
    join_names(styles, sizeof styles, cn_style_names);
    if ((st = check_meta_str(f, "meters", meters))) return st;
    if ((st = check_meta_str(f, "styles", styles))) return st;
    long nl;
    if ((st = cn_st_meta_int(f, "length_buckets", &nl))) return st;
    if (nl != CN_NLENGTH)
        return cn_fail(CN_ERR_VERSION, "%s: %ld length buckets, this build uses %d", cn_st_path(f), nl, CN_NLENGTH);
    return CN_OK;
}

cn_status cn_tf_load(const char *path, cn_tf **out) {
    cn_return_val_if_fail(path && out, CN_ERR_ARG);
    *out = NULL;
    cn_st_file *f;
    cn_status st = cn_st_open(path, &f);
    if (st) return st;
    cn_tf_config c;
    cn_tf *m = NULL;
    long version;
    if ((st = cn_st_check_format_range(f, CN_TF_FORMAT, CN_TF_VERSION_MIN, CN_TF_VERSION, &version)) ||
        (st = read_config(f, &c)) || (st = cn_tf_create(&c, &m)))
        goto done;
    // A version 1 file has no infilling tensors: they start as a fresh model's would,
    // for fine-tuning to train (cn_tf_init_weights draws them last, from the same seed).
    if (version < 2) cn_tf_init_weights(m, 1);
    long fim = 0;
    m->fim = cn_st_meta(f, "fim") && !cn_st_meta_int(f, "fim", &fim) && fim == 1;
    size_t sizes[CN_TF_NPARAM];
    cn_tf_param_sizes(&c, sizes);
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        if (version < 2 && (i == CN_TF_FIM_MARK || i == CN_TF_FIM_GAP)) continue;
        int s[3], nd = cn_tf_param_shape(&c, i, s);
        const float *d;
        if ((st = cn_st_get(f, cn_tf_param_name(i), nd, s, &d))) goto done;
        memcpy(cn_tf_tensor(&m->w, i), d, sizes[i] * sizeof(float));
    }
    *out = m;
    m = NULL;
done:
    cn_tf_destroy(m);
    cn_st_close(f);
    return st;
}

cn_status cn_tf_load_optim(const char *path, const cn_tf *m, float *adam_m, float *adam_v,
                           long *step) {
    cn_st_file *f;
    cn_status st = cn_st_open(path, &f);
    if (st) return st;
    int s[1] = {(int)m->n_params};
    const float *dm, *dv;
    if (!(st = cn_st_get(f, "optim.m", 1, s, &dm)) && !(st = cn_st_get(f, "optim.v", 1, s, &dv)) &&
        !(st = cn_st_meta_int(f, "step", step))) {
        memcpy(adam_m, dm, m->n_params * sizeof(float));
        memcpy(adam_v, dv, m->n_params * sizeof(float));
    }
    if (st == CN_ERR_FORMAT && !cn_st_find(f, "optim.m"))
        st = cn_fail(CN_ERR_FORMAT, "%s: no optimizer state (hint: --resume needs a checkpoint written during training; use --init for a final model)", path);
    cn_st_close(f);
    return st;
}
