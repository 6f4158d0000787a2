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
    /// Plugin calls running now; shutdown waits for them (plugins' shutdown must run alone).
    private let activeCalls = NSCondition()
    private var activeCount = 0

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

    /// At exit: tell running calls to stop (is_cancelled answers 1), wait for
    /// them up to `grace` seconds, then call every plugin's shutdown once.
    public func shutdown(grace: TimeInterval = 10) {
        let first = lock.withLock { () -> Bool in
            defer { _shuttingDown = true }
            return !_shuttingDown
        }
        guard first else { return }
        let deadline = Date().addingTimeInterval(grace)
        activeCalls.lock()
        while activeCount > 0 && activeCalls.wait(until: deadline) {}
        let stuck = activeCount
        activeCalls.unlock()
        if stuck > 0 { log.warning("\(stuck) plugin call(s) still running at exit; not waiting longer") }
        registry.shutdownAll()
    }

    /// Bracket a plugin call so shutdown can wait for it.
    func tracking<T>(_ body: () -> T) -> T {
        activeCalls.lock()
        activeCount += 1
        activeCalls.unlock()
        defer {
            activeCalls.lock()
            activeCount -= 1
            activeCalls.broadcast()
            activeCalls.unlock()
        }
        return body()
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
