// LABELS: unit
// test_graph_chain_uri.c: effect-chain specs with URIs (the `lv2:URI:PORT=VALUE` items)
// parse into the create() arguments the plugin should get, with a probe effect that
// records them: the URI keeps its ':' and '#', reaches create() as uri=URI %-escaped,
// its pairs and ',' continuations follow; items without a URI keep the old syntax.
// Needs no LV2 support (the probe stands in for the lv2 effect).
#include <string.h>

#include "engine/cn_graph.h"
#include "engine/cn_registry.h"
#include "cn_test.h"

static char seen[8][256];
static int n_seen;

static int token;
static cn_status probe_create(const char *args, void **out) {
    TEST_ASSERT(n_seen < 8);
    snprintf(seen[n_seen++], sizeof seen[0], "%s", args ? args : "(none)");
    *out = &token;
    return CN_OK;
}
static cn_status probe_prepare(void *s, double r, int m) {
    (void)s, (void)r, (void)m;
    return CN_OK;
}
static void probe_process(void *s, int64_t st, const float *in, float *out, int n) {
    (void)s, (void)st;
    if (in != out) memcpy(out, in, (size_t)n * sizeof *out);
}
static void probe_destroy(void *s) { (void)s; }

static const cn_plugin_desc probe = {
    .abi_version = CN_PLUGIN_ABI_VERSION, .id = "probe", .name = "Probe", .kind = CN_PLUGIN_EFFECT,
    .create = probe_create, .prepare = probe_prepare, .process = probe_process, .destroy = probe_destroy,
};

static void expect(const char *chain, int n, const char *const *want) {
    cn_graph *g;
    TEST_OK(cn_graph_create(48000, 64, 1, &g));
    n_seen = 0;
    TEST_OK(cn_graph_add_chain(g, chain));
    cn_graph_destroy(g);
    TEST_ASSERT_MSG(n_seen == n, "%s: %d effects, want %d", chain, n_seen, n);
    for (int i = 0; i < n; i++)
        TEST_ASSERT_MSG(!strcmp(seen[i], want[i]), "%s: effect %d got '%s', want '%s'", chain, i, seen[i], want[i]);
    printf("ok: %s\n", chain);
}

int main(void) {
    cn_registry_clear();
    TEST_OK(cn_registry_add(&probe));
    expect("probe:http://gareus.org/oss/lv2/fil4#mono:gain=-6", 1,
           (const char *const[]){"uri=http://gareus.org/oss/lv2/fil4#mono,gain=-6"});
    expect("probe:urn:a:b:c,probe:http://x.org/p?q=1%", 2,
           (const char *const[]){"uri=urn:a:b:c", "uri=http://x.org/p?q%3D1%25"});
    expect("probe:http://x.org/d:delay=100,report_latency=1,probe:gain=3:freq=800,probe", 3,
           (const char *const[]){"uri=http://x.org/d,delay=100,report_latency=1", "gain=3,freq=800", "(none)"});
    expect("probe:urn:x:y:_a1=2:b=3", 1, (const char *const[]){"uri=urn:x:y,_a1=2,b=3"});
    // Not a URI: no scheme (a '=' before the first ':'), so the old syntax and its errors.
    cn_graph *g;
    TEST_OK(cn_graph_create(48000, 64, 1, &g));
    TEST_ASSERT(cn_graph_add_chain(g, "probe:gain=3:x") == CN_ERR_ARG);
    printf("'probe:gain=3:x' -> %s\n", cn_error_message());
    cn_graph_destroy(g);
    cn_registry_clear();
    return 0;
}
