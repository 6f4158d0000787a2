/*
 * kfmcp_plugin.h — the whole contract between the kubeflow-mcp host and its plugins.
 *
 * ABI 1.2 (1.0 plus structured Kubernetes requests, manifest instructions and
 * tool-provided confirmation summaries in 1.1; MCP resources, prompts,
 * completions and tasks declared by plugins in 1.2). A plugin is a shared library that
 * exports exactly one symbol, declared below so the compiler checks it:
 *
 *     KFMCP_EXPORT const kfmcp_manifest_v1 *kfmcp_plugin_entry_v1(const kfmcp_host_v1 *host);
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
 *     appended; a reader checks struct_size before touching a newer field
 *     (KFMCP_HAS_FIELD below). Reserved slots must be zero/NULL.
 *   - Compatible additions bump KFMCP_ABI_MINOR; anything else bumps
 *     KFMCP_ABI_MAJOR and renames the entry symbol. The host refuses a manifest
 *     whose abi_major differs from its own, naming both versions.
 *   - A plugin checks the host the same way in its entry: host->struct_size at
 *     least KFMCP_HOST_V1_0_SIZE and host->abi_major == KFMCP_ABI_MAJOR, else
 *     it returns NULL (the host then refuses the plugin, saying its entry
 *     declined this host).
 *
 * WHEN A FUNCTION MAY BE CALLED — every function pointer carries tags:
 *   [entry]      during kfmcp_plugin_entry_v1 (which runs once, alone).
 *   [call]       while a tool or backend call is in flight, i.e. between the
 *                start and the return of the invoke()/backend_invoke() whose
 *                kfmcp_call you pass. A service that takes a kfmcp_call and
 *                returns a code returns KFMCP_ERR_NO_CALL for a NULL one.
 *   [any thread] from any thread, also threads the plugin started itself, and
 *                concurrently with other calls (the host locks what it shares).
 *   [once]       exactly once, alone, on one thread (entry and shutdown).
 * A function without [entry] must not be called during entry; one without
 * [any thread] only on the thread the host called the plugin on.
 *
 * RETURN CODES — one rule for every host service:
 *   KFMCP_OK means the service wrote its answer to *out (host-allocated,
 *   release with host->free). An answer can itself say "no" with a sentence a
 *   person can act on: a policy refusal, an HTTP error, a backend's or tool's
 *   own error are answers ({"error":{...}} or {"status":0,"error":{...}}),
 *   never codes, because the sentence must reach the user. Read the answer.
 *   A non-zero code means the request could not be made at all and *out is
 *   NULL (nothing to free):
 *     KFMCP_ERR_NO_CALL   the kfmcp_call is NULL (a [call] service outside a call);
 *     KFMCP_ERR_BAD_INPUT a required argument is NULL, or JSON text is not JSON;
 *     KFMCP_ERR_UNKNOWN   no loaded tool or provider has that name/id;
 *     KFMCP_ERR_INTERNAL  anything else (e.g. out is NULL).
 *   KFMCP_ERR_DENIED is never returned by the host: refusals are answers.
 *   The plugin's invoke()/backend_invoke() follow the same rule in the other
 *   direction: KFMCP_OK with a result or a tool error, non-zero only for a
 *   protocol failure (unknown tool, unparsable json_in).
 *
 * WHAT THE HOST DOES AROUND invoke() — read before writing a tool:
 *   - Arguments reach invoke() only after the host checked the tool is visible
 *     under the policy and validated them against input_schema.
 *   - `confirm` is reserved: unless a tool declares a `confirm` property
 *     itself, the host adds it to the listed schema of tools that need a
 *     person's confirmation and removes it before invoke(); a tool never sees it.
 *   - Tools declared KFMCP_RISK_EXPENSIVE or KFMCP_RISK_DESTRUCTIVE (and any
 *     tool the policy says needs confirmation) are invoked more than once with
 *     the same arguments and the same plan_seed (see call_context): first as a
 *     preview, where call_context says "dry_run":true and every writing
 *     Kubernetes request is sent with dryRun=All (validated by the API server,
 *     never stored, recorded for the person to see); then, only after a person
 *     confirmed, for real. A person confirms through MCP elicitation, or by the
 *     client calling again with `"confirm":"<confirmation_token>"` from the
 *     preview; then the host first reruns the dry run and acts only if it
 *     still sends exactly the previewed writes. Do the same thing every time:
 *     do not create anything outside host services during a preview, and
 *     derive generated names from plan_seed. The preview's optional "summary"
 *     (see invoke) is the line the person is shown.
 *   - Every create (POST) of an object is stamped by the host with the owner
 *     annotation "kubeflow-mcp.kubeflow.org/owner" and the label
 *     "kubeflow-mcp.kubeflow.org/owner-hash"; under own-objects policies only
 *     objects carrying the caller's stamp can be changed or deleted. Do not
 *     set these keys yourself; they are overwritten.
 *   - Results are redacted (secrets) and audited by the host.
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
 * THREADING: see the tags. invoke() and backend_invoke() may run concurrently
 * on many threads; each call runs on a thread the host dedicates to it, so
 * blocking there is allowed.
 *
 * LIFETIME: the host never dlclose()s a plugin (unloading a Swift or Rust runtime
 * and touching its types later crashes). At exit it calls shutdown() once.
 *
 * JSON everywhere: every payload that crosses the boundary is UTF-8 JSON text,
 * NUL-terminated. The shapes are documented beside each function.
 */
