/*
 * Deliberately broken plugins, one per refusal the host must make. The test
 * suite compiles this file once per variant with -DBROKEN_<KIND>:
 *
 *   NO_ENTRY      no kfmcp_plugin_entry_v1 symbol
 *   ABI_MAJOR     manifest built for ABI 2.0
 *   STRUCT_SIZE   manifest struct_size smaller than ABI 1.0's
 *   TOOL_NAME     tool name with characters outside [a-z0-9_]
 *   SCHEMA        input schema that is not a valid JSON Schema
 *   RISK          risk value outside the closed set
 *   DUPLICATE     a tool named like the sample plugin's sample_echo
 *   NULL_ENTRY    entry function returns NULL
 *   ENTRY_V2      only a kfmcp_plugin_entry_v2 symbol (a future major)
 */
#include "kfmcp_plugin.h"

#include <stddef.h>

#ifndef PLUGIN_ID
#  define PLUGIN_ID "broken"
#endif

#ifndef TOOL_NAME
#  ifdef BROKEN_TOOL_NAME
#    define TOOL_NAME "Bad-Name!"
#  elif defined(BROKEN_DUPLICATE)
#    define TOOL_NAME "sample_echo"
#  else
#    define TOOL_NAME "broken_tool"
#  endif
#endif

#ifdef BROKEN_SCHEMA
#  define INPUT_SCHEMA "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"strnig\"}}}"
#else
#  define INPUT_SCHEMA "{\"type\":\"object\",\"properties\":{}}"
#endif

#ifdef BROKEN_RISK
#  define RISK 9u
#else
#  define RISK KFMCP_RISK_READ_ONLY
#endif

static int32_t invoke(const char *tool, const char *json_in, kfmcp_call *call, char **json_out) {
    (void)tool; (void)json_in; (void)call; (void)json_out;
    return KFMCP_ERR_UNKNOWN;
}

static void free_result(char *p) { (void)p; }

static const kfmcp_tool_v1 tools[] = {{
    .struct_size = sizeof(kfmcp_tool_v1),
    .risk = RISK,
    .name = TOOL_NAME,
    .title = "Broken",
    .description = "A tool of a plugin that should be refused.",
    .category = "discovery",
    .input_schema = INPUT_SCHEMA,
}};

__attribute__((unused)) static const kfmcp_manifest_v1 manifest = {
#ifdef BROKEN_STRUCT_SIZE
    .struct_size = 8,
#else
    .struct_size = sizeof(kfmcp_manifest_v1),
#endif
#ifdef BROKEN_ABI_MAJOR
    .abi_major = 2,
#else
    .abi_major = KFMCP_ABI_MAJOR,
#endif
    .abi_minor = 0,
    .plugin_id = PLUGIN_ID,
    .plugin_version = "0.0.1",
    .built_with = "cc",
    .description = "refusal test",
    .tools = tools,
    .tool_count = 1,
    .invoke = invoke,
    .free_result = free_result,
};

#if defined(BROKEN_NO_ENTRY)
__attribute__((visibility("default"))) int kfmcp_something_else(void) { return 0; }
#elif defined(BROKEN_ENTRY_V2)
KFMCP_EXPORT
const void *kfmcp_plugin_entry_v2(const void *host) { (void)host; return &manifest; }
#else
KFMCP_EXPORT
const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) {
    (void)host;
#ifdef BROKEN_NULL_ENTRY
    return NULL;
#else
    return &manifest;
#endif
}
#endif
