import PluginKit

let trainerPluginDefinition = PluginDefinition(id: "trainer", version: "0.1.0", description: "placeholder", tools: [])

@_cdecl("kfmcp_plugin_entry_v1")
public func kfmcpPluginEntry(_ host: UnsafeRawPointer?) -> UnsafeRawPointer? {
    trainerPluginDefinition.export(host: host)
}
