import Foundation

/// Every MCP session open now (stdio, each HTTP session): a plugin reload that
/// changed the tools tells each one `notifications/tools/list_changed`, so the
/// client lists them again.
public final class ToolListWatchers: @unchecked Sendable {
    public static let shared = ToolListWatchers()

    private struct Watcher { weak var server: MCPServer? }
    private let lock = NSLock()
    private var watchers: [ObjectIdentifier: Watcher] = [:]

    func add(_ server: MCPServer) { lock.withLock { watchers[ObjectIdentifier(server)] = Watcher(server: server) } }
    func remove(_ server: MCPServer) { _ = lock.withLock { watchers.removeValue(forKey: ObjectIdentifier(server)) } }

    /// The tools changed: every session's cached listing is dropped and its client told.
    public func toolsChanged() {
        let servers = lock.withLock { watchers.values.compactMap(\.server) }
        for server in servers { server.toolsChanged() }
    }
}
