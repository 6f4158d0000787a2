/* Compiled with -Wall -Wpadded -Werror so a header change that adds implicit
 * padding or a warning fails the build. It also pins the layout on LP64. */
#include "kfmcp_plugin.h"
#include <stddef.h>

_Static_assert(sizeof(void *) != 8 || sizeof(kfmcp_tool_v1) == 64, "kfmcp_tool_v1 layout");
_Static_assert(sizeof(void *) != 8 || sizeof(kfmcp_backend_v1) == 40, "kfmcp_backend_v1 layout");
_Static_assert(offsetof(kfmcp_manifest_v1, struct_size) == 0, "struct_size first");
_Static_assert(offsetof(kfmcp_host_v1, struct_size) == 0, "struct_size first");

/* One symbol so the object file is not empty. */
const unsigned kfmcp_abi_major_built = KFMCP_ABI_MAJOR;

/* ABI 1.1's first appended manifest field sits right after the 1.0 struct. */
_Static_assert(offsetof(kfmcp_manifest_v1, instructions) == KFMCP_MANIFEST_V1_0_SIZE, "instructions appended after 1.0");

/* ABI 1.2's field follows 1.1's two. */
_Static_assert(offsetof(kfmcp_manifest_v1, mcp_surface_json) == KFMCP_MANIFEST_V1_0_SIZE + 2 * sizeof(void *), "mcp_surface_json appended after 1.1");
