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
            "namespace": .string(cluster.defaultNamespace),
            "user": .string(identity),
            "persona": .string(policy.name),
            "allowed_namespaces": policy.namespaces.map { .array($0.map { .string($0) }) } ?? .null,
            "read_only": .bool(policy.readOnly),
            "tool": .string(call.tool),
            "dry_run": .bool(call.dryRun),
            "plan_seed": .string(call.planSeed),
        ]
    }

    /// Who the API server says we are (SelfSubjectReview), else the kubeconfig
    /// user. Asked once.
    public var identity: String {
        if let known = lock.withLock({ _identity }) { return known }
        let review = cluster.send(ClusterRequest(
            method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"], timeoutMs: 5000))
        let name = review.body["status"]?["userInfo"]?["username"]?.string ?? cluster.identity
        lock.withLock { _identity = name }
        return name
    }

    /// A plugin's Kubernetes request: policy, ownership and dry-run applied here,
    /// whichever plugin asks.
    func k8sRequest(_ json: JSON, call: CallState, stream onLine: ((String) -> Bool)? = nil) -> ClusterAnswer {
        let (parsed, problem) = ClusterRequest.parse(json)
        guard var request = parsed else { return .failure("BadRequest", problem ?? "invalid request") }
        if let denial = ClusterGuard.denial(request, policy: policy) {
            log.info("denied \(call.pluginID) \(request.method) \(request.path): \(denial)", source: "policy")
            return .failure("Denied", denial)
        }
        let isWrite = ClusterGuard.isWrite(request)
        if isWrite, let spec = call.spec, policy.ownObjectsOnly(spec), request.method != "POST",
            let refusal = ownershipRefusal(request)
        {
            return .failure("Denied", refusal)
        }
        if request.method == "POST" && !ClusterGuard.isReview(request.path) {
            request.body = ClusterGuard.stampOwner(request.body, identity: identity)
        }
        if call.dryRun && isWrite {
            request.query.append(("dryRun", "All"))
        }
        let started = Date()
        let answer = onLine.map { cluster.stream(request, onLine: $0) } ?? cluster.send(request)
        if call.dryRun && isWrite {
            var write: JSON = ["method": .string(request.method), "path": .string(request.path),
                               "status": .int(answer.status)]
            if let body = request.body { write["body"] = body }
            if let message = answer.errorMessage { write["error"] = .string(message) }
            call.recordWrite(write)
        }
        log.debug("\(call.pluginID) \(request.method) \(request.path) → \(answer.status) in \(Int(Date().timeIntervalSince(started) * 1000)) ms",
                  source: "k8s")
        return answer
    }

    /// Under own-objects-only policy: refuse to change an object someone else created.
    private func ownershipRefusal(_ request: ClusterRequest) -> String? {
        let path = ClusterGuard.objectPath(request.path)
        let current = cluster.send(ClusterRequest(method: "GET", path: path))
        guard current.status == 200 else { return nil }  // let the real request report 404 etc.
        let owner = current.body["metadata"]?["annotations"]?[ClusterGuard.ownerAnnotation]?.string
        guard owner != identity else { return nil }
        let name = current.body["metadata"]?["name"]?.string ?? path
        let who = owner.map { "was created by \($0)" } ?? "was not created through kubeflow-mcp"
        return "'\(name)' \(who); policy '\(policy.name)' lets you change only your own jobs. Ask its owner or a platform admin."
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

    /// A tool called by another tool (extension kfmcp.tools/1): the client
    /// pipeline's policy, validation, audit and redaction (ToolInvoker), on the
    /// caller's thread. nil when no loaded tool has that name.
    func callTool(_ name: String, arguments: JSON, from outer: CallState) -> JSON? {
        ToolInvoker(runtime: self).nested(name: name, arguments: arguments, from: outer)
    }
}
