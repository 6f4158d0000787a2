/*
 * Checks the header's return-code rule from the plugin side, and that a
 * plugin built against the frozen ABI 1.0 header (Tests/CPlugins/abi-1.0)
 * still loads and works on this host. Built twice by the tests: against the
 * current header and against the 1.0 copy.
 *
 * Tool "services_probe" calls each host service in the ways the rule names
 * and answers with the codes it got, plus whether *out stayed NULL.
 */
#include "kfmcp_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KFMCP_EXPORT /* the 1.0 header had no KFMCP_EXPORT */
#define KFMCP_EXPORT __attribute__((visibility("default")))
#endif

static const kfmcp_host_v1 *g_host;

/* "name":code, and whether the out pointer is NULL as the rule says. */
static int field(char *buf, size_t n, const char *name, int32_t rc, char *out) {
    int nul = out == NULL;
    if (out) g_host->free(g_host, out);
    return snprintf(buf, n, "\"%s\":{\"rc\":%d,\"out_null\":%s},", name, rc, nul ? "true" : "false");
}

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)json_in;
    if (strcmp(tool, "services_probe") != 0) return KFMCP_ERR_UNKNOWN;
    char buf[2048];
    size_t used = 0;
    char *out;
    const char *get_ns = "{\"verb\":\"get\",\"version\":\"v1\",\"resource\":\"namespaces\",\"name\":\"default\"}";

    int32_t rc;
    /* rc first, then out: C leaves the order of a call's arguments open. */
#define PROBE(NAME, CALL) do { out = NULL; rc = (CALL); used += field(buf + used, sizeof buf - used, NAME, rc, out); } while (0)
    PROBE("k8s_no_call", g_host->k8s_request(g_host, NULL, get_ns, &out));
    PROBE("k8s_bad_json", g_host->k8s_request(g_host, call, "{nope", &out));
    PROBE("backend_no_call", g_host->call_backend(g_host, NULL, "x", "op", "{}", &out));
    PROBE("backend_unknown", g_host->call_backend(g_host, call, "no-such-provider", "op", "{}", &out));
    PROBE("context_no_call", g_host->call_context(g_host, NULL, &out));
    out = NULL;
    rc = g_host->call_context(g_host, call, &out);
    int dry = out != NULL && strstr(out, "\"dry_run\":false") != NULL;
    used += field(buf + used, sizeof buf - used, "context", rc, out);
    const kfmcp_tools_ext_v1 *tools_ext = g_host->get_extension(g_host, KFMCP_EXT_TOOLS);
    PROBE("tool_unknown", tools_ext ? tools_ext->call_tool(g_host, call, "no_such_tool", "{}", &out) : -1);
    PROBE("list", g_host->list_backends(g_host, &out));
#undef PROBE

    size_t n = used + 64;
    char *answer = malloc(n);
    if (!answer) return KFMCP_ERR_INTERNAL;
    snprintf(answer, n, "{\"result\":{%s\"context_has_dry_run\":%s}}", buf, dry ? "true" : "false");
    *json_out = answer;
    return KFMCP_OK;
}

static void free_result(char *p) { free(p); }

static const kfmcp_tool_v1 tools[] = {{
    .struct_size = sizeof(kfmcp_tool_v1),
    .risk = KFMCP_RISK_READ_ONLY,
    .name = "services_probe",
    .title = "Host services probe (test)",
    .description = "Calls host services the ways the return-code rule names.",
    .category = "discovery",
    .input_schema = "{\"type\":\"object\"}",
}};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "services-probe",
    .plugin_version = "1.0.0",
    .built_with = "cc",
    .description = "Test plugin: host service return codes.",
    .tools = tools,
    .tool_count = 1,
    .invoke = invoke,
    .free_result = free_result,
#if KFMCP_ABI_MINOR >= 1
    .instructions = "services_probe: call it to see the host's return codes.",
#endif
#if KFMCP_ABI_MINOR >= 2
    /* A resource read by this plugin's own tool; SURFACE=... tries malformed ones. */
#ifndef SURFACE
#define SURFACE "{\"resources\":[{\"uri\":\"probe://codes\",\"name\":\"probe-codes\",\"tool\":\"services_probe\"}]}"
#endif
    .mcp_surface_json = SURFACE,
#endif
};

KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    /* The check every plugin makes: the host's struct is at least ABI 1.0's
     * (sizeof under the 1.0 header is the 1.0 size), same major. */
#ifdef KFMCP_HOST_V1_0_SIZE
    if (host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
#else
    if (host->struct_size < sizeof(kfmcp_host_v1) || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
#endif
    g_host = host;
    return &manifest;
}
