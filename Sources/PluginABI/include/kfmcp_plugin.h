/*
 * kfmcp_plugin.h — the whole contract between the kubeflow-mcp host and its plugins.
 *
 * ABI 1.1 (1.0 plus structured Kubernetes requests). A plugin is a shared library that exports exactly one symbol:
 *
 *     const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host);
 *
 * The host dlopen()s the library with RTLD_NOW | RTLD_LOCAL, looks the symbol up,
 * calls it once, validates the manifest it returns, and serves the tools it lists.
 * The major version is part of the symbol's name, so a future v2 entry can live
 * beside this one in the same library.
 *
 * Design (after CLAP, SQLite loadable extensions, PostgreSQL's magic block):
 *   - Pure C, no bool, no bitfields, no enums in structs (their size is the
 *     compiler's choice); explicit padding so `-Wall -Wpadded` is clean.
 *   - Every struct begins with `uint32_t struct_size`. Fields are only ever
 *     appended; a reader checks struct_size before touching a newer field.
 *     Reserved slots must be zero/NULL.
 *   - Compatible additions bump KFMCP_ABI_MINOR; anything else bumps
 *     KFMCP_ABI_MAJOR and renames the entry symbol. The host refuses a manifest
 *     whose abi_major differs from its own, naming both versions.
 *
 * MEMORY OWNERSHIP — whoever allocates, frees; nobody calls the other side's free():
 *   - Strings passed *into* a callback (json_in, tool names, messages) are
 *     borrowed: valid only until that callback returns. Copy what you keep.
 *   - `*json_out` written by invoke()/backend_invoke() is allocated by the plugin
 *     and released by the host through manifest->free_result().
 *   - `*response_json` / `*json_out` written by a host service is allocated by the
 *     host and released by the plugin through host->free().
 *   - The manifest and everything it points to is owned by the plugin and must stay
 *     valid and unchanged until shutdown() returns.
 *   - The kfmcp_host_v1 struct is owned by the host and stays valid until the
 *     plugin's shutdown() returns: a plugin may keep the pointer it got at entry.
 *     A kfmcp_call pointer is valid only during the invoke()/backend_invoke() it
 *     was passed to; never keep it.
 *
 * THREADING:
 *   - kfmcp_plugin_entry_v1() and shutdown() run once each, alone, on one thread.
 *   - invoke() and backend_invoke() may run concurrently on many threads; each call
 *     runs on a thread the host dedicates to it, so blocking there is allowed.
 *   - Host services are thread-safe. During entry only log() and plugin_config()
 *     may be called (there is no call yet); every other service needs a call.
 *
 * LIFETIME: the host never dlclose()s a plugin (unloading a Swift or Rust runtime
 * and touching its types later crashes). At exit it calls shutdown() once.
 *
 * JSON everywhere: every payload that crosses the boundary is UTF-8 JSON text,
 * NUL-terminated. The shapes are documented beside each function.
 */
#ifndef KFMCP_PLUGIN_H
#define KFMCP_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KFMCP_ABI_MAJOR 1
#define KFMCP_ABI_MINOR 1

/*
 * The sizes of the structs as ABI 1.0 defined them, frozen forever. A reader
 * accepts any struct_size >= the 1.0 size and reads a field added later only
 * when struct_size shows the writer had it (offsetof(field) + sizeof(field) <=
 * struct_size). Never compare struct_size with sizeof(): the next appended
 * field would make every older plugin or host look too small.
 */
enum {
    KFMCP_HOST_V1_0_SIZE      = 8 + 17 * sizeof(void *),
    KFMCP_TOOL_V1_0_SIZE      = 16 + 6 * sizeof(void *),
    KFMCP_BACKEND_V1_0_SIZE   = 8 + 4 * sizeof(void *),
    KFMCP_MANIFEST_V1_0_SIZE  = 16 + 14 * sizeof(void *),
    KFMCP_TOOLS_EXT_V1_0_SIZE = 8 + 1 * sizeof(void *)
};

/* The one symbol a plugin exports. */
#define KFMCP_ENTRY_SYMBOL "kfmcp_plugin_entry_v1"

/* ---- Risk: a closed set; every tool declares exactly one. ------------------ */
#define KFMCP_RISK_READ_ONLY   1u /* reads only: discovery, planning, monitoring  */
#define KFMCP_RISK_MUTATING    2u /* changes state, cheaply reversible (suspend)  */
#define KFMCP_RISK_EXPENSIVE   3u /* consumes GPUs or money (creates a TrainJob)  */
#define KFMCP_RISK_DESTRUCTIVE 4u /* deletes or overwrites (delete_job)           */

