import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON
import KubeClient

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

    /// Who may do what; set before serving, read-only afterwards.
    public var policy: Policy = .unrestricted
    /// Where every tools/call is recorded (nil: nowhere).
    public var audit: AuditLog?
    /// Confirmation tokens handed to clients that cannot ask the person.
    public let confirmations = ConfirmationBook.fromEnvironment()
    private var _identity: String?

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
        [
            "namespace": .string(cluster(of: call).defaultNamespace),
            "user": .string(identity(of: call)),
            "persona": .string(policy(of: call).name),
            "allowed_namespaces": policy(of: call).namespaces.map { .array($0.map { .string($0) }) } ?? .null,
            "read_only": .bool(policy(of: call).readOnly),
            "tool": .string(call.tool),
            "dry_run": .bool(call.dryRun),
            "plan_seed": .string(call.planSeed),
        ]
    }

    /// The identity once looked up; nil before (then `identity` blocks on the API server).
    public var knownIdentity: String? { lock.withLock { _identity } }

    /// Who the API server says we are (SelfSubjectReview), else the kubeconfig
    /// user. Asked once.
    public var identity: String {
        if let known = lock.withLock({ _identity }) { return known }
        let review = cluster.send(ClusterRequest(
            verb: "create", resource: ResourceRef(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews"),
            body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"], timeoutMs: 5000))
        let name = review.bodyJSON["status"]?["userInfo"]?["username"]?.string ?? cluster.identity
        lock.withLock { _identity = name }
        return name
    }

    /// A plugin's Kubernetes request, through the one gate (KubeGate) with this call's context.
    func k8sRequest(_ json: JSON, call: CallState, stream onLine: ((String) -> Bool)? = nil) -> KubeResponse {
        KubeGate(policy: policy(of: call), identity: { self.identity(of: call) }, cluster: cluster(of: call),
                 clusterReads: registry.clusterScopedReads, log: log)
            .send(json, call: call, stream: onLine)
    }

    /// A provider operation; nil when no loaded plugin provides `id` (the
    /// caller knows what kind of provider it wanted and says so).
    func callBackend(id: String, op: String, input: JSON, call: CallState) -> JSON? {
        guard let entry = registry.backends[id] else { return nil }
        switch entry.plugin.invokeBackend(id: id, op: op, input: input, call: call) {
        case .success(let answer): return answer
        case .failure(let failure):
            return ["error": ["message": .string("Provider '\(id)' (plugin \(entry.plugin.id)) \(failure.message).")]]
        }
    }

    func backendsJSON() -> JSON { .array(registry.orderedBackends.map(\.json)) }

    /// list_backends as text, serialized once per generation of the registry:
    /// planning tools ask on every call, and backends change only at load or reload.
    func backendsText() -> String {
        let generation = registry.generation
        if let cached = lock.withLock({ _backendsText }), cached.generation == generation { return cached.text }
        let text = backendsJSON().serialized()
        lock.withLock { _backendsText = (generation, text) }
        return text
    }
    private var _backendsText: (generation: Int, text: String)?

    /// A tool called by another tool (extension kfmcp.tools/1): the client
    /// pipeline's policy, validation, audit and redaction (ToolInvoker), on the
    /// caller's thread. nil when no loaded tool has that name.
    func callTool(_ name: String, arguments: JSON, from outer: CallState) -> JSON? {
        ToolInvoker(runtime: self, caller: outer.caller).nested(name: name, arguments: arguments, from: outer)
    }
}
