/*
 * A plugin built in several versions for the reload tests (test_plugin_reload.py):
 *   -DVERSION='"2"'   what versioned_echo answers and the manifest's version
 *   -DEXTRA_TOOL      a second tool, versioned_extra (a reload must list it)
 *   -DBROKEN          declares a tool without a risk: the host refuses this version
 *   -DDELAY_MS=N      each call takes N ms, so a reload finds calls in flight
 * No JSON library: the answers are fixed strings.
 */
#include "kfmcp_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef VERSION
#define VERSION "1"
#endif
#ifndef DELAY_MS
#define DELAY_MS 0
#endif
#ifdef BROKEN
#define RISK 0
#else
#define RISK KFMCP_RISK_READ_ONLY
#endif

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)json_in;
    (void)call;
    if (DELAY_MS > 0) {
        struct timespec pause = {DELAY_MS / 1000, (long)(DELAY_MS % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
    char text[160];
    if (strcmp(tool, "versioned_echo") == 0) {
        snprintf(text, sizeof text, "{\"result\":{\"version\":\"%s\"}}", VERSION);
#ifdef EXTRA_TOOL
    } else if (strcmp(tool, "versioned_extra") == 0) {
        snprintf(text, sizeof text, "{\"result\":{\"extra\":true}}");
#endif
    } else {
        return KFMCP_ERR_UNKNOWN;
    }
    *json_out = strdup(text);
    return *json_out ? KFMCP_OK : KFMCP_ERR_INTERNAL;
}

static void free_result(char *json_out) { free(json_out); }

#define SCHEMA "{\"type\":\"object\",\"properties\":{}}"

static const kfmcp_tool_v1 tools[] = {
    {.struct_size = sizeof(kfmcp_tool_v1), .risk = RISK, .flags = KFMCP_TOOL_IDEMPOTENT, .name = "versioned_echo",
     .title = "Echo the version", .description = "Answers with the plugin's version.", .category = "discovery",
     .input_schema = SCHEMA, .output_schema = NULL},
#ifdef EXTRA_TOOL
    {.struct_size = sizeof(kfmcp_tool_v1), .risk = KFMCP_RISK_READ_ONLY, .flags = 0, .name = "versioned_extra",
     .title = "A tool of a later version", .description = "Only in the version built with EXTRA_TOOL.",
     .category = "discovery", .input_schema = SCHEMA, .output_schema = NULL},
#endif
};

static const kfmcp_manifest_v1 manifest = {
    .struct_size = sizeof(kfmcp_manifest_v1),
    .abi_major = KFMCP_ABI_MAJOR,
    .abi_minor = KFMCP_ABI_MINOR,
    .plugin_id = "versioned",
    .plugin_version = VERSION ".0.0",
    .built_with = "cc",
    .description = "Reload test plugin.",
    .tools = tools,
    .tool_count = sizeof tools / sizeof tools[0],
    .invoke = invoke,
    .free_result = free_result,
};

KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    if (host == NULL || host->struct_size < KFMCP_HOST_V1_0_SIZE || host->abi_major != KFMCP_ABI_MAJOR) return NULL;
    return &manifest;
}
