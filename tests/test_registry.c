// LABELS: unit
// test_registry.c: plugin registry: add/find/list, ABI version and descriptor checks,
// duplicate ids, and clear errors from dlopen of missing or non-plugin objects.
#include <string.h>

#include "engine/cn_registry.h"
#include "cn_test.h"
#include "cn_test_plugins.h"

int main(void) {
    cn_registry_clear();
    TEST_ASSERT(cn_registry_count() == 0);
    TEST_OK(cn_registry_add(&test_sine_plugin));
    TEST_OK(cn_registry_add(&test_gain_plugin));
    TEST_OK(cn_registry_add(&test_sine_plugin)); // same descriptor again: no-op
    TEST_ASSERT(cn_registry_count() == 2);
    TEST_ASSERT(cn_registry_get(0) == &test_sine_plugin);
    TEST_ASSERT(cn_registry_get(1) == &test_gain_plugin);
    TEST_ASSERT(cn_registry_get(2) == NULL);
    TEST_ASSERT(cn_registry_find("testgain") == &test_gain_plugin);
    TEST_ASSERT(cn_registry_find("nope") == NULL);

    cn_plugin_desc bad = test_sine_plugin;
    bad.abi_version = CN_PLUGIN_ABI_VERSION + 1;
    bad.id = "future";
    TEST_ASSERT(cn_registry_add(&bad) == CN_ERR_VERSION);
    TEST_ASSERT(strstr(cn_error_message(), "ABI version"));
    bad = test_sine_plugin; // a different descriptor reusing an id
    TEST_ASSERT(cn_registry_add(&bad) == CN_ERR_STATE);
    TEST_ASSERT(strstr(cn_error_message(), "already registered"));
    bad.id = "noprocess";
    bad.process = NULL;
    TEST_ASSERT(cn_registry_add(&bad) == CN_ERR_FORMAT);
    TEST_ASSERT(cn_registry_count() == 2);

    TEST_ASSERT(cn_registry_load("/nonexistent/plugin.so") == CN_ERR_IO);
    TEST_ASSERT(strstr(cn_error_message(), "/nonexistent/plugin.so"));
    // A real shared object that is not a continuo plugin.
    TEST_ASSERT(cn_registry_load("libm.so.6") == CN_ERR_FORMAT);
    TEST_ASSERT(strstr(cn_error_message(), "cn_plugin_entry"));
    TEST_ASSERT(cn_registry_count() == 2);
    cn_registry_clear();
    printf("test_registry: ok\n");
    return 0;
}
