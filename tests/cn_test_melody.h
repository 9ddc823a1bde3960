// cn_test_melody.h: what the melody training tests share: a tiny transformer trained to
// memorise a few tunes (no augmentation, no dropout, no weight decay, a high learning
// rate), only `steps`, `batch` and the output path varying.
#ifndef CN_TEST_MELODY_H
#define CN_TEST_MELODY_H

#include "models/melody/cn_melody_train.h"

static inline cn_mtrain_config cn_test_tiny_training(long steps, int batch, const char *out_path) {
    cn_mtrain_config c;
    cn_mtrain_config_default(&c);
    c.arch = (cn_tf_config){32, 2, 2, 32, 0.0f};
    c.steps = steps;
    c.batch = batch;
    c.lr = 1e-2f;
    c.lr_min = 1e-3f;
    c.warmup = 10;
    c.weight_decay = 0.0f;
    c.transpose = 0;
    c.cond_dropout = 0.0f;
    c.eval_every = c.ckpt_every = 0;
    c.threads = 2;
    c.out_path = out_path;
    return c;
}

#endif
