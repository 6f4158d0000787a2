import PluginKit
import TRLPlugin

/// The one symbol the host looks up (kfmcp_plugin.h).
@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    trlPluginDefinition.export(host: host)
}
