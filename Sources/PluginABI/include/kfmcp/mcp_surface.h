/*
 * kfmcp/mcp_surface.h — what a plugin adds to MCP beyond tools (resources,
 * prompts, completions, tasks), declared in one manifest field. Documentation
 * only: the field is a JSON string, so this part declares no type.
 */
#ifndef KFMCP_MCP_SURFACE_H
#define KFMCP_MCP_SURFACE_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The manifest's mcp_surface_json (ABI 1.2, kfmcp/plugin.h).
 * JSON object: what this plugin adds to MCP beyond tools, or NULL.
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

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_MCP_SURFACE_H */
