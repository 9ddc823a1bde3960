// cn_registry: the table of known plugins. Built-ins are added at startup by cli/
// (cn_register_builtins) with cn_registry_add; external plugins come from shared objects
// that export `cn_plugin_entry` (see cn_plugin.h), loaded with cn_registry_load. Every
// descriptor's abi_version is checked before any other field is read. [main] thread only.
#ifndef CN_REGISTRY_H
#define CN_REGISTRY_H

#include "engine/cn_plugin.h"

#define CN_REGISTRY_MAX 64

// Add a descriptor (kept by pointer: it must outlive the registry, e.g. a static const).
// Fails on an ABI mismatch, a missing id/create/process, or an id already registered by a
// different descriptor; adding the same descriptor twice is a no-op.
cn_status cn_registry_add(const cn_plugin_desc *desc);
// dlopen a shared object and add every descriptor its cn_plugin_entry returns. The
// handle stays open for the life of the process (descriptors point into it).
cn_status cn_registry_load(const char *path);
// The descriptor with this id, or NULL (nothing recorded: callers word their own error).
const cn_plugin_desc *cn_registry_find(const char *id);
// Registered descriptors in registration order: 0 <= i < cn_registry_count().
int cn_registry_count(void);
const cn_plugin_desc *cn_registry_get(int i);
// Forget every descriptor (tests).
void cn_registry_clear(void);

#endif
