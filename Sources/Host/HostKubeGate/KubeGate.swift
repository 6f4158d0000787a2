import Foundation
import HostBase
import KFJSON
import KubeClient

/// What the gate needs of the call a request belongs to (the call pipeline's CallState).
package protocol GateCall: AnyObject {
    var pluginID: String { get }
    /// The calling tool's declaration: its risk bounds what it may write.
    var spec: ToolSpec? { get }
    /// A preview: writes go to the API server's dry run and are recorded.
    var dryRun: Bool { get }
    func recordNamespace(_ namespace: String)
    /// A preview's write (method, path, body, status), for the person to confirm.
    func recordWrite(_ write: JSON)
    /// A confirmed run may send only what its preview recorded: takes the
    /// matching previewed write; false when none is left. True when the run is
    /// bound to no preview.
    func takePreviewedWrite(_ write: JSON) -> Bool
    /// An object this call created, so it may delete it again (cleaning up after a failure).
    func recordCreated(_ object: String)
    func didCreate(_ object: String) -> Bool
    /// A write the gate refused because the confirmed preview did not show it (for the audit line).
    func recordRefusedWrite(_ summary: String)
    /// The ids this call's own creates were answered with, in order (a Kubernetes object's uid, a
    /// record's id behind a service proxy): CreatedIDs writes them as placeholders. Returns the count.
    func recordCreatedID(_ id: String) -> Int
    var createdIDs: [String] { get }
}

