import PluginKit
import UnslothPlugin

/// The one symbol the host looks up (kfmcp_plugin.h).
@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    unslothPluginDefinition.export(host: host)
}
