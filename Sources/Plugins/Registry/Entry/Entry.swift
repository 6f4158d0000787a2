import PluginKit
import RegistryPlugin

/// The one C symbol of libkfmcp-registry.so.
@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    registryPluginDefinition.export(host: host)
}
