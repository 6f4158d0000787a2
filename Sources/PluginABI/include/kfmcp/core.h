/*
 * kfmcp/core.h — versions, frozen 1.0 sizes, log levels, return codes, export
 * and field checks: what every other part of the ABI builds on. Read
 * kfmcp_plugin.h first; it includes every part.
 */
#ifndef KFMCP_CORE_H
#define KFMCP_CORE_H

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

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_CORE_H */
