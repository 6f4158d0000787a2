/*
 * A plugin whose entry needs a provider loaded before it: it calls
 * list_backends during entry (which lists "the plugins loaded so far") and
 * declines to load unless provider_plugin.c's "example-store" is there. The
 * host starts plugins' child processes ahead of their turn; this checks that
 * such a child still sees exactly the plugins loaded before it.
 */
#include "kfmcp_plugin.h"

#include <stdlib.h>
#include <string.h>

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)json_in; (void)call;
    if (strcmp(tool, "seeker_ok") != 0) return KFMCP_ERR_UNKNOWN;
    *json_out = strdup("{\"result\":{\"ok\":true}}");
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static void free_result(char *p) { free(p); }

static const kfmcp_tool_v1 tools[] = {{
    .struct_size = sizeof(kfmcp_tool_v1),
    .risk = KFMCP_RISK_READ_ONLY,
    .name = "seeker_ok",
    .title = "Seeker (test)",
    .description = "Answers ok; loaded only when a provider was loaded before it.",
    .category = "discovery",
    .input_schema = "{\"type\":\"object\"}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "provider-seeker",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "Test plugin: needs a provider loaded before it.",
    .tools = tools,
    .tool_count = 1,
    .invoke = invoke,
    .free_result = free_result,
};

KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    char *listed = NULL;
    if (host->list_backends(host, &listed) != KFMCP_OK || listed == NULL) return NULL;
    int found = strstr(listed, "\"example-store\"") != NULL;
    host->free(host, listed);
    return found ? &manifest : NULL;
}