/* ---- Tool flags (bit set). MCP annotations are derived from risk + flags. --- */
#define KFMCP_TOOL_IDEMPOTENT  (1u << 0) /* same arguments twice = no extra effect */
#define KFMCP_TOOL_OPEN_WORLD  (1u << 1) /* talks to systems outside the cluster   */

/* ---- Log levels for host->log. --------------------------------------------- */
#define KFMCP_LOG_DEBUG   0u
#define KFMCP_LOG_INFO    1u
#define KFMCP_LOG_WARNING 2u
#define KFMCP_LOG_ERROR   3u

/* ---- Return codes of invoke / backend_invoke / host services. -------------- */
#define KFMCP_OK            0  /* *json_out holds a result (which may be a tool error) */
#define KFMCP_ERR_UNKNOWN   1  /* unknown tool, backend or operation                  */
#define KFMCP_ERR_BAD_INPUT 2  /* json_in is not the JSON this function takes          */
#define KFMCP_ERR_INTERNAL  3  /* anything else; *json_out may hold {"error":{...}}    */
#define KFMCP_ERR_NO_CALL   4  /* a host service used outside a call                   */
#define KFMCP_ERR_DENIED    5  /* the host's policy refused the request                */

/* An in-flight tool call. Opaque; owned by the host; valid during one invoke. */
typedef struct kfmcp_call kfmcp_call;

typedef struct kfmcp_host_v1 kfmcp_host_v1;

/*
 * Host services. One struct per loaded plugin (so the host knows who is calling);
 * valid until the plugin's shutdown() returns.
 */
struct kfmcp_host_v1 {
    uint32_t struct_size;      /* sizeof(kfmcp_host_v1) as the host built it */
    uint16_t abi_major;        /* the host's KFMCP_ABI_MAJOR                  */
    uint16_t abi_minor;        /* the host's KFMCP_ABI_MINOR                  */
    const char *host_version;  /* e.g. "0.1.0"; static                        */
    void *host_data;           /* the host's own; plugins must not touch it   */

    /* A line on the host's log (stderr, and MCP notifications/message when the
     * client asked for them). Allowed during entry. `message` is borrowed.
     * The host redacts secrets before writing. */
    void (*log)(const kfmcp_host_v1 *host, uint32_t level, const char *message);

    /* Report progress of `call`: fraction in [0,1], or negative when unknown.
     * Becomes an MCP notifications/progress if the client sent a progressToken. */
    void (*progress)(const kfmcp_host_v1 *host, kfmcp_call *call,
                     double fraction, const char *message);

    /* Non-zero once the client cancelled `call` (MCP notifications/cancelled) or
     * the host is shutting down. Long operations poll it and return early. */
    int32_t (*is_cancelled)(const kfmcp_host_v1 *host, kfmcp_call *call);

