import Foundation
import HostBase
import KFJSON

/// Everything loaded: plugins, their tools by name, backends by id, and one
/// record per file seen (for `plugins list`). Filled once at start-up, then
/// read-only, so concurrent calls read it without locks.
public final class PluginRegistry: @unchecked Sendable {
    public private(set) var plugins: [LoadedPlugin] = []
    /// Cluster-scoped resources plugins declared they read (manifest field).
    public private(set) var clusterScopedReads: Set<String> = []
    public private(set) var records: [PluginRecord] = []
    public private(set) var tools: [String: (spec: ToolSpec, plugin: LoadedPlugin)] = [:]
    public private(set) var backends: [String: (spec: BackendSpec, plugin: LoadedPlugin)] = [:]
    /// Tool names in load order (plugin order, then manifest order).
    public private(set) var toolOrder: [String] = []

    public init() {}

    func add(record: PluginRecord) { records.append(record) }

    /// Accept a plugin whose tools and backends were already checked for clashes.
    func add(plugin: LoadedPlugin, record: PluginRecord) {
        plugins.append(plugin)
        records.append(record)
        for tool in plugin.tools {
            tools[tool.name] = (tool, plugin)
            toolOrder.append(tool.name)
        }
        for backend in plugin.backends { backends[backend.id] = (backend, plugin) }
        clusterScopedReads.formUnion(plugin.clusterScopedReads)
    }

    public var orderedTools: [ToolSpec] { toolOrder.compactMap { tools[$0]?.spec } }
    public var orderedBackends: [BackendSpec] {
        backends.values.map(\.spec).sorted { $0.id < $1.id }
    }

    package func shutdownAll() {
        for plugin in plugins { plugin.shutdown() }
    }
}
