import Foundation
import HostBase
import KFJSON

/// Everything loaded: plugins, their tools by name, backends by id, and one
/// record per file seen (for `plugins list`). Filled at start-up and replaced
/// whole by a reload (SIGHUP): each read returns one consistent generation,
/// and a call keeps the plugin it looked up even if a reload swaps it out.
public final class PluginRegistry: @unchecked Sendable {
    /// One generation of the registry; a reload builds the next one aside.
    struct Contents {
        var plugins: [LoadedPlugin] = []
        var clusterScopedReads: Set<String> = []
        var records: [PluginRecord] = []
        var tools: [String: (spec: ToolSpec, plugin: LoadedPlugin)] = [:]
        var backends: [String: (spec: BackendSpec, plugin: LoadedPlugin)] = [:]
        var toolOrder: [String] = []
    }

    private let lock = NSLock()
    private var contents = Contents()
    private var _generation = 0

    /// Changes with every plugin added and every reload: what is derived from the registry is cached per generation.
    public var generation: Int { lock.withLock { _generation } }

    public var plugins: [LoadedPlugin] { lock.withLock { contents.plugins } }
    /// Cluster-scoped resources plugins declared they read (manifest field).
    public var clusterScopedReads: Set<String> { lock.withLock { contents.clusterScopedReads } }
    public var records: [PluginRecord] { lock.withLock { contents.records } }
    public var tools: [String: (spec: ToolSpec, plugin: LoadedPlugin)] { lock.withLock { contents.tools } }
    public var backends: [String: (spec: BackendSpec, plugin: LoadedPlugin)] { lock.withLock { contents.backends } }
    /// Tool names in load order (plugin order, then manifest order).
    public var toolOrder: [String] { lock.withLock { contents.toolOrder } }

    public init() {}

    func add(record: PluginRecord) { lock.withLock { contents.records.append(record) } }

    /// Accept a plugin whose tools and backends were already checked for clashes.
    func add(plugin: LoadedPlugin, record: PluginRecord) {
        lock.withLock {
            _generation += 1
            contents.plugins.append(plugin)
            contents.records.append(record)
            for tool in plugin.tools {
                contents.tools[tool.name] = (tool, plugin)
                contents.toolOrder.append(tool.name)
            }
            for backend in plugin.backends { contents.backends[backend.id] = (backend, plugin) }
            contents.clusterScopedReads.formUnion(plugin.clusterScopedReads)
        }
    }

    /// The record `plugins list` shows for a loaded plugin.
    func record(of plugin: LoadedPlugin) -> PluginRecord? {
        lock.withLock { contents.records.first { $0.status == .loaded && $0.path == plugin.path } }
    }

    /// A reload's outcome takes over in one step; the plugins it dropped are returned.
    func replace(with next: PluginRegistry) -> [LoadedPlugin] {
        let incoming = next.lock.withLock { next.contents }
        return lock.withLock {
            let dropped = contents.plugins.filter { old in !incoming.plugins.contains { $0 === old } }
            contents = incoming
            _generation += 1
            return dropped
        }
    }

    public var orderedTools: [ToolSpec] {
        lock.withLock { contents.toolOrder.compactMap { contents.tools[$0]?.spec } }
    }
    public var orderedBackends: [BackendSpec] {
        backends.values.map(\.spec).sorted { $0.id < $1.id }
    }

    package func shutdownAll() {
        for plugin in plugins { plugin.shutdown() }
    }
}
