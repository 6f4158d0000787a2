import Foundation
import KFJSON

/// The host's state that services and the MCP server share: the plugin
/// registry, the cluster connection, and the caller's context.
public final class HostRuntime: @unchecked Sendable {
    public let registry = PluginRegistry()
    public let log: Log
    private let lock = NSLock()
    private var _cluster: any ClusterAccess = NoCluster(reason: "no cluster is configured")
    private var _shuttingDown = false

    /// Extra facts about the caller shown to plugins through call_context
    /// (persona and namespace allowlist come from policy).
    public var persona: String?
    public var allowedNamespaces: [String]?
    public var readOnly = false

    public init(log: Log = .shared) { self.log = log }

    public var cluster: any ClusterAccess {
        get { lock.withLock { _cluster } }
        set { lock.withLock { _cluster = newValue } }
    }

    public var isShuttingDown: Bool { lock.withLock { _shuttingDown } }

    /// Call every plugin's shutdown once (at exit).
    public func shutdown() {
        let first = lock.withLock { () -> Bool in
            defer { _shuttingDown = true }
            return !_shuttingDown
        }
        if first { registry.shutdownAll() }
    }

    // MARK: Services behind the C callbacks

    func callContext(for call: CallState) -> JSON {
        let cluster = self.cluster
        return [
            "namespace": .string(cluster.defaultNamespace),
            "user": .string(cluster.identity),
            "persona": persona.map { .string($0) } ?? .null,
            "allowed_namespaces": allowedNamespaces.map { .array($0.map { .string($0) }) } ?? .null,
            "read_only": .bool(readOnly),
            "tool": .string(call.tool),
        ]
    }

    func k8sRequest(_ json: JSON, call: CallState, stream onLine: ((String) -> Bool)? = nil) -> ClusterAnswer {
        let (request, problem) = ClusterRequest.parse(json)
        guard let request else { return .failure("BadRequest", problem ?? "invalid request") }
        let started = Date()
        let answer = onLine.map { cluster.stream(request, onLine: $0) } ?? cluster.send(request)
        log.debug("\(call.pluginID) \(request.method) \(request.path) → \(answer.status) in \(Int(Date().timeIntervalSince(started) * 1000)) ms",
                  source: "k8s")
        return answer
    }

    func callBackend(id: String, op: String, input: JSON, call: CallState) -> JSON {
        guard let entry = registry.backends[id] else {
            let loaded = registry.orderedBackends.map(\.id)
            let list = loaded.isEmpty ? "none are loaded" : "loaded backends: \(loaded.joined(separator: ", "))"
            return ["error": ["message": .string("Unknown fine-tuning backend '\(id)'; \(list)."), "field": "backend"]]
        }
        switch entry.plugin.invokeBackend(id: id, op: op, input: input, call: call) {
        case .success(let answer): return answer
        case .failure(let failure):
            return ["error": ["message": .string("Backend '\(id)' (plugin \(entry.plugin.id)) \(failure.message).")]]
        }
    }

    func backendsJSON() -> JSON { .array(registry.orderedBackends.map(\.json)) }
}
