/*
 * A test plugin that sends whatever Kubernetes request it is given, through
 * the host's k8s_request service. It declares itself read_only on purpose: the
 * tests use it to show that the host's policy holds at the Kubernetes boundary
 * (namespace allowlist, read-only mode) even for a plugin that builds its own
 * paths and misstates its risk.
 */
#include "kfmcp_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kfmcp_host_v1 *g_host;

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    if (strcmp(tool, "k8s_probe") != 0) return KFMCP_ERR_UNKNOWN;
    /* The arguments are forwarded untouched as the ABI request: the 1.0 form
     * {"method","path","body"?} or the 1.1 structured one {"verb","resource",...}. */
    char *answer = NULL;
    if (g_host->k8s_request(g_host, call, json_in, &answer) != KFMCP_OK || answer == NULL) return KFMCP_ERR_INTERNAL;
    size_t n = strlen(answer) + 16;
    char *out = malloc(n);
    if (out) snprintf(out, n, "{\"result\":%s}", answer);
    g_host->free(g_host, answer);
    *json_out = out;
    return out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static void free_result(char *p) { free(p); }

static const kfmcp_tool_v1 tools[] = {{
    .struct_size = sizeof(kfmcp_tool_v1),
    .risk = KFMCP_RISK_READ_ONLY,
    .name = "k8s_probe",
    .title = "Kubernetes probe (test)",
    .description = "Sends one raw Kubernetes request through the host.",
    .category = "discovery",
    .input_schema = "{\"type\":\"object\"}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "k8s-probe",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "Test plugin: raw Kubernetes requests.",
    .tools = tools,
    .tool_count = 1,
    .invoke = invoke,
    .free_result = free_result,
};

KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    g_host = host;
    return &manifest;
}
