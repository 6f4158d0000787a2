import Foundation
import HostBase

/// What a reload changed, for the log and for telling clients.
public struct PluginReloadOutcome: Sendable {
    /// A tool appeared, went, or is now served by a new version of its plugin.
    public let toolsChanged: Bool
    public let summary: String
}

extension PluginLoader {
    /// Rescan the plugin directories with the trust checks of a start and swap
    /// in what changed (SIGHUP): a child-run plugin whose file changed gets a
    /// new child; calls already running finish on the old one, which then
    /// stops. Unchanged plugins and in-process code stay as they are.
    public func reload() -> PluginReloadOutcome {
        Self.reloading.withLock {
            let current = host.registry
            var next = self
            next.registry = PluginRegistry()
            next.loadAll(previous: current.plugins)
            let before = current.tools.mapValues { ObjectIdentifier($0.plugin) }
            let dropped = current.replace(with: next.registry)
            let after = current.tools.mapValues { ObjectIdentifier($0.plugin) }
            for plugin in dropped { plugin.retire() }
            let added = Set(after.keys).subtracting(before.keys).sorted()
            let removed = Set(before.keys).subtracting(after.keys).sorted()
            let replaced = after.filter { before[$0.key] != nil && before[$0.key] != $0.value }.keys.sorted()
            var parts: [String] = []
            if !added.isEmpty { parts.append("added \(added.joined(separator: ", "))") }
            if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", "))") }
            if !replaced.isEmpty { parts.append("new version of \(replaced.joined(separator: ", "))") }
            let pending = current.records.filter { $0.pending != nil }.count
            let summary = "plugins reloaded: " + (parts.isEmpty ? "no tool changed" : parts.joined(separator: "; "))
                + (pending == 0 ? "" : "; \(pending) plugin(s) wait for a restart or a fix (see plugins list)")
            log.warning(summary, source: "loader")
            return PluginReloadOutcome(toolsChanged: !parts.isEmpty, summary: summary)
        }
    }

    /// One reload at a time (a second SIGHUP waits for the first).
    private static let reloading = NSLock()
}
