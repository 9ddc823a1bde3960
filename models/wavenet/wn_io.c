// wn_io.c: WaveNet checkpoint save/load on cn_safetensors (cn_wn_io.h).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/nn/cn_safetensors.h"
#include "models/wavenet/cn_wn_io.h"
#include "models/wavenet/cn_wn_eq.h"
#include "models/wavenet/cn_wn_levels.h"

cn_status cn_wn_save(const cn_wn_model *m, const char *path, const float *adam_m,
                     const float *adam_v, long step, const char *provenance) {
    const cn_wn_config *c = &m->cfg;
    cn_st_writer *w = NULL;
    cn_status st = cn_st_writer_create(&w);
    if (st) return st;
    char names[CN_WN_MAX_INSTRUMENTS * (CN_WN_NAME_MAX + 1)] = "";
    for (int i = 0; i < c->n_instruments; i++) {
        if (i) strcat(names, ",");
        strcat(names, c->instruments[i]);
    }
    st = cn_st_writer_meta(w, "format", CN_WN_FORMAT);
    if (!st) st = cn_st_writer_meta_int(w, "version", CN_WN_VERSION);
    if (!st) st = cn_st_writer_meta(w, "output", cn_wn_out_name(c->out));
    if (!st) st = cn_st_writer_meta_int(w, "n_layers", c->n_layers);
    if (!st) st = cn_st_writer_meta_int(w, "cycle", c->cycle);
    if (!st) st = cn_st_writer_meta_int(w, "res", c->res);
    if (!st) st = cn_st_writer_meta_int(w, "gate", c->gate);
    if (!st) st = cn_st_writer_meta_int(w, "skip", c->skip);
    if (!st) st = cn_st_writer_meta_int(w, "emb", c->emb);
    if (!st) st = cn_st_writer_meta_int(w, "sample_rate", c->sample_rate);
    if (!st) st = cn_st_writer_meta(w, "instruments", names);
    if (!st) st = cn_st_writer_meta_int(w, "step", step);
    if (!st && provenance) st = cn_st_writer_meta(w, "provenance", provenance);
    const float *ptr = m->mem;
    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(c, sizes);
    for (int i = 0; i < CN_WN_NPARAM && !st; i++) {
        int shape[3], nd = cn_wn_param_shape(c, i, shape);
        st = cn_st_writer_add(w, cn_wn_param_name(i), ptr, nd, shape);
        ptr += sizes[i];
    }
    int levels = 0;
    for (int i = 0; i < c->n_instruments; i++)
        for (int k = 0; k < 128; k++) levels |= m->level_db[i][k] != 0.0f || m->legato_db[i][k] != 0.0f;
    int lshape[2] = {c->n_instruments, 128};
    if (!st && levels) st = cn_st_writer_add(w, CN_WN_LEVELS_TENSOR, &m->level_db[0][0], 2, lshape);
    if (!st && levels && m->legato) st = cn_st_writer_add(w, CN_WN_LEGATO_TENSOR, &m->legato_db[0][0], 2, lshape);
    int decay = 0;
    for (int i = 0; i < c->n_instruments; i++) decay |= cn_wn_decay_set(m, i);
    int dshape[3] = {c->n_instruments, 128, CN_WN_DECAY_KNOTS};
    if (!st && m->follow) st = cn_st_writer_add(w, CN_WN_TARGET_TENSOR, &m->target_db[0][0][0], 3, dshape);
    if (!st && decay) st = cn_st_writer_add(w, CN_WN_DECAY_TENSOR, &m->decay_db[0][0][0], 3, dshape);
    int eq = 0;
    const int eq_bands = cn_wn_eq_table_bands(m->eq_per_octave);
    float eq_rows[CN_WN_MAX_INSTRUMENTS * CN_WN_EQ_MAX_BANDS]; // the layout's bands of each row
    for (int i = 0; i < c->n_instruments; i++) {
        eq |= cn_wn_eq_set(m, i);
        memcpy(eq_rows + i * eq_bands, m->eq_db[i], (size_t)eq_bands * sizeof *eq_rows);
    }
    int eshape[2] = {c->n_instruments, eq_bands};
    if (!st && eq) st = cn_st_writer_add(w, CN_WN_EQ_TENSOR, eq_rows, 2, eshape);
    int flat[1] = {(int)m->n_params};
    if (!st && adam_m) st = cn_st_writer_add(w, "adam.m", adam_m, 1, flat);
    if (!st && adam_v) st = cn_st_writer_add(w, "adam.v", adam_v, 1, flat);
    if (!st) st = cn_st_write(w, path);
    cn_st_writer_destroy(w);
    return st;
}

