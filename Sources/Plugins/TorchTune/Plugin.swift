import PluginKit

let torchtunePluginDefinition = PluginDefinition(id: "torchtune", version: "0.1.0", description: "placeholder", tools: [])

@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    torchtunePluginDefinition.export(host: host)
}
