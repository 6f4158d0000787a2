import Foundation
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

    /// A plugin's Kubernetes request: parsed into structure (names checked),
    /// then policy, ownership and dry-run applied here, whichever plugin asks.
    func k8sRequest(_ json: JSON, call: CallState, stream onLine: ((String) -> Bool)? = nil) -> KubeResponse {
        var request: ClusterRequest
        switch ClusterRequestParser.parse(json) {
        case .success(let parsed): request = parsed
        case .failure(let refusal):
            log.info("refused \(call.pluginID) request: \(refusal.message)", source: "policy")
            return .failure("BadRequest", "Refused request field \"\(refusal.field)\": \(refusal.message).", field: refusal.field)
        }
        let policy = policy(of: call)
        if let denial = ClusterGuard.denial(request, policy: policy, tool: call.spec, pluginID: call.pluginID,
                                             clusterReads: registry.clusterScopedReads) {
            log.info("denied \(call.pluginID) \(request.summary): \(denial)", source: "policy")
            return .failure("Denied", denial)
        }
        let isWrite = ClusterGuard.isWrite(request)
        if let ns = ClusterGuard.namespace(of: request) { call.recordNamespace(ns) }
        if isWrite, let spec = call.spec, policy.ownObjectsOnly(spec), request.verb != "create",
            let refusal = ownershipRefusal(request, call: call)
        {
            return refusal
        }
        if call.dryRun && isWrite && request.isServiceProxy {
            // The service behind the proxy has no dry run: record the write for the preview, send nothing.
            var write: JSON = ["method": .string(request.method), "path": .string(request.path), "status": 0]
            if let body = request.body { write["body"] = body }
            call.recordWrite(write)
            return .failure("DryRun", "\(request.summary) was not sent: a dry run cannot pass through a service proxy.")
        }
        if request.verb == "create" && !ClusterGuard.isReview(request) && !request.isServiceProxy {
            request.body = ClusterGuard.stampOwner(request.body, identity: identity(of: call))
        }
        if call.dryRun && isWrite {
            request.query.append(("dryRun", "All"))
        }
        let started = Date()
        let cluster = cluster(of: call)
        let answer = onLine.map { cluster.stream(request, onLine: $0) } ?? cluster.send(request)
        if call.dryRun && isWrite {
            var write: JSON = ["method": .string(request.method), "path": .string(request.path),
                               "status": .int(answer.status)]
            if let body = request.body { write["body"] = body }
            if let message = answer.errorMessage { write["error"] = .string(message) }
            call.recordWrite(write)
        }
        log.debug("\(call.pluginID) \(request.method) \(request.path) → \(answer.status) in \(Int(Date().timeIntervalSince(started) * 1e6)) µs",
                  source: "k8s")
        return answer
    }

    /// Under own-objects-only policy: change only objects the caller created.
    /// Fail-closed: when the object cannot be read, nothing is changed (a 404
    /// is handed back as the answer, the change never sent).
    private func ownershipRefusal(_ request: ClusterRequest, call: CallState) -> KubeResponse? {
        let identity = identity(of: call), policy = policy(of: call)
        guard let target = request.resource?.object else { return .failure("Denied", "Only objects have owners.") }
        let current = cluster(of: call).send(ClusterRequest(verb: "get", resource: target))
        let name = target.name ?? "?"
        if current.status == 404 { return current }
        guard current.status == 200 else {
            let why = current.errorMessage ?? "HTTP \(current.status)"
            return .failure("Denied", "Could not read \(target.resource)/\(name) to check who owns it (\(why)); policy '\(policy.name)' lets you change only your own objects, so nothing was changed. Try again later, or ask for read access to it.")
        }
        let owner = current.bodyJSON["metadata"]?["annotations"]?[ClusterGuard.ownerAnnotation]?.string
        guard owner != identity else { return nil }
        let who = owner.map { "was created by \($0)" } ?? "was not created through kubeflow-mcp"
        return .failure("Denied", "'\(name)' \(who); policy '\(policy.name)' lets you change only your own jobs. Ask its owner or a platform admin.")
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

    /// list_backends as text, serialized once per set of backends: planning
    /// tools ask on every call, and backends are only ever added (at load).
    func backendsText() -> String {
        let count = registry.backends.count
        if let cached = lock.withLock({ _backendsText }), cached.count == count { return cached.text }
        let text = backendsJSON().serialized()
        lock.withLock { _backendsText = (count, text) }
        return text
    }
    private var _backendsText: (count: Int, text: String)?

    /// A tool called by another tool (extension kfmcp.tools/1): the client
    /// pipeline's policy, validation, audit and redaction (ToolInvoker), on the
    /// caller's thread. nil when no loaded tool has that name.
    func callTool(_ name: String, arguments: JSON, from outer: CallState) -> JSON? {
        ToolInvoker(runtime: self, caller: outer.caller).nested(name: name, arguments: arguments, from: outer)
    }
}