#ifndef KFMCP_PLUGIN_H
#define KFMCP_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KFMCP_ABI_MAJOR 1
#define KFMCP_ABI_MINOR 2

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
#define KFMCP_ERR_DENIED    5  /* reserved: never returned; refusals are answers        */

/* Export and visibility of the entry point. */
#if defined(_WIN32)
#define KFMCP_EXPORT __declspec(dllexport)
#else
#define KFMCP_EXPORT __attribute__((visibility("default")))
#endif

/* Did the writer of *PTR (a TYPE) have FIELD? Read an appended field only then. */
#define KFMCP_HAS_FIELD(PTR, TYPE, FIELD) \
    ((size_t)(PTR)->struct_size >= offsetof(TYPE, FIELD) + sizeof(((TYPE *)0)->FIELD))

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

    /* [entry] [call] [any thread]
     * A line on the host's log (stderr, and MCP notifications/message when the
     * client asked for them). `message` is borrowed.
     * The host redacts secrets before writing. */
    void (*log)(const kfmcp_host_v1 *host, uint32_t level, const char *message);

    /* [call] [any thread]
     * Report progress of `call`: fraction in [0,1], or negative when unknown.
     * Becomes an MCP notifications/progress if the client sent a progressToken. */
    void (*progress)(const kfmcp_host_v1 *host, kfmcp_call *call,
                     double fraction, const char *message);

    /* [call] [any thread]
     * Non-zero once the client cancelled `call` (MCP notifications/cancelled) or
     * the host is shutting down. Long operations poll it and return early. */
    int32_t (*is_cancelled)(const kfmcp_host_v1 *host, kfmcp_call *call);

    /*
     * [call] [any thread]
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
     *    "proxy_path":"api/model_registry/v1alpha3/registered_models",
     *                                       (appended, ABI 1.1: only with resource
     *                                        "services", subresource "proxy" and a name,
     *                                        which may end in ":port"; the path behind
     *                                        the service proxy, segments of [A-Za-z0-9._-],
     *                                        no "." / ".." / empty segment; verbs get,
     *                                        create, update, patch, delete, name required;
     *                                        never sent in a dry run, never owner-stamped)
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
     * /api/v1/namespaces/{ns}/services/{name}[:{port}]/proxy/{path} reads as
     * "proxy_path" above (the one place ':' may appear: after the name).
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
     * Returns KFMCP_OK whenever *response_json was written (also for refusals
     * and HTTP errors); KFMCP_ERR_NO_CALL for a NULL call, KFMCP_ERR_BAD_INPUT
     * when request_json is NULL or not JSON (then *response_json is NULL).
     */
    int32_t (*k8s_request)(const kfmcp_host_v1 *host, kfmcp_call *call,
                           const char *request_json, char **response_json);

    /*
     * [call] [any thread]
     * A streamed Kubernetes request (watch=true, pods/log?follow=true). Same
     * request_json as k8s_request. on_line is called on the calling thread for
     * each line of the body (a watch event, or a log line), borrowed; returning
     * non-zero from on_line stops the stream. When the stream ends the host
     * writes the same response shape as k8s_request, without "body".
     * Return codes as k8s_request; KFMCP_ERR_BAD_INPUT also for a NULL on_line.
     */
    int32_t (*k8s_stream)(const kfmcp_host_v1 *host, kfmcp_call *call,
                          const char *request_json,
                          int32_t (*on_line)(void *user_data, const char *line),
                          void *user_data, char **response_json);

    /*
     * [call] [any thread]
     * Call an operation of a provider (see PROVIDERS below; a fine-tuning
     * backend is one kind), whichever plugin provides it.
     * backend_id: e.g. "torchtune"; op: e.g. "build_trainer", "estimate".
     * json_in: the operation's input object (borrowed).
     * Returns KFMCP_OK with *json_out (host-allocated, release with host->free)
     * holding the provider's answer, {"result":…} or {"error":{"message":…}};
     * KFMCP_ERR_UNKNOWN when no loaded plugin provides backend_id (list them
     * with list_backends to tell the user), KFMCP_ERR_NO_CALL for a NULL call,
     * KFMCP_ERR_BAD_INPUT when json_in is not JSON. An operation the provider
     * does not know is an answer: {"error":{"message":"... does not know ..."}}.
     */
    int32_t (*call_backend)(const kfmcp_host_v1 *host, kfmcp_call *call,
                            const char *backend_id, const char *op,
                            const char *json_in, char **json_out);

    /* [entry] [call] [any thread]
     * The loaded providers as a JSON array of
     * {"id","kind","title","version","plugin","capabilities":{...}};
     * host-allocated. During entry it lists only the plugins loaded so far. */
    int32_t (*list_backends)(const kfmcp_host_v1 *host, char **json_out);

    /* [entry] [call] [any thread]
     * This plugin's settings from its plugins.d YAML entry, as a JSON object
     * ({} when none); host-allocated. */
    int32_t (*plugin_config)(const kfmcp_host_v1 *host, char **json_out);

    /* [call] [any thread]
     * Facts about the call's context, host-allocated JSON:
     * {"namespace":"<default namespace>", "user":"<identity>",
     *  "persona":"<name or null>", "allowed_namespaces":[...] or null,
     *  "read_only":false, "tool":"<tool name>",
     *  "dry_run":false,   (true during the preview run of a tool that needs
     *                      confirmation; see WHAT THE HOST DOES above)
     *  "plan_seed":"<hex>"}
     * plan_seed is fixed by the host for one plan: a confirmation preview (a
     * dry run) and the run that carries out the confirmed plan see the same
     * value, and a tool called from a call sees its caller's. Derive every
     * generated name from it (not from a random source), so the names the
     * user confirmed are the names created. Absent from older hosts. */
    int32_t (*call_context)(const kfmcp_host_v1 *host, kfmcp_call *call,
                            char **json_out);

    /* [entry] [call] [any thread]
     * Release a buffer a host service allocated. NULL is allowed. */
    void (*free)(const kfmcp_host_v1 *host, void *ptr);

    /* [entry] [call] [any thread]
     * Growth without an ABI break: look up an extension by id with its version
     * in it, e.g. "kfmcp.secrets/1". NULL when the host lacks it. */
    const void *(*get_extension)(const kfmcp_host_v1 *host, const char *id);

    void *reserved[4]; /* NULL */
};

