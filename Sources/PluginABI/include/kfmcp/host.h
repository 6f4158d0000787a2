/*
 * kfmcp/host.h — kfmcp_host_v1, the services the host gives a plugin
 * (log, progress, Kubernetes requests, providers, settings, extensions).
 */
#ifndef KFMCP_HOST_H
#define KFMCP_HOST_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_HOST_H */
