// test_core: the shipped-file lookup, preset resolver and file-name tests (core/paths.c), SHA-256 against
// FIPS 180-4 vectors (core/sha256.c), key=value lists (core/kv.c), error context
// (cn_fail_prefix), and the OpenBLAS core choice (models/nn/blas_core.c) for known CPU
// feature sets.
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/nn/cn_blas_core.h"
#include "core/cn_kv.h"
#include "core/cn_paths.h"
#include "core/cn_sha256.h"
#include "cn_test.h"

static void sha_hex(const char *msg, size_t n, char hex[65]) {
    cn_sha256 s;
    uint8_t d[32];
    cn_sha256_init(&s);
    // in uneven pieces, to cross block boundaries mid-update
    for (size_t i = 0; i < n;) {
        size_t k = (i % 7) + 1 < n - i ? (i % 7) + 1 : n - i;
        cn_sha256_update(&s, msg + i, k);
        i += k;
    }
    cn_sha256_final(&s, d);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void test_sha256(void) {
    char hex[65];
    sha_hex("", 0, hex);
    TEST_ASSERT(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    sha_hex("abc", 3, hex);
    TEST_ASSERT(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; // 56 bytes: two pad blocks
    sha_hex(m, strlen(m), hex);
    TEST_ASSERT(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    static char million[1000000];
    memset(million, 'a', sizeof million);
    sha_hex(million, sizeof million, hex);
    TEST_ASSERT(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    TEST_ASSERT(cn_sha256_file("/nonexistent/x", hex) == CN_ERR_IO);
}

static void test_blas_core(void) {
    const unsigned sse = CN_CPU_SSE3 | CN_CPU_SSSE3 | CN_CPU_SSE42, avx2 = sse | CN_CPU_AVX | CN_CPU_AVX2_FMA;
    TEST_ASSERT(cn_blas_core_for(0) == NULL);
    TEST_ASSERT(!strcmp(cn_blas_core_for(CN_CPU_SSE3), "Prescott"));
    TEST_ASSERT(!strcmp(cn_blas_core_for(sse | CN_CPU_AVX), "Sandybridge"));
    TEST_ASSERT(!strcmp(cn_blas_core_for(avx2), "Haswell"));
    TEST_ASSERT(!strcmp(cn_blas_core_for(avx2 | CN_CPU_AVX512), "SkylakeX"));
    TEST_ASSERT(!strcmp(cn_blas_core_for(avx2 | CN_CPU_AVX512 | CN_CPU_AVX512_BF16), "Cooperlake"));
    // bf16 without the rest of AVX-512 (impossible, but never a core the CPU cannot run)
    TEST_ASSERT(!strcmp(cn_blas_core_for(avx2 | CN_CPU_AVX512_BF16), "Haswell"));
    // The case this exists for: OpenBLAS 0.3.21 runs Prescott on an AVX-512 Xeon.
    TEST_ASSERT(!strcmp(cn_blas_core_upgrade("Prescott", "Cooperlake"), "Cooperlake"));
    TEST_ASSERT(!strcmp(cn_blas_core_upgrade("skylakex", "Cooperlake"), "Cooperlake"));
    TEST_ASSERT(cn_blas_core_upgrade("Cooperlake", "Cooperlake") == NULL);
    TEST_ASSERT(cn_blas_core_upgrade("Cooperlake", "Haswell") == NULL); // never a downgrade
    TEST_ASSERT(cn_blas_core_upgrade("Zen", "Haswell") == NULL);       // Zen runs Haswell kernels
    TEST_ASSERT(cn_blas_core_upgrade("SapphireRapids", "Cooperlake") == NULL); // unknown: leave it
    TEST_ASSERT(cn_blas_core_upgrade("Prescott", NULL) == NULL);
    // This machine: the chosen core is one the CPU supports, and no weaker than Prescott.
    const char *best = cn_blas_core_best();
    printf("  this CPU: features 0x%x, best core %s\n", cn_cpu_features(), best ? best : "none");
#if defined(__x86_64__)
    TEST_ASSERT(best && cn_blas_core_rank(best) >= cn_blas_core_rank("Prescott"));
    if (__builtin_cpu_supports("avx512f")) TEST_ASSERT(cn_blas_core_rank(best) >= cn_blas_core_rank("SkylakeX"));
#endif
    char v[64];
    cn_blas_version(v, sizeof v);
    TEST_ASSERT(!strncmp(v, "OpenBLAS ", 9) && !strchr(v + 9, ' '));
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    TEST_ASSERT(f);
    fputs(text, f);
    fclose(f);
}

static void collect(const char *dir, const char *file, void *user) {
    (void)dir;
    char *buf = user;
    strcat(buf, file);
    strcat(buf, " ");
}

static void test_presets(void) {
    // The test binary lives in BUILD/tests, so BUILD/share/continuo is found as ../share/continuo.
    const char *share = cn_share_dir();
    printf("  shipped folder: %s\n", share);
    TEST_ASSERT(*share);
    char path[CN_PATH_MAX], user_dir[] = "/tmp/cn_paths_XXXXXX";
    TEST_OK(cn_share_path("data/demo/primer.txt", path, sizeof path));
    TEST_ASSERT(cn_share_path("data/nothing-here", path, sizeof path) == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "data/nothing-here"));

    unsetenv("CONTINUO_PRESETS");
    TEST_OK(cn_preset_find("violin", "wavenet-", NULL, path, sizeof path));
    TEST_ASSERT(strstr(path, "/presets/wavenet-violin.json"));
    TEST_OK(cn_preset_find("melody", "melody", ".safetensors", path, sizeof path));
    TEST_ASSERT(strstr(path, "/presets/melody.json"));
    TEST_OK(cn_preset_find("melody-folk", "melody", ".safetensors", path, sizeof path));
    TEST_ASSERT(strstr(path, "/presets/melody-folk.safetensors"));
    TEST_ASSERT(cn_preset_find("oboe", "wavenet-", NULL, path, sizeof path) == CN_ERR_ARG);
    TEST_ASSERT(strstr(cn_error_message(), "wavenet-cello, wavenet-clarinet, wavenet-flute, wavenet-flute-16k, wavenet-guitar, wavenet-horn, wavenet-piano, "
                                            "wavenet-trumpet, wavenet-trumpet-16k, wavenet-violin, wavenet-violin-16k"));
    TEST_ASSERT(cn_preset_find("./no/such.json", NULL, NULL, path, sizeof path) == CN_ERR_IO);
    char names[512];
    cn_presets_names("wavenet-", 1, names, sizeof names);
    TEST_ASSERT(!strcmp(names, "cello, clarinet, flute, flute-16k, guitar, horn, piano, trumpet, trumpet-16k, violin, violin-16k"));

    // A user's folder comes first and hides a shipped preset of the same name.
    TEST_ASSERT(mkdtemp(user_dir));
    char mine[CN_PATH_MAX];
    snprintf(mine, sizeof mine, "%s/wavenet-violin.json", user_dir);
    write_file(mine, "{\"model\": \"x.safetensors\", \"instrument\": \"violin\", \"description\": \"mine\"}");
    snprintf(mine, sizeof mine, "%s/wavenet-oboe.json", user_dir);
    write_file(mine, "{\"model\": \"x.safetensors\", \"instrument\": \"oboe\"}");
    setenv("CONTINUO_PRESETS", user_dir, 1);
    TEST_OK(cn_preset_find("violin", "wavenet-", NULL, path, sizeof path));
    TEST_ASSERT(!strncmp(path, user_dir, strlen(user_dir)));
    TEST_OK(cn_preset_find("flute", "wavenet-", NULL, path, sizeof path)); // still the shipped one
    TEST_ASSERT(strstr(path, share));
    cn_presets_names("wavenet-", 1, names, sizeof names);
    TEST_ASSERT(!strcmp(names, "oboe, violin, cello, clarinet, flute, flute-16k, guitar, horn, piano, trumpet, trumpet-16k, violin-16k"));
    char all[1024] = "";
    cn_presets_each(collect, all);
    TEST_ASSERT(!strcmp(all, "wavenet-oboe.json wavenet-violin.json melody.json wavenet-cello.json "
                             "wavenet-clarinet.json wavenet-flute.json wavenet-flute-16k.json wavenet-guitar.json "
                             "wavenet-horn.json wavenet-piano.json wavenet-trumpet.json wavenet-trumpet-16k.json "
                             "wavenet-violin-16k.json "));
    cn_preset_info in;
    snprintf(mine, sizeof mine, "%s/wavenet-violin.json", user_dir);
    TEST_OK(cn_preset_read_info(mine, &in));
    TEST_ASSERT(!strcmp(in.kind, "instrument") && !strcmp(in.description, "mine") && !strcmp(in.model, "x.safetensors"));
    write_file(mine, "[1,2");
    TEST_ASSERT(cn_preset_read_info(mine, &in) == CN_ERR_FORMAT);
    // Strict keys and types: a typo or a wrong type is an error naming it, never ignored.
    const char *bad[][2] = {{"{\"model\": \"m\", \"temprature\": 0.5}", "unknown key \"temprature\""},
                            {"{\"model\": \"m\", \"temperature\": \"hot\"}", "\"temperature\" must be a number"},
                            {"{\"instrument\": \"flute\"}", "no \"model\""},
                            {"{\"model\": 3}", "\"model\" must be a non-empty string"},
                            {"{\"model\": \"\"}", "\"model\" must be a non-empty string"}};
    for (int i = 0; i < 5; i++) {
        TEST_ASSERT(cn_preset_parse_info(bad[i][0], strlen(bad[i][0]), "p.json", &in) == CN_ERR_FORMAT);
        TEST_ASSERT_MSG(strstr(cn_error_message(), bad[i][1]), "%s -> %s", bad[i][0], cn_error_message());
    }
    const char *good = "{\"weights\": \"w.safetensors\", \"temperature\": 0.25, \"gain\": 2}";
    TEST_OK(cn_preset_parse_info(good, strlen(good), "p.json", &in));
    TEST_ASSERT(!strcmp(in.model, "w.safetensors") && in.temperature == 0.25 && in.gain == 2 && !strcmp(in.kind, "melody"));
    unlink(mine);
    snprintf(mine, sizeof mine, "%s/wavenet-oboe.json", user_dir);
    unlink(mine);
    rmdir(user_dir);
    unsetenv("CONTINUO_PRESETS");
}

static void test_file_names(void) {
    TEST_ASSERT(cn_has_suffix("a.json", ".json") && !cn_has_suffix("a.JSON", ".json") && !cn_has_suffix("n", ".json"));
    const char *midi[] = {"t.mid", "t.midi", "Tune.MID", "x/y.Mid", "a.b.MIDI"};
    for (int i = 0; i < 5; i++) TEST_ASSERT(cn_is_midi_name(midi[i]));
    const char *other[] = {"t.mid.txt", ".mid", "x/.midi", "mid", "t.mi", "t.midx", "x.mid/y"};
    for (int i = 0; i < 7; i++) TEST_ASSERT(!cn_is_midi_name(other[i]));
    TEST_ASSERT(cn_is_hidden_name("._t.wav") && cn_is_hidden_name("..") && !cn_is_hidden_name("t.wav"));
}

static void test_kv(void) {
    const char *p = "a=1,name=violin,empty=,x=y=z";
    cn_kv kv;
    cn_status st;
    char buf[8];
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 1 && cn_kv_is(&kv, "a") && !cn_kv_is(&kv, "ab"));
    TEST_OK(cn_kv_value(&kv, "t", buf, sizeof buf));
    TEST_ASSERT(!strcmp(buf, "1"));
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 1 && cn_kv_is(&kv, "name"));
    TEST_ASSERT(cn_kv_value(&kv, "t", buf, 4) == CN_ERR_ARG); // "violin" needs 7 bytes
    TEST_ASSERT(strstr(cn_error_message(), "too long") && strstr(cn_error_message(), "'name'"));
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 1 && kv.value_len == 0);
    TEST_ASSERT(cn_kv_value(&kv, "t", buf, sizeof buf) == CN_ERR_ARG);
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 1 && cn_kv_is(&kv, "x") && kv.value_len == 3);
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 0 && st == CN_OK); // end
    const char *bad[] = {"novalue", "=1", "a=1,,b=2", "a=1,"};
    const int good_items[] = {0, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
        const char *q = bad[i];
        int n = 0;
        while (cn_kv_next(&q, "plugin 'x'", &kv, &st)) n++;
        if (i < 3) {
            TEST_ASSERT_MSG(st == CN_ERR_ARG && n == good_items[i], "'%s': %d items, st %d", bad[i], n, st);
            TEST_ASSERT(strstr(cn_error_message(), "plugin 'x': expected key=value"));
        } else {
            TEST_ASSERT(st == CN_OK && n == 1); // a trailing comma ends the list
        }
    }
    p = NULL;
    TEST_ASSERT(cn_kv_next(&p, "t", &kv, &st) == 0 && st == CN_OK);
}

static void test_fail_prefix(void) {
    cn_fail(CN_ERR_RANGE, "wavenet: 0 layers (1..40)");
    TEST_ASSERT(cn_fail_prefix(CN_ERR_RANGE, "%s", "/tmp/m.safetensors") == CN_ERR_RANGE);
    TEST_ASSERT(!strcmp(cn_error_message(), "/tmp/m.safetensors: wavenet: 0 layers (1..40)"));
    char long_ctx[700];
    memset(long_ctx, 'x', sizeof long_ctx - 1);
    long_ctx[sizeof long_ctx - 1] = 0;
    cn_fail_prefix(CN_ERR_IO, "%s", long_ctx); // truncated, never overflowing
    TEST_ASSERT(strlen(cn_error_message()) < 512);
}

int main(void) {
    test_kv();
    test_fail_prefix();
    test_sha256();
    test_blas_core();
    test_presets();
    test_file_names();
    printf("test_core: ok\n");
    return 0;
}