static cn_status wn_meta_int(const cn_st_file *f, const char *key, int *out) {
    long v;
    cn_status st = cn_st_meta_int(f, key, &v);
    if (st) return st;
    if (v < -1000000 || v > 1000000)
        return cn_fail(CN_ERR_FORMAT, "%s: metadata %s = %ld is out of range", cn_st_path(f), key, v);
    *out = (int)v;
    return CN_OK;
}

static cn_status wn_parse_config(const cn_st_file *f, cn_wn_config *c) {
    memset(c, 0, sizeof *c);
    cn_status st = cn_st_check_format(f, CN_WN_FORMAT, CN_WN_VERSION);
    if (!st) st = wn_meta_int(f, "n_layers", &c->n_layers);
    if (!st) st = wn_meta_int(f, "cycle", &c->cycle);
    if (!st) st = wn_meta_int(f, "res", &c->res);
    if (!st) st = wn_meta_int(f, "gate", &c->gate);
    if (!st) st = wn_meta_int(f, "skip", &c->skip);
    if (!st) st = wn_meta_int(f, "emb", &c->emb);
    if (!st) st = wn_meta_int(f, "sample_rate", &c->sample_rate);
    if (st) return st;
    const char *out = cn_st_meta(f, "output"); // files before the Gaussian head have none
    if (out && (c->out = cn_wn_out_parse(out)) < 0)
        return cn_fail(CN_ERR_FORMAT, "%s: unknown output head \"%s\" (mulaw or gauss)", cn_st_path(f), out);
    const char *names = cn_st_meta(f, "instruments");
    if (!names || !*names)
        return cn_fail(CN_ERR_FORMAT, "%s: metadata has no instruments (not a continuo wavenet?)",
                       cn_st_path(f));
    for (const char *p = names; *p;) {
        size_t len = strcspn(p, ",");
        if (c->n_instruments >= CN_WN_MAX_INSTRUMENTS || len == 0 || len >= CN_WN_NAME_MAX)
            return cn_fail(CN_ERR_FORMAT, "%s: bad instrument list '%s'", cn_st_path(f), names);
        memcpy(c->instruments[c->n_instruments++], p, len);
        p += len + (p[len] == ',');
    }
    st = cn_wn_config_check(c);
    if (st) return cn_fail_prefix(st, "%s", cn_st_path(f));
    return CN_OK;
}

static cn_status wn_get_finite(const cn_st_file *f, const char *name, int nd, const int *shape,
                               float *dst, size_t n) {
    const float *data;
    cn_status st = cn_st_get(f, name, nd, shape, &data);
    if (st) return st;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(data[i]))
            return cn_fail(CN_ERR_FORMAT, "%s: tensor %s holds a non-finite value at %zu "
                           "(hint: the file is corrupt; retrain or re-download it)",
                           cn_st_path(f), name, i);
    memcpy(dst, data, n * sizeof *dst);
    return CN_OK;
}

// A calibration table (dB): finite and within +-limit, or the file is corrupt.
static cn_status wn_get_table(const cn_st_file *f, const char *name, int nd, const int *shape, float *dst, size_t n,
                              int limit) {
    cn_status st = wn_get_finite(f, name, nd, shape, dst, n);
    for (size_t i = 0; !st && i < n; i++)
        if (fabsf(dst[i]) > (float)limit)
            st = cn_fail(CN_ERR_FORMAT, "%s: tensor %s holds %g dB, beyond +-%d (hint: the file is corrupt)",
                         cn_st_path(f), name, dst[i], limit);
    return st;
}

