/*
 * A kubeflow-mcp plugin in plain C: the whole contract is kfmcp_plugin.h.
 *
 *   cc -shared -fPIC -Wall -I Sources/PluginABI/include \
 *      examples/c-plugin/hello_c.c -o plugins.d/libhello_c.so
 *
 * It serves two tools:
 *   c_add      adds two numbers (declares an output schema → structuredContent);
 *   c_context  shows host services: asks the host for the call's context and
 *              logs a line through the host.
 */
#include "kfmcp_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The host struct lives until shutdown() returns, so keeping it is allowed. */
static const kfmcp_host_v1 *g_host;

/* Find "key": in a compact JSON object and parse the number after it. The host
 * validated the arguments against our schema, so both numbers are present. */
static double number_field(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at ? strtod(at + strlen(pattern), NULL) : 0.0;
}

static char *copy(const char *s) {
    size_t n = strlen(s) + 1;
    char *out = malloc(n);
    if (out) memcpy(out, s, n);
    return out;
}

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    char buffer[512];
    if (strcmp(tool, "c_add") == 0) {
        double a = number_field(json_in, "a"), b = number_field(json_in, "b");
        snprintf(buffer, sizeof buffer, "{\"result\":{\"sum\":%.17g},\"text\":\"%.17g + %.17g = %.17g\"}",
                 a + b, a, b, a + b);
        *json_out = copy(buffer);
        return KFMCP_OK;
    }
    if (strcmp(tool, "c_context") == 0) {
        char *context = NULL; /* host-allocated: released with host->free */
        if (g_host->call_context(g_host, call, &context) != KFMCP_OK || context == NULL) {
            *json_out = copy("{\"error\":{\"message\":\"the host gave no call context\"}}");
            return KFMCP_OK;
        }
        g_host->log(g_host, KFMCP_LOG_INFO, "c_context called");
        size_t n = strlen(context) + 32;
        char *out = malloc(n);
        if (out) snprintf(out, n, "{\"result\":%s}", context);
        g_host->free(g_host, context);
        *json_out = out;
        return out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
    }
    return KFMCP_ERR_UNKNOWN;
}

/* Everything we hand out was malloc'd by us, so we free it. */
static void free_result(char *json_out) { free(json_out); }

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
