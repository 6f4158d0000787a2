import Foundation
import HostBase
import KFJSON
import KubeClient

/// The replicas' shared signing key: a Secret in the server's namespace with
/// `current` (signs and verifies) and optionally `previous` (verifies only).
/// The first replica creates it (create; 409: another replica was first, so
/// read theirs). Read with the server's own identity, never a plugin's gate.
/// To rotate, an operator moves `current` to `previous` and writes a new
/// `current`; every replica re-reads the Secret each `refreshSeconds`, and at
/// once (at most every few seconds) when a token names a key it does not hold.
public final class SigningKeySecret: @unchecked Sendable {
    public static let defaultName = "kubeflow-mcp-signing-key"
    static let refreshSeconds: TimeInterval = 60
    static let unknownKeyPause: TimeInterval = 5

    let cluster: any ClusterAccess
    let namespace: String
    let name: String
    let keyring: SigningKeyring
    let log: Log
    private let lock = NSLock()
    /// When a token naming an unknown key last made us read: made-up key ids cost one read per pause.
    private var lastLookup = Date.distantPast
    private var timer: DispatchSourceTimer?

    public init(cluster: any ClusterAccess, namespace: String, name: String, keyring: SigningKeyring, log: Log) {
        self.cluster = cluster
        self.namespace = namespace
        self.name = name
        self.keyring = keyring
        self.log = log
    }

    public struct Problem: Error { public let message: String }

    /// Reads the Secret (creating it if absent) into the keyring, then keeps it fresh.
    public func start() throws(Problem) {
        try load(createIfAbsent: true)
        keyring.whenKeyUnknown { [weak self] in self?.lookUpUnknownKey() }
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + Self.refreshSeconds, repeating: Self.refreshSeconds)
        timer.setEventHandler { [weak self] in self?.refresh() }
        timer.resume()
        lock.withLock { self.timer = timer }
    }

    private func lookUpUnknownKey() {
        let due = lock.withLock { () -> Bool in
            guard Date().timeIntervalSince(lastLookup) >= Self.unknownKeyPause else { return false }
            lastLookup = Date()
            return true
        }
        if due { refresh() }
    }

    private func refresh() {
        do { try load(createIfAbsent: false) } catch {
            log.warning("signing key Secret \(namespace)/\(name): \(error.message); keeping the keys read before", source: "http")
        }
    }

    private var ref: ResourceRef { ResourceRef(group: "", version: "v1", resource: "secrets", namespace: namespace, name: name) }

    private func load(createIfAbsent: Bool) throws(Problem) {
        var answer = cluster.send(ClusterRequest(verb: "get", resource: ref, timeoutMs: 10_000))
        if answer.status == 404 && createIfAbsent {
            answer = create()
            if answer.status == 409 { answer = cluster.send(ClusterRequest(verb: "get", resource: ref, timeoutMs: 10_000)) }
        }
        guard (200..<300).contains(answer.status) else {
            let why = answer.errorMessage ?? "HTTP \(answer.status)"
            throw Problem(message: "cannot read it (\(why)); the server's service account needs get and create on secrets "
                + "named \(name) in \(namespace) (deploy/kubernetes grants it), or give --signing-key-secret none for a key of this process only")
        }
        let data = answer.bodyJSON["data"]
        guard let current = Self.key(data?["current"]) else {
            throw Problem(message: "data.current must hold a key of at least 32 random bytes (base64)")
        }
        let previous = data?["previous"] == nil ? nil : Self.key(data?["previous"])
        let before = keyring.keyIDs
        keyring.use(current: current, previous: previous)
        if before.current != current.id {
            log.info("signing with key \(current.id) from Secret \(namespace)/\(name)" + (previous.map { "; \($0.id) still verifies" } ?? ""),
                     source: "http")
        }
    }

    private func create() -> KubeResponse {
        var body: JSON = ["apiVersion": "v1", "kind": "Secret", "type": "Opaque"]
        body["metadata"] = ["name": .string(name), "namespace": .string(namespace),
                            "labels": ["app.kubernetes.io/name": "kubeflow-mcp", "app.kubernetes.io/component": "signing-key"]]
        body["data"] = ["current": .string(Data(Digest.randomBytes(32)).base64EncodedString())]
        var request = ClusterRequest(verb: "create", resource: ref, body: body, timeoutMs: 10_000)
        request.resource?.name = nil
        return cluster.send(request)
    }

    private static func key(_ value: JSON?) -> SigningKeyring.Key? {
        guard let text = value?.string, let bytes = Data(base64Encoded: text), bytes.count >= 32 else { return nil }
        return SigningKeyring.Key(secret: Array(bytes))
    }
}
