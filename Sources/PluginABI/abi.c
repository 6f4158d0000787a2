/* The header is the target; this file only keeps the C target non-empty.
 * The strict layout checks live in PluginABICheck (-Wpadded -Werror): unsafe
 * flags here would stop out-of-tree packages from depending on PluginKit. */
#include "kfmcp_plugin.h"

const unsigned kfmcp_abi_minor_built = KFMCP_ABI_MINOR;
