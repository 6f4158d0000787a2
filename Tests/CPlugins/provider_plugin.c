/*
 * A plugin providing a service of another kind than a fine-tuning backend
 * (kfmcp_plugin.h, PROVIDERS): the host routes call_backend to it by id, and
 * fine-tuning callers, which list providers of their own kind, never see it.
 * Built with -DKIND='"<JSON text of the kind>"' to try other kinds. Written with
 * the provider names kfmcp/providers.h appends (the backend names still compile).
 */
#include "kfmcp_plugin.h"

#include <stdlib.h>
#include <string.h>

#ifndef KIND
#define KIND "\"kfmcp.provider/example-storage/1\""
#endif

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)tool; (void)json_in; (void)call; (void)json_out;
    return KFMCP_ERR_UNKNOWN;
}

static int32_t provider_invoke(const char *id, const char *op, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)json_in; (void)call;
    if (strcmp(id, "example-store") != 0 || strcmp(op, "ping") != 0) return KFMCP_ERR_UNKNOWN;
    *json_out = strdup("{\"result\":{\"pong\":true}}");
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static void free_result(char *p) { free(p); }

static const kfmcp_provider_v1 providers[] = {{
    .struct_size = sizeof(kfmcp_provider_v1),
    .id = "example-store",
    .title = "Example storage provider",
    .version = "1.0.0",
    .capabilities_json = "{\"kind\":" KIND "}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "example-provider",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "Test plugin: a provider of a non-fine-tuning kind.",
    .backend_count = 1,
    .backends = providers,
    .invoke = invoke,
    .backend_invoke = provider_invoke,
    .free_result = free_result,
};

KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    (void)host;
    return &manifest;
}
