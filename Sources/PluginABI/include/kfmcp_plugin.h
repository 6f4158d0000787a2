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

/* The contract, one concept per part (after CLAP's plugin.h, host.h, ext/):
 * core (versions, sizes, return codes), the host's services, tools and the
 * tools extension, providers, the MCP surface a plugin declares, and the
 * manifest with the entry point. Including this header includes them all. */
#include "kfmcp/core.h"
#include "kfmcp/host.h"
#include "kfmcp/tools.h"
#include "kfmcp/providers.h"
#include "kfmcp/mcp_surface.h"
#include "kfmcp/plugin.h"

#endif /* KFMCP_PLUGIN_H */