    /*
     * One Kubernetes REST request through the host's authenticated client.
     * The host validates it, applies policy (namespace allowlist, read-only,
     * own objects, the calling tool's declared risk), stamps the owner into
     * created objects, records it for the audit and builds the URL itself.
     *
     * request_json, structured (ABI 1.1; the attributes of kube-apiserver's
     * RequestInfo and of a SubjectAccessReview):
     *   {"verb":"get|list|watch|create|update|patch|delete",
     *    "group":"trainer.kubeflow.org",   ("" or absent: the core group, /api/v1)
     *    "version":"v1alpha1",
     *    "resource":"trainjobs",            (plural, lowercase)
     *    "namespace":"team-a",              (absent: cluster-scoped or all namespaces)
     *    "name":"my-job",                   (get/update/patch/delete: required;
     *                                        list/watch/create: must be absent)
     *    "subresource":"log",               (optional: log, status, scale, ...)
     *    "query":{"labelSelector":"...", ...},           (optional; values are strings)
     *    "body":<any JSON>,                               (optional)
     *    "content_type":"application/merge-patch+json",   (optional)
     *    "accept":"application/json",                     (optional)
     *    "timeout_ms":30000}                              (optional)
     * Names are checked again here whatever the plugin did: namespace a DNS-1123
     * label; name a DNS-1123 subdomain, or a label for namespaces and trainjobs;
     * group a subdomain; resource, version and subresource [a-z0-9]. The host
     * percent-encodes every path segment and query value. "watch" adds
     * watch=true itself. deletecollection is not offered.
     *
     * ABI 1.0 form, still accepted:
     *   {"method":"GET|POST|PUT|PATCH|DELETE", "path":"/apis/...", ...same optional keys}
     * The path must parse canonically into the structure above: no "." or ".."
     * segment, no empty segment (so no trailing or doubled "/"), no '%', '?',
     * '#' or other character outside [A-Za-z0-9._-], and the names must pass
     * the checks above; otherwise the request is refused with a sentence naming
     * the field. GET of a non-resource path (/version, /api, /apis,
     * /apis/{group}, /apis/{group}/{version}) is allowed in this form only.
     *
     * Policy, evaluated on (verb, group, resource, namespace, name):
     *   - a tool declared KFMCP_RISK_READ_ONLY may only get/list/watch and create
     *     access/identity reviews (authorization.k8s.io, authentication.k8s.io);
     *     anything else is refused naming the plugin;
     *   - read-only policy: the same rule for every tool;
     *   - namespace allowlist: the request's namespace must be listed; a request
     *     with no namespace is allowed only for reviews, non-resource GETs and
     *     reads of nodes, namespaces and clustertrainingruntimes (list the other
     *     resources per allowed namespace, see call_context);
     *   - own objects: update/patch/delete first GET the object; unless it was
     *     created by the caller through kubeflow-mcp the change is refused, also
     *     when that GET fails (fail-closed; a 404 is returned as the answer).
     * A create (POST) is sent once, on a fresh connection: the host never
     * repeats it. When its answer is lost (status 0, Timeout/Unreachable) or is
     * a 5xx, the object may exist: GET it by name before saying it failed.
     *
     * *response_json (host-allocated, release with host->free):
     *   {"status":200, "body":<JSON, or a string for text bodies>}
     *   or, when the request never got an HTTP answer or was refused:
     *   {"status":0, "error":{"reason":"Unreachable|TLS|Denied|BadRequest|Timeout|...",
     *                         "message":"a sentence a person can act on",
     *                         "field":"name"}}     (BadRequest: the request field at fault)
     *   For HTTP errors, "error" is also set, derived from the Status body.
     * Returns KFMCP_OK whenever *response_json was written.
     */
    int32_t (*k8s_request)(const kfmcp_host_v1 *host, kfmcp_call *call,
                           const char *request_json, char **response_json);

    /*
     * A streamed Kubernetes request (watch=true, pods/log?follow=true). Same
     * request_json as k8s_request. on_line is called on the calling thread for
     * each line of the body (a watch event, or a log line), borrowed; returning
     * non-zero from on_line stops the stream. When the stream ends the host
     * writes the same response shape as k8s_request, without "body".
     */
    int32_t (*k8s_stream)(const kfmcp_host_v1 *host, kfmcp_call *call,
                          const char *request_json,
                          int32_t (*on_line)(void *user_data, const char *line),
                          void *user_data, char **response_json);

    /*
     * Call an operation of a fine-tuning backend, whichever plugin provides it.
     * backend_id: e.g. "torchtune"; op: e.g. "build_trainer", "estimate".
     * *json_out is host-allocated (release with host->free) and holds the
     * backend's answer, or {"error":{"message":...}} when there is no such
     * backend (the message lists the loaded ones). Returns KFMCP_OK when
     * *json_out was written.
     */
    int32_t (*call_backend)(const kfmcp_host_v1 *host, kfmcp_call *call,
                            const char *backend_id, const char *op,
                            const char *json_in, char **json_out);

    /* The loaded backends as a JSON array of
     * {"id","title","version","plugin","capabilities":{...}}; host-allocated. */
    int32_t (*list_backends)(const kfmcp_host_v1 *host, char **json_out);

    /* This plugin's settings from its plugins.d YAML entry, as a JSON object
     * ({} when none); host-allocated. Allowed during entry. */
    int32_t (*plugin_config)(const kfmcp_host_v1 *host, char **json_out);

