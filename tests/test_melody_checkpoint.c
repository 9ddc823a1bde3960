// test_melody_checkpoint: a saved melody transformer loads back with identical weights
// and identical predictions; damaged or mismatched files are refused with a message
// naming the file and what is wrong: truncated, not safetensors, another format, another
// version, a tensor of the wrong shape, a missing tensor, other conditioning tables.
#include <string.h>
#include <unistd.h>

#include "models/nn/cn_safetensors.h"
#include "cn_test.h"
#include "transformer_ref.h"

static const char *PATH = "test_melody_ckpt.tmp.safetensors";
static const char *BAD = "test_melody_ckpt_bad.tmp.safetensors";

static void expect_load_fails(cn_status want, const char *needle) {
    cn_tf *m = NULL;
    cn_status st = cn_tf_load(BAD, &m);
    TEST_ASSERT_MSG(st == want, "status %d, want %d (%s)", st, want, cn_error_message());
    TEST_ASSERT(m == NULL);
    TEST_ASSERT_MSG(strstr(cn_error_message(), needle) && strstr(cn_error_message(), BAD),
                    "'%s' lacks '%s'", cn_error_message(), needle);
    printf("refused: %s\n", cn_error_message());
}

// Write BAD from m's tensors with metadata edited: key=value replaces, tensor `drop` is
// left out (every tensor whose name starts with it), tensor `wrong` gets an extra leading dimension of 1.
static void write_variant(const cn_tf *m, const char *key, const char *value, const char *drop,
                          const char *wrong) {
    cn_st_file *f;
    TEST_OK(cn_st_open(PATH, &f));
    cn_st_writer *w;
    TEST_OK(cn_st_writer_create(&w));
    const char *keys[] = {"format", "version", "d_model", "n_layers", "n_heads", "ctx",
                          "dropout", "meters", "styles", "length_buckets", "tokenizer"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        TEST_OK(cn_st_writer_meta(w, keys[i], key && !strcmp(key, keys[i]) ? value : cn_st_meta(f, keys[i])));
    for (int i = 0; i < CN_TF_NPARAM; i++) {
        int s[4], nd = cn_tf_param_shape(&m->cfg, i, s + 1);
        if (drop && !strncmp(drop, cn_tf_param_name(i), strlen(drop))) continue;
        int extra = wrong && !strcmp(wrong, cn_tf_param_name(i));
        s[0] = 1;
        TEST_OK(cn_st_writer_add(w, cn_tf_param_name(i), cn_tf_tensor(&m->w, i), nd + extra, s + 1 - extra));
    }
    TEST_OK(cn_st_write(w, BAD));
    cn_st_writer_destroy(w);
    cn_st_close(f);
}

int main(void) {
    cn_tf_config c = {16, 2, 2, 16, 0.1f};
    cn_tf *m, *back;
    TEST_OK(cn_tf_create(&c, &m));
    ref_random_weights(m, 4, 0.2f);
    const char *meta[] = {"train_note", "hello", NULL};
    cn_tf_save_extra ex = {meta, NULL, NULL, 0};
    TEST_OK(cn_tf_save(m, PATH, &ex));
    TEST_OK(cn_tf_load(PATH, &back));
    TEST_ASSERT(back->n_params == m->n_params && !memcmp(back->params, m->params, m->n_params * 4));
    TEST_ASSERT(back->cfg.d_model == 16 && back->cfg.ctx == 16 && fabsf(back->cfg.dropout - 0.1f) < 1e-7f);

    // Same predictions, event by event.
    cn_tf_state *s1, *s2;
    TEST_OK(cn_tf_state_create(m, 1, &s1));
    TEST_OK(cn_tf_state_create(back, 1, &s2));
    cn_mevent ev[20];
    ref_random_events(ev, 20, 4);
    const cn_melody_cond cond = {2, 0, 1, 1};
    cn_tf_state_reset(s1, &cond);
    cn_tf_state_reset(s2, &cond);
    for (int i = 0; i < 20; i++) {
        float p1[CN_EV_NPITCH], p2[CN_EV_NPITCH];
        cn_tf_pitch_probs(m, cn_tf_state_hidden(s1), p1);
        cn_tf_pitch_probs(back, cn_tf_state_hidden(s2), p2);
        TEST_ASSERT(!memcmp(p1, p2, sizeof p1));
        cn_tf_state_observe(s1, &ev[i]);
        cn_tf_state_observe(s2, &ev[i]);
    }
    cn_tf_state_destroy(s1);
    cn_tf_state_destroy(s2);
    cn_tf_destroy(back);

    // Truncated copy.
    FILE *in = fopen(PATH, "rb"), *out = fopen(BAD, "wb");
    TEST_ASSERT(in && out);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n / 2, out);
    fclose(in);
    fclose(out);
    expect_load_fails(CN_ERR_FORMAT, "truncated");
    // Not a safetensors file at all.
    out = fopen(BAD, "wb");
    fputs("MThd this is a MIDI file, not a model", out);
    fclose(out);
    expect_load_fails(CN_ERR_FORMAT, "not safetensors");

    write_variant(m, "format", "continuo-wavenet", NULL, NULL);
    expect_load_fails(CN_ERR_VERSION, "continuo-wavenet");
    write_variant(m, "version", "99", NULL, NULL);
    expect_load_fails(CN_ERR_VERSION, "version 99");
    write_variant(m, "d_model", "32", NULL, NULL);
    expect_load_fails(CN_ERR_FORMAT, "expected shape [128,32] found [128,16]");
    write_variant(m, NULL, NULL, "head.rest.b", NULL);
    expect_load_fails(CN_ERR_FORMAT, "tensor head.rest.b missing");
    write_variant(m, NULL, NULL, NULL, "blocks.fc.w");
    expect_load_fails(CN_ERR_FORMAT, "expected shape [2,64,16] found [1,2,64,16]");
    write_variant(m, "styles", "nottingham,other", NULL, NULL);
    expect_load_fails(CN_ERR_VERSION, "styles");
    write_variant(m, "n_heads", "3", NULL, NULL);
    expect_load_fails(CN_ERR_FORMAT, "16, 2 layers, 3 heads");

    write_variant(m, NULL, NULL, "fim.", NULL);
    expect_load_fails(CN_ERR_FORMAT, "tensor fim.mark missing");

    // A version 1 file (before infilling) loads: the same weights, fresh infilling
    // tensors, and it is not an infilling model.
    write_variant(m, "version", "1", "fim.", NULL);
    TEST_OK(cn_tf_load(BAD, &back));
    size_t off = (size_t)(m->w.fim_mark - m->params);
    TEST_ASSERT(!back->fim && !memcmp(back->params, m->params, off * sizeof(float)));
    TEST_ASSERT(back->w.fim_mark[0] != 0 && back->w.fim_gap[0] != 0);
    cn_tf_destroy(back);
    // The infilling flag is saved and read back.
    m->fim = 1;
    TEST_OK(cn_tf_save(m, PATH, &ex));
    TEST_OK(cn_tf_load(PATH, &back));
    TEST_ASSERT(back->fim == 1);
    cn_tf_destroy(back);

    TEST_ASSERT(cn_tf_load("no/such/model.safetensors", &back) == CN_ERR_IO);
    unlink(PATH);
    unlink(BAD);
    cn_tf_destroy(m);
    printf("test_melody_checkpoint: ok\n");
    return 0;
}
