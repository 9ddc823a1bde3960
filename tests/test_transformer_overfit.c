// test_transformer_overfit: the training loop (cn_mtrain_run) on a tiny model and a tiny
// set of tunes: the loss must fall far below its start (the model memorizes the set);
// two runs with the same seed and thread count give bit-identical weights; a run
// stopped at a checkpoint and resumed ends bit-identical to the uninterrupted run.
#include <string.h>
#include <unistd.h>

#include "models/melody/cn_melody_train.h"
#include "cn_test_melody.h"
#include "cn_test.h"

typedef struct trace {
    float first, last;
    int n;
} trace;

static void on_step(const cn_progress *p, void *user) {
    trace *t = user;
    if (strcmp(p->event, "progress")) return;
    if (t->n++ == 0) t->first = (float)p->loss;
    t->last = (float)p->loss;
}

static void add_tune(cn_tune_set *s, const int *pitches, int n, int key) {
    cn_tune t = {{malloc((size_t)n * sizeof(cn_mevent)), n, 0}, {key, 0, 0, cn_length_bucket(n)}};
    for (int i = 0; i < n; i++) t.ev.ev[i] = (cn_mevent){pitches[i], i % 3 ? 6 : 12, i % 8 == 7 ? 6 : 0};
    s->t = realloc(s->t, (size_t)(s->n + 1) * sizeof *s->t);
    s->t[s->n++] = t;
    s->events += n;
}

static float *load_params(const char *path, size_t *n) {
    cn_tf *m;
    TEST_OK(cn_tf_load(path, &m));
    float *p = malloc(m->n_params * sizeof *p);
    memcpy(p, m->params, m->n_params * sizeof *p);
    *n = m->n_params;
    cn_tf_destroy(m);
    return p;
}

int main(void) {
    cn_tune_set set = {0};
    int a[24], b[24];
    for (int i = 0; i < 24; i++) {
        a[i] = 60 + (i * 7) % 12;
        b[i] = 67 - (i * 5) % 9;
    }
    add_tune(&set, a, 24, 0);
    add_tune(&set, b, 24, 7);

    cn_mtrain_config c = cn_test_tiny_training(150, 4, "test_overfit.tmp.safetensors");
    trace t = {0};
    c.progress = (cn_progress_cb){on_step, &t};
    cn_mtrain_result res;
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    printf("overfit: %.3f -> %.3f bits/note in %d steps (%.0f tok/s)\n", t.first, t.last, t.n, res.tokens_per_s);
    TEST_ASSERT(t.n == 150);
    TEST_ASSERT(t.first > 10);
    TEST_ASSERT(t.last < 0.15f * t.first);
    double bits;
    cn_tf *m;
    TEST_OK(cn_tf_load(c.out_path, &m));
    TEST_OK(cn_tf_eval_bits(m, &set, 2, &bits));
    cn_tf_destroy(m);
    printf("eval on the training set (conditioning unknown): %.3f bits/note\n", bits);
    TEST_ASSERT(bits < 0.3f * t.first);

    // Determinism and resume, with dropout and augmentation on.
    c.arch.dropout = 0.1f;
    c.transpose = 5;
    c.cond_dropout = 0.3f;
    c.steps = 20;
    c.progress = (cn_progress_cb){NULL, NULL};
    c.out_path = "test_overfit_a.tmp.safetensors";
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    c.out_path = "test_overfit_b.tmp.safetensors";
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    size_t na, nb, nc;
    float *pa = load_params("test_overfit_a.tmp.safetensors", &na);
    float *pb = load_params("test_overfit_b.tmp.safetensors", &nb);
    TEST_ASSERT(na == nb && !memcmp(pa, pb, na * sizeof *pa));
    // Interrupted at step 10, resumed to 20.
    c.steps = 10;
    c.ckpt_path = "test_overfit_c.tmp.ckpt";
    c.out_path = "test_overfit_c.tmp.safetensors";
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    c.steps = 20;
    c.resume_path = c.ckpt_path;
    c.ckpt_path = NULL;
    TEST_OK(cn_mtrain_run(&c, &set, NULL, &res));
    float *pc = load_params("test_overfit_c.tmp.safetensors", &nc);
    double md = 0;
    for (size_t i = 0; i < na; i++) md = fmax(md, fabs(pa[i] - pc[i]));
    printf("resumed vs uninterrupted: max weight diff %.3g\n", md);
    TEST_ASSERT(nc == na && md == 0);
    // A final model (no optimizer state) cannot be resumed.
    c.resume_path = "test_overfit_a.tmp.safetensors";
    TEST_ASSERT(cn_mtrain_run(&c, &set, NULL, &res) == CN_ERR_FORMAT);
    printf("resume refused: %s\n", cn_error_message());
    free(pa), free(pb), free(pc);
    unlink("test_overfit.tmp.safetensors");
    unlink("test_overfit_a.tmp.safetensors");
    unlink("test_overfit_b.tmp.safetensors");
    unlink("test_overfit_c.tmp.safetensors");
    unlink("test_overfit_c.tmp.ckpt");
    cn_tune_set_free(&set);
    printf("test_transformer_overfit: ok\n");
    return 0;
}