    /* Facts about the call's context, host-allocated JSON:
     * {"namespace":"<default namespace>", "user":"<identity>",
     *  "persona":"<name or null>", "allowed_namespaces":[...] or null,
     *  "read_only":false, "tool":"<tool name>", "dry_run":false,
     *  "plan_seed":"<hex>"}
     * plan_seed is fixed by the host for one plan: a confirmation preview (a
     * dry run) and the run that carries out the confirmed plan see the same
     * value, and a tool called from a call sees its caller's. Derive every
     * generated name from it (not from a random source), so the names the
     * user confirmed are the names created. Absent from older hosts. */
    int32_t (*call_context)(const kfmcp_host_v1 *host, kfmcp_call *call,
                            char **json_out);

    /* Release a buffer a host service allocated. NULL is allowed. */
    void (*free)(const kfmcp_host_v1 *host, void *ptr);

    /* Growth without an ABI break: look up an extension by id with its version
     * in it, e.g. "kfmcp.secrets/1". NULL when the host lacks it. */
    const void *(*get_extension)(const kfmcp_host_v1 *host, const char *id);

    void *reserved[4]; /* NULL */
};

/* ---- Extensions (host->get_extension) ------------------------------------- */

/*
 * "kfmcp.tools/1": call another plugin's tool from inside a call, e.g. a
 * training tool running the planner's check_prerequisites before it creates
 * anything. The call goes through the client pipeline: validation, policy,
 * redaction of the answer and an audit line (with "caller"). No confirmation
 * step: the outer call owns that, so a tool that needs confirmation may be
 * called only from a call that itself needed it (or in its dry run).
 * *json_out is host-allocated (host->free): {"result":…} or {"error":{…}}.
 * Returns KFMCP_ERR_UNKNOWN when no loaded tool has that name.
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
 * schema declares it. */
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

/* One fine-tuning backend (torchtune, trl, unsloth, third-party ones). */
typedef struct kfmcp_backend_v1 {
    uint32_t struct_size;           /* sizeof(kfmcp_backend_v1)                  */
    uint32_t reserved0;             /* 0                                         */
    const char *id;                 /* [a-z][a-z0-9_-]*, unique across plugins   */
    const char *title;
    const char *version;
    /* JSON object: {"methods":["lora","qlora","full"], "model_families":[...],
     * "multi_node":true, "memory_factor":1.0,
     * "runtime_selector":{"framework":"torchtune", "fallback_runtime":...,
     *                     "image":...},
     * "memory_profile":{...}}   (optional, added in 1.x; read by the planner)
     * memory_profile: how the trainer spends GPU memory, every key optional:
     *   "loss": "fused" | "chunked" | "full" (fp32 logits + softmax copy),
     *   "logit_bytes": number (per token and vocabulary entry, overrides loss),
     *   "activation_checkpointing": bool, "activation_offloading": bool,
     *   "optimizer": "adamw" | "adamw_8bit" | "paged_adamw_8bit" | "sgd",
     *   "optimizer_state_dtype": "fp32" | "bf16", "optimizer_in_backward": bool,
     *   "master_weights_fp32": bool, "adapter_dtype": "fp32" | "bf16",
     *   "kbit_upcast": bool (QLoRA keeps embeddings/head/norms in fp32),
     *   "sharding": "fsdp" | "zero3" | "zero2" | "ddp", "cpu_offload": bool,
     *   "packed": bool, "allocator_reserve": fraction, "cuda_context_gb": number.
     * Unknown keys are ignored; the older "shards_parameters":false and
     * "offloads_activation_checkpoints":true still mean sharding "ddp" and
     * activation_offloading true. */
    const char *capabilities_json;
} kfmcp_backend_v1;

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
     * Run one tool. tool and json_in (the validated arguments object) are
     * borrowed. On KFMCP_OK, *json_out is plugin-allocated JSON, one of:
     *   {"result":<any JSON>, "text":"optional one-line summary"}
     *   {"error":{"message":"a sentence naming the field/object and the fix",
     *             "field":"optional argument name"}}
     * A non-zero return is a protocol failure (unknown tool, unparsable input).
     */
    int32_t (*invoke)(const char *tool, const char *json_in,
                      kfmcp_call *call, char **json_out);

    /* Run a backend operation ("build_trainer", "estimate", ...). Same rules as
     * invoke. NULL when backend_count is 0. */
    int32_t (*backend_invoke)(const char *backend_id, const char *op,
                              const char *json_in, kfmcp_call *call,
                              char **json_out);

    /* Release a *json_out this plugin wrote. */
    void (*free_result)(char *json_out);

    /* Called once at host exit, alone. May be NULL. */
    void (*shutdown)(void);

    void *reserved[4];           /* NULL */
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

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_PLUGIN_H */