cn_status cn_wn_load(const char *path, cn_wn_model **out, float **adam_m, float **adam_v,
                     long *step) {
    *out = NULL;
    cn_st_file *f = NULL;
    cn_wn_model *m = NULL;
    float *am = NULL, *av = NULL;
    cn_wn_config cfg;
    cn_status st = cn_st_open(path, &f);
    if (!st) st = wn_parse_config(f, &cfg);
    if (!st) st = cn_wn_create(&cfg, &m);
    if (st) goto fail;
    size_t sizes[CN_WN_NPARAM];
    cn_wn_param_sizes(&cfg, sizes);
    float *ptr = m->mem;
    for (int i = 0; i < CN_WN_NPARAM; i++) {
        int shape[3], nd = cn_wn_param_shape(&cfg, i, shape);
        st = wn_get_finite(f, cn_wn_param_name(i), nd, shape, ptr, sizes[i]);
        if (st) goto fail;
        ptr += sizes[i];
    }
    if (cn_st_find(f, CN_WN_LEVELS_TENSOR)) {
        int lshape[2] = {cfg.n_instruments, 128};
        st = wn_get_finite(f, CN_WN_LEVELS_TENSOR, 2, lshape, &m->level_db[0][0], (size_t)cfg.n_instruments * 128);
        if (st) goto fail;
    }
    if (cn_st_find(f, CN_WN_LEGATO_TENSOR)) {
        int lshape[2] = {cfg.n_instruments, 128};
        st = wn_get_finite(f, CN_WN_LEGATO_TENSOR, 2, lshape, &m->legato_db[0][0], (size_t)cfg.n_instruments * 128);
        if (st) goto fail;
        m->legato = 1;
    } else
        memcpy(m->legato_db, m->level_db, sizeof m->legato_db); // one table for every note, as calibrated then
    if (cn_st_find(f, CN_WN_TARGET_TENSOR)) {
        int tshape[3] = {cfg.n_instruments, 128, CN_WN_DECAY_KNOTS};
        st = wn_get_table(f, CN_WN_TARGET_TENSOR, 3, tshape, &m->target_db[0][0][0],
                          (size_t)cfg.n_instruments * 128 * CN_WN_DECAY_KNOTS, CN_WN_TARGET_MAX_DB);
        if (st) goto fail;
        m->follow = 1;
    }
    if (cn_st_find(f, CN_WN_DECAY_TENSOR)) {
        int dshape[3] = {cfg.n_instruments, 128, CN_WN_DECAY_KNOTS};
        st = wn_get_table(f, CN_WN_DECAY_TENSOR, 3, dshape, &m->decay_db[0][0][0],
                          (size_t)cfg.n_instruments * 128 * CN_WN_DECAY_KNOTS, CN_WN_DECAY_MAX_DB);
        if (st) goto fail;
    }
    const cn_st_tensor *eqt = cn_st_find(f, CN_WN_EQ_TENSOR);
    if (eqt) { // its width says the layout: 9, 17 or 25 bands (1, 2 or 3 per octave)
        int per = eqt->ndim == 2 && eqt->shape[1] > 1 ? (eqt->shape[1] - 1) / 8 : 0;
        if (per < 1 || per > CN_WN_EQ_MAX_PER_OCTAVE || cn_wn_eq_table_bands(per) != eqt->shape[1]) per = 1;
        const int eq_bands = cn_wn_eq_table_bands(per);
        int eshape[2] = {cfg.n_instruments, eq_bands};
        float rows[CN_WN_MAX_INSTRUMENTS * CN_WN_EQ_MAX_BANDS];
        st = wn_get_table(f, CN_WN_EQ_TENSOR, 2, eshape, rows, (size_t)cfg.n_instruments * eq_bands, CN_WN_EQ_LIMIT_DB);
        if (st) goto fail;
        m->eq_per_octave = per;
        for (int i = 0; i < cfg.n_instruments; i++) memcpy(m->eq_db[i], rows + i * eq_bands, (size_t)eq_bands * sizeof *rows);
    }
    long s = 0;
    if (cn_st_meta(f, "step") && (st = cn_st_meta_int(f, "step", &s))) goto fail;
    if (step) *step = s;
    if (adam_m && adam_v) {
        am = calloc(m->n_params, sizeof *am);
        av = calloc(m->n_params, sizeof *av);
        if (!am || !av) {
            st = cn_fail(CN_ERR_NOMEM, "%s: out of memory for optimizer state", path);
            goto fail;
        }
        int flat[1] = {(int)m->n_params};
        if (cn_st_find(f, "adam.m")) {
            st = wn_get_finite(f, "adam.m", 1, flat, am, m->n_params);
            if (!st) st = wn_get_finite(f, "adam.v", 1, flat, av, m->n_params);
            if (st) goto fail;
        }
        *adam_m = am;
        *adam_v = av;
    }
    cn_st_close(f);
    *out = m;
    return CN_OK;
fail:
    free(am);
    free(av);
    cn_wn_destroy(m);
    cn_st_close(f);
    return st;
}
