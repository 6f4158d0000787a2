/*
 * kfmcp/tools.h — a tool (kfmcp_tool_v1, its risk and flags) and the
 * "kfmcp.tools/1" extension that calls another plugin's tool.
 */
#ifndef KFMCP_TOOLS_H
#define KFMCP_TOOLS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Risk: a closed set; every tool declares exactly one. ------------------ */
#define KFMCP_RISK_READ_ONLY   1u /* reads only: discovery, planning, monitoring  */
#define KFMCP_RISK_MUTATING    2u /* changes state, cheaply reversible (suspend)  */
#define KFMCP_RISK_EXPENSIVE   3u /* consumes GPUs or money (creates a TrainJob)  */
#define KFMCP_RISK_DESTRUCTIVE 4u /* deletes or overwrites (delete_job)           */

/* ---- Tool flags (bit set). MCP annotations are derived from risk + flags. --- */
#define KFMCP_TOOL_IDEMPOTENT  (1u << 0) /* same arguments twice = no extra effect */
#define KFMCP_TOOL_OPEN_WORLD  (1u << 1) /* talks to systems outside the cluster   */

/*
 * "kfmcp.tools/1": call_tool is [call] [any thread].
 * Call another plugin's tool from inside a call, e.g. a
 * training tool running the planner's check_prerequisites before it creates
 * anything. The call goes through the client pipeline: validation, policy,
 * redaction of the answer and an audit line (with "caller"). No confirmation
 * step: the outer call owns that, so a tool that needs confirmation may be
 * called only from a call that itself needed it (or in its dry run).
 * *json_out is host-allocated (host->free): {"result":…} or {"error":{…}}.
 * The inner call inherits the outer call's dry_run.
 * Returns KFMCP_ERR_UNKNOWN when no loaded tool has that name (*json_out NULL).
 */
#define KFMCP_EXT_TOOLS "kfmcp.tools/1"

typedef struct kfmcp_tools_ext_v1 {
    uint32_t struct_size;
    uint32_t reserved0;
    int32_t (*call_tool)(const kfmcp_host_v1 *host, kfmcp_call *call,
                         const char *tool, const char *json_in, char **json_out);
} kfmcp_tools_ext_v1;

/* One tool. Strings are static UTF-8 owned by the plugin.
 * Confirmation is the host's: risk expensive/destructive tools are previewed
 * (a dry run) and run only once the user confirmed. A property of input_schema
 * marked "x-kfmcp-confirm": true (e.g. an "overwrite" flag) makes a call that
 * sets it need confirmation too. "confirm" is reserved for the host unless the
 * schema declares it.
 * Doctor checks: a read-only tool may mark one boolean property of its
 * input_schema "x-kfmcp-doctor": true. `kubeflow-mcp doctor` then calls it
 * (through policy like any call) with that property true, and prints its
 * result's "checks": [{"ok": true|false|null, "text": "one line"}], one line
 * each; a false "ok" makes doctor fail. This is how a plugin says what it needs
 * from the cluster (CRDs, versions, rights); the host knows no plugin's domain. */
typedef struct kfmcp_tool_v1 {
    uint32_t struct_size;        /* sizeof(kfmcp_tool_v1)                        */
    uint32_t risk;               /* KFMCP_RISK_*; 0 (unset) is refused            */
    uint32_t flags;              /* KFMCP_TOOL_* bits                             */
    uint32_t reserved0;          /* 0                                            */
    const char *name;            /* [a-z][a-z0-9_]{0,63}, unique across plugins  */
    const char *title;           /* short human title                            */
    const char *description;     /* what it does, for the model                  */
    const char *category;        /* discovery, planning, training, monitoring,   */
                                 /* lifecycle, storage, runtimes, optimizer, ... */
    const char *input_schema;    /* JSON Schema (type object), required          */
    const char *output_schema;   /* JSON Schema of "result", or NULL             */
} kfmcp_tool_v1;

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_TOOLS_H */