/* ---- Extensions (host->get_extension) ------------------------------------- */

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

/*
 * PROVIDERS. A kfmcp_backend_v1 entry declares a provider: a named service
 * other plugins call through call_backend(id, op, json) without knowing which
 * plugin implements it. Its kind is capabilities_json's "kind", an id with a
 * version, e.g. "kfmcp.provider/finetune-backend/1" (the default when "kind"
 * is absent, so every ABI 1.0 backend is a fine-tuning backend); another kind
 * (an optimizer algorithm, a storage provider) needs no new ABI field. The
 * host only routes: it checks ids are unique and never reads the operations.
 * Callers pick providers of the kind they speak from list_backends.
 *
 * The fine-tuning backend contract (kind "kfmcp.provider/finetune-backend/1":
 * operations "build_trainer" and "estimate", every field, type and
 * nullability) is in docs/finetune-backend.md beside this header's project.
 */
#define KFMCP_PROVIDER_FINETUNE_BACKEND "kfmcp.provider/finetune-backend/1"

/* One provider, e.g. a fine-tuning backend (torchtune, trl, unsloth, third-party ones). */
typedef struct kfmcp_backend_v1 {
    uint32_t struct_size;           /* sizeof(kfmcp_backend_v1)                  */
    uint32_t reserved0;             /* 0                                         */
    const char *id;                 /* [a-z][a-z0-9_-]*, unique across plugins   */
    const char *title;
    const char *version;
    /* JSON object: {"kind":"kfmcp.provider/finetune-backend/1" (optional),
     * for a fine-tuning backend: "methods":["lora","qlora","full"], "model_families":[...],
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
     *   "packed": bool, "allocator_reserve": fraction, "cuda_context_gb": number,
     *   "single_device": {these keys} (what differs on one GPU, where a stack
     *   runs other recipes: torchtune's paged 8-bit AdamW in the backward pass).
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
    /* JSON object: what this plugin adds to MCP beyond tools, or NULL.
     * Every entry names one of this plugin's own tools as its handler, so a
     * resource read, a prompt, a completion or a task's status goes through
     * the same pipeline as a tool call (policy, ownership, redaction, audit);
     * the host stays free of any domain. Keys, every one optional:
     *   "resources", "resource_templates"  MCP resources and URI templates,
     *   "prompts"                          MCP prompts with arguments,
     *   "completions"                      argument/variable completion,
     *   "tasks"                            tools a client may run as tasks.
     * Each key's shape is in docs/mcp-surface.md beside this header's
     * project. Unknown keys are ignored; a malformed value refuses the
     * plugin with the key named. */
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

#endif /* KFMCP_PLUGIN_H */