/// The one Kubernetes gate every plugin request passes, whichever way the
/// plugin runs and whoever called the tool: parse → deny → ownership → stamp
/// → preview binding and dry run → send → redact the stream. Decided on the
/// parsed request and this context, never on a path string or on what the
/// plugin says about itself beyond its tools' declared risk.
package struct KubeGate {
    let policy: Policy
    /// Who the caller is (asked of the API server once, so only when needed).
    let identity: () -> String
    let cluster: any ClusterAccess
    /// Cluster-scoped "group/resource" loaded plugins declared they read.
    let clusterReads: Set<String>
    let log: Log

    package init(policy: Policy, identity: @escaping () -> String, cluster: any ClusterAccess,
                 clusterReads: Set<String>, log: Log) {
        self.policy = policy
        self.identity = identity
        self.cluster = cluster
        self.clusterReads = clusterReads
        self.log = log
    }

    /// A plugin's request (its `request_json`), sent if the gate lets it through.
    /// `onLine`: a streamed answer's lines; a pod's log reaches it redacted line by line.
    package func send(_ json: JSON, call: any GateCall, stream onLine: ((String) -> Bool)? = nil) -> KubeResponse {
        var request: ClusterRequest
        switch ClusterRequestParser.parse(json) {
        case .success(let parsed): request = parsed
        case .failure(let refusal):
            log.info("refused \(call.pluginID) request: \(refusal.message)", source: "policy")
            return .failure("BadRequest", "Refused request field \"\(refusal.field)\": \(refusal.message).", field: refusal.field)
        }
        let isWrite = ClusterGuard.isWrite(request)
        let undoing = request.verb == "delete" && Self.objectKey(request).map(call.didCreate) == true
        if let denial = ClusterGuard.denial(request, policy: policy, tool: call.spec, pluginID: call.pluginID,
                                             clusterReads: clusterReads, undoingOwnCreate: undoing) {
            log.info("denied \(call.pluginID) \(request.summary): \(denial)", source: "policy")
            return .failure("Denied", denial)
        }
        if let ns = ClusterGuard.namespace(of: request) { call.recordNamespace(ns) }
        // A service proxy's writes change the service's own records (the Model Registry's), not a
        // Kubernetes object: no owner to check or stamp; RBAC on services/proxy decides who may.
        if isWrite, policy.changesOwnObjectsOnly, request.verb != "create", !undoing, !request.isServiceProxy,
           let refusal = ownershipRefusal(request) {
            return refusal
        }
        if request.verb == "create" && !ClusterGuard.isReview(request) && !request.isServiceProxy {
            request.body = ClusterGuard.stampOwner(request.body, identity: identity())
        }
        let key = CreatedIDs.placeholders(in: Self.previewKey(request), ids: call.createdIDs)
        if isWrite && !call.dryRun && !undoing && !call.takePreviewedWrite(key) {
            let message = "Plugin '\(call.pluginID)' asked to \(request.summary), which the confirmed preview did not show; the host refused it. A confirmed run may send only the writes its preview recorded."
            log.info("denied \(call.pluginID) \(request.summary): not in the confirmed preview", source: "policy")
            call.recordRefusedWrite("\(request.method) \(request.path)")
            return .failure("Denied", message)
        }
        if call.dryRun && isWrite && request.isServiceProxy {
            // The service behind the proxy has no dry run: the write is recorded for the preview, not
            // sent, and answered with what was asked; a create gets its placeholder id (CreatedIDs).
            var write = key
            write["status"] = 0
            call.recordWrite(write)
            var echoed = request.body ?? [:]
            if request.verb == "create" {
                let n = call.recordCreatedID(CreatedIDs.placeholder(call.createdIDs.count + 1))
                echoed["id"] = .string(CreatedIDs.placeholder(n))
            }
            return KubeResponse(status: request.verb == "create" ? 201 : 200, body: Array(echoed.serialized().utf8))
        }
        if call.dryRun && isWrite {
            request.query.append(("dryRun", "All"))
        }
        let started = Date()
        let answer: KubeResponse
        if let onLine {
            // Decided on the parsed request: a pod's log, whichever form the plugin asked in.
            let redactor = Self.isPodLog(request) ? StreamRedactor() : nil
            answer = cluster.stream(request) { line in onLine(redactor?.redact(line) ?? line) }
        } else {
            answer = cluster.send(request)
        }
        if call.dryRun && isWrite {
            var write = key
            write["status"] = .int(answer.status)
            if let message = answer.errorMessage { write["error"] = .string(message) }
            call.recordWrite(write)
        }
        if request.verb == "create", (200..<300).contains(answer.status) {
            let created = answer.bodyJSON
            if let id = (request.isServiceProxy ? created["id"] : created["metadata"]?["uid"])?.string, !id.isEmpty {
                _ = call.recordCreatedID(id)
            }
            if !call.dryRun, let key = Self.objectKey(request) { call.recordCreated(key) }
        }
        log.debug("\(call.pluginID) \(request.method) \(request.path) → \(answer.status) in \(Int(Date().timeIntervalSince(started) * 1e6)) µs",
                  source: "k8s")
        return answer
    }

    static func isPodLog(_ request: ClusterRequest) -> Bool {
        request.resource.map { $0.groupResource == "/pods" && $0.subresource == "log" } ?? false
    }

    /// What a preview's write is compared by: method, path and body (as sent, owner stamp included).
    package static func previewKey(_ request: ClusterRequest) -> JSON {
        ["method": .string(request.method), "path": .string(request.path), "body": request.body ?? .null]
    }

    /// The same key from a recorded preview write.
    package static func previewKey(recorded write: JSON) -> JSON {
        ["method": write["method"] ?? .null, "path": write["path"] ?? .null, "body": write["body"] ?? .null]
    }

    /// "group/resource/namespace/name" of the object a create makes or a delete removes.
    static func objectKey(_ request: ClusterRequest) -> String? {
        guard let r = request.resource, r.subresource == nil,
              let name = r.name ?? request.body?["metadata"]?["name"]?.string else { return nil }
        return "\(r.groupResource)/\(r.namespace ?? "")/\(name)"
    }

    /// Under an own-objects policy: change only objects the caller created.
    /// Fail-closed: when the object cannot be read, nothing is changed (a 404
    /// is handed back as the answer, the change never sent).
    private func ownershipRefusal(_ request: ClusterRequest) -> KubeResponse? {
        let identity = identity()
        guard let target = request.resource?.object else { return .failure("Denied", "Only objects have owners.") }
        let current = cluster.send(ClusterRequest(verb: "get", resource: target))
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
}

/// Ids a call's own creates were answered with stand in its writes as placeholders: the n-th
/// create's id is `kfmcp-created-n`, in the preview (a dry run's uid differs every time; a service
/// proxy has no dry run, so the gate answers the placeholder itself) and in the confirmed run (the
/// real uid or record id). A preview stays the same from one dry run to the next, and a confirmed
/// run may send exactly the previewed writes while they point at what it created itself: a Secret
/// owned by the object just created, a record under the one just registered behind a proxy.
package enum CreatedIDs {
    static func placeholder(_ n: Int) -> String { "kfmcp-created-\(n)" }

    /// `write` (method, path, body) with each created id replaced by its placeholder, in path
    /// segments and string values of the body.
    static func placeholders(in write: JSON, ids: [String]) -> JSON {
        guard !ids.isEmpty else { return write }
        var byID: [String: String] = [:]
        for (i, id) in ids.enumerated() { byID[id] = placeholder(i + 1) }
        var out = write
        if let path = write["path"]?.string {
            out["path"] = .string(path.split(separator: "/", omittingEmptySubsequences: false)
                .map { byID[String($0)] ?? String($0) }.joined(separator: "/"))
        }
        out["body"] = replacing(write["body"] ?? .null, byID)
        return out
    }

    private static func replacing(_ value: JSON, _ byID: [String: String]) -> JSON {
        switch value {
        case .string(let s): return .string(byID[s] ?? s)
        case .array(let items): return .array(items.map { replacing($0, byID) })
        case .object(let members): return .object(members.mapValues { replacing($0, byID) })
        default: return value
        }
    }
}
