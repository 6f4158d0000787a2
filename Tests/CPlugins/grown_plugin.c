/*
 * A plugin from a future minor version: its manifest and tool structs carry a
 * field appended after ABI 1.1, so their struct_size is larger than this
 * host's sizeof. The host must load it, stepping through tools by the
 * plugin's struct_size and never reading the fields it does not know.
 * Its entry checks the host the way every plugin should (PluginKit does too):
 * struct_size at least ABI 1.0's, same major.
 */
#include "kfmcp_plugin.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    kfmcp_tool_v1 v1;
    const char *appended_field; /* a later minor's addition */
} grown_tool;

typedef struct {
    kfmcp_manifest_v1 v1;
    const char *appended_field;
    uint64_t appended_flags;
} grown_manifest;

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)json_in;
    (void)call;
    const char *answer = strcmp(tool, "grown_one") == 0 ? "{\"result\":{\"tool\":1}}" : "{\"result\":{\"tool\":2}}";
    *json_out = strdup(answer);
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static void free_result(char *p) { free(p); }

#define TOOL(NAME) {.v1 = {.struct_size = sizeof(grown_tool), .risk = KFMCP_RISK_READ_ONLY, .name = NAME, \
                           .title = NAME, .description = "A tool from a later minor version.", \
                           .category = "discovery", .input_schema = "{\"type\":\"object\"}"}, \
                    .appended_field = "ignored by a 1.1 host"}

static const grown_tool tools[] = {TOOL("grown_one"), TOOL("grown_two")};

static const grown_manifest manifest = {
    .v1 = {
        .struct_size = sizeof(grown_manifest),
        .abi_major = KFMCP_ABI_MAJOR,
        .abi_minor = KFMCP_ABI_MINOR + 1,
        .plugin_id = "grown",
        .plugin_version = "1.0.0",
        .built_with = "cc",
        .description = "Test plugin built against a later minor of the ABI.",
        .tools = &tools[0].v1,
        .tool_count = 2,
        .invoke = invoke,
        .free_result = free_result,
    },
    .appended_field = "ignored",
    .appended_flags = 0xffffffffffffffffull,
};

KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    if (host == NULL || host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
    return &manifest.v1;
}
