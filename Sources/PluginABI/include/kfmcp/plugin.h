/*
 * kfmcp/plugin.h — the manifest a plugin returns (its tools, providers and
 * callbacks) and the one entry symbol it exports.
 */
#ifndef KFMCP_PLUGIN_PART_H
#define KFMCP_PLUGIN_PART_H

#include "core.h"
#include "host.h"
#include "tools.h"
#include "providers.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kfmcp_manifest_v1 {
    uint32_t struct_size;        /* sizeof(kfmcp_manifest_v1)                    */
    uint16_t abi_major;          /* KFMCP_ABI_MAJOR the plugin was built with    */
    uint16_t abi_minor;          /* KFMCP_ABI_MINOR the plugin was built with    */
    const char *plugin_id;       /* [a-z][a-z0-9_-]*                             */
    const char *plugin_version;  /* semver of the plugin                         */
    const char *built_with;      /* toolchain, e.g. "swift 6.3.1", "cc 12.2"     */
    const char *description;

    const kfmcp_tool_v1 *tools;
    uint32_t tool_count;
    uint32_t backend_count;
    const kfmcp_backend_v1 *backends;

    /*
     * [call] [any thread]
     * Run one tool. tool and json_in (the validated arguments object) are
     * borrowed. On KFMCP_OK, *json_out is plugin-allocated JSON, one of:
     *   {"result":<any JSON>, "text":"optional one-line summary",
     *    "summary":"optional: during a preview (dry_run), what the real call
     *               would do, in a line a person confirms, e.g. \"2 nodes ×
     *               8 GPUs for job x\" (ABI 1.1; the host shows it under the
     *               list of Kubernetes writes the preview recorded)"}
     *   {"error":{"message":"a sentence naming the field/object and the fix",
     *             "field":"optional argument name"}}
     * A non-zero return is a protocol failure (unknown tool, unparsable input).
     */
    int32_t (*invoke)(const char *tool, const char *json_in,
                      kfmcp_call *call, char **json_out);

    /* [call] [any thread]
     * Run a provider operation ("build_trainer", "estimate", ...). Same rules as
     * invoke: KFMCP_ERR_UNKNOWN for a backend_id or op this plugin does not
     * provide (the host turns an unknown op into an {"error"} answer for the
     * caller). NULL when backend_count is 0. */
    int32_t (*backend_invoke)(const char *backend_id, const char *op,
                              const char *json_in, kfmcp_call *call,
                              char **json_out);

    /* [any thread] Release a *json_out this plugin wrote. */
    void (*free_result)(char *json_out);

    /* [once] Called at host exit, alone. May be NULL. */
    void (*shutdown)(void);

    void *reserved[4];           /* NULL */

    /* ---- ABI 1.1 (read only when KFMCP_HAS_FIELD) ---- */
    /* Text for the model about this plugin's tools (which to call first, in
     * what order), or NULL. The host joins every plugin's instructions into
     * the MCP initialize result's "instructions", in load order. */
    const char *instructions;
    /* JSON array of "group/resource" naming cluster-scoped resources this
     * plugin's tools read without a namespace, e.g.
     * ["example.org/clusterwidgets"], or NULL. Under a namespace allowlist
     * the host refuses requests that name no namespace (they could read every
     * namespace) except reviews, nodes, namespaces and these, read-only. Only
     * groups with a '.' outside k8s.io are accepted: a plugin cannot open a
     * core resource. The host's domain knowledge comes from plugins this way. */
    const char *cluster_scoped_reads;

    /* ---- ABI 1.2 (read only when KFMCP_HAS_FIELD) ---- */
    /* JSON object: what this plugin adds to MCP beyond tools, or NULL; the
     * keys and how the host serves them are in kfmcp/mcp_surface.h. */
    const char *mcp_surface_json;
} kfmcp_manifest_v1;

#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
/* Appending fields may only grow the structs. */
#ifdef __cplusplus
#define KFMCP_STATIC_ASSERT static_assert
#else
#define KFMCP_STATIC_ASSERT _Static_assert
#endif
KFMCP_STATIC_ASSERT(sizeof(kfmcp_host_v1) >= KFMCP_HOST_V1_0_SIZE, "kfmcp_host_v1 shrank below ABI 1.0");
KFMCP_STATIC_ASSERT(sizeof(kfmcp_tool_v1) >= KFMCP_TOOL_V1_0_SIZE, "kfmcp_tool_v1 shrank below ABI 1.0");
KFMCP_STATIC_ASSERT(sizeof(kfmcp_backend_v1) >= KFMCP_BACKEND_V1_0_SIZE, "kfmcp_backend_v1 shrank below ABI 1.0");
KFMCP_STATIC_ASSERT(sizeof(kfmcp_manifest_v1) >= KFMCP_MANIFEST_V1_0_SIZE, "kfmcp_manifest_v1 shrank below ABI 1.0");
KFMCP_STATIC_ASSERT(sizeof(kfmcp_tools_ext_v1) >= KFMCP_TOOLS_EXT_V1_0_SIZE, "kfmcp_tools_ext_v1 shrank below ABI 1.0");
#endif

/* The entry point's type, for hosts that look it up with dlsym. */
typedef const kfmcp_manifest_v1 *(*kfmcp_plugin_entry_v1_fn)(const kfmcp_host_v1 *host);

/*
 * [entry] [once] The one symbol a plugin exports. Define it with KFMCP_EXPORT
 * so the compiler checks it against this prototype:
 *     KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host) { ... }
 * Return NULL to refuse the host (too old, other major). Define
 * KFMCP_NO_ENTRY_PROTOTYPE before including this header in a host, or in a
 * language whose importer would clash with its own definition of the symbol.
 */
#ifndef KFMCP_NO_ENTRY_PROTOTYPE
KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host);
#endif

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_PLUGIN_PART_H */
