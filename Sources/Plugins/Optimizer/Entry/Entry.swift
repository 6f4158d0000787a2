import OptimizerPlugin
import PluginKit

/// The one C symbol of libkfmcp-optimizer.so.
@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    optimizerPluginDefinition.export(host: host)
}
