/*
 * A kubeflow-mcp plugin in plain C: the whole contract is kfmcp_plugin.h.
 *
 *   cc -shared -fPIC -Wall -I Sources/PluginABI/include \
 *      examples/c-plugin/hello_c.c -lcjson -o plugins.d/libhello_c.so
 *
 * It serves two tools:
 *   c_add      adds two numbers (declares an output schema → structuredContent);
 *   c_context  shows host services: asks the host for the call's context and
 *              logs a line through the host.
 * JSON is read and written with Debian's cJSON (apt install libcjson-dev).
 */
#include "kfmcp_plugin.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host struct lives until shutdown() returns, so keeping it is allowed. */
static const kfmcp_host_v1 *g_host;

/* Print and free an answer object (allocated by cJSON, freed in free_result). */
static int32_t answer(cJSON *object, char **json_out) {
    *json_out = object ? cJSON_PrintUnformatted(object) : NULL;
    cJSON_Delete(object);
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static int32_t add(const cJSON *args, char **json_out) {
    /* The host validated the arguments against our schema: both are numbers. */
    double a = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(args, "a"));
    double b = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(args, "b"));
    char text[128];
    snprintf(text, sizeof text, "%.17g + %.17g = %.17g", a, b, a + b);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(out, "result"), "sum", a + b);
    cJSON_AddStringToObject(out, "text", text);
    return answer(out, json_out);
}

static int32_t context(kfmcp_call *call, char **json_out) {
    char *context = NULL; /* host-allocated: released with host->free */
    cJSON *out = cJSON_CreateObject();
    if (g_host->call_context(g_host, call, &context) != KFMCP_OK || context == NULL) {
        cJSON_AddStringToObject(cJSON_AddObjectToObject(out, "error"), "message", "the host gave no call context");
        return answer(out, json_out);
    }
    g_host->log(g_host, KFMCP_LOG_INFO, "c_context called");
    cJSON_AddItemToObject(out, "result", cJSON_Parse(context));
    g_host->free(g_host, context);
    return answer(out, json_out);
}

/* [call] [any thread] */
static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    if (strcmp(tool, "c_context") == 0) return context(call, json_out);
    if (strcmp(tool, "c_add") != 0) return KFMCP_ERR_UNKNOWN;
    cJSON *args = cJSON_Parse(json_in);
    if (!cJSON_IsObject(args)) { cJSON_Delete(args); return KFMCP_ERR_BAD_INPUT; }
    int32_t rc = add(args, json_out);
    cJSON_Delete(args);
    return rc;
}

/* Everything we hand out was printed by cJSON, so cJSON frees it. */
static void free_result(char *json_out) { cJSON_free(json_out); }

static const kfmcp_tool_v1 tools[] = {
    {
        .struct_size = sizeof(kfmcp_tool_v1),
        .risk = KFMCP_RISK_READ_ONLY,
        .flags = KFMCP_TOOL_IDEMPOTENT,
        .name = "c_add",
        .title = "Add (C)",
        .description = "Adds two numbers. Written in C to show the ABI is language-neutral.",
        .category = "planning",
        .input_schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
                        "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"],\"additionalProperties\":false}",
        .output_schema = "{\"type\":\"object\",\"properties\":{\"sum\":{\"type\":\"number\"}},\"required\":[\"sum\"]}",
    },
    {
        .struct_size = sizeof(kfmcp_tool_v1),
        .risk = KFMCP_RISK_READ_ONLY,
        .flags = 0,
        .name = "c_context",
        .title = "Call context (C)",
        .description = "Returns what the host says about this call: namespace, user, persona.",
        .category = "discovery",
        .input_schema = "{\"type\":\"object\",\"properties\":{}}",
        .output_schema = NULL,
    },
};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "hello-c",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "Example plugin written in C.",
    .tools = tools,
    .tool_count = sizeof tools / sizeof tools[0],
    .backend_count = 0,
    .backends = NULL,
    .invoke = invoke,
    .backend_invoke = NULL,
    .free_result = free_result,
    .shutdown = NULL,
};

KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    if (host == NULL || host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
    g_host = host;
    host->log(host, KFMCP_LOG_DEBUG, "hello-c loaded");
    return &manifest;
}
