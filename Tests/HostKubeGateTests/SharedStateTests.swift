import Foundation
@testable import HostBase
@testable import HostKubeGate
import KFJSON
import KubeClient
import Testing

/// What replicas share through the cluster, against a cluster that keeps
/// objects by path and answers creates as kube-apiserver does (201, 409).
@Suite struct SharedStateTests {
    final class Store: ClusterAccess, @unchecked Sendable {
        var objects: [String: JSON] = [:]
        var sent: [String] = []
        var down = false
        var defaultNamespace: String { "ops" }
        var identity: String { "server" }
        var summary: String { "test" }
        func send(_ request: ClusterRequest) -> KubeResponse {
            sent.append("\(request.verb) \(request.path)")
            if down { return .failure("Unreachable", "no route") }
            switch request.verb {
            case "create":
                let path = request.path + "/" + (request.body?["metadata"]?["name"]?.string ?? "")
                if objects[path] != nil { return KubeResponse(status: 409) }
                objects[path] = request.body
                return KubeResponse(status: 201, body: Array((request.body ?? .null).serialized().utf8))
            case "get":
                guard let object = objects[request.path] else { return KubeResponse(status: 404) }
                return KubeResponse(status: 200, body: Array(object.serialized().utf8))
            case "list":
                let items = objects.filter { $0.key.hasPrefix(request.path + "/") }.map(\.value)
                return KubeResponse(status: 200, body: Array(JSON.object(["items": .array(items)]).serialized().utf8))
            case "delete":
                return KubeResponse(status: objects.removeValue(forKey: request.path) == nil ? 404 : 200)
            default: return KubeResponse(status: 405)
            }
        }
        func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse { KubeResponse(status: 405) }
    }

    static let secretPath = "/api/v1/namespaces/ops/secrets/kubeflow-mcp-signing-key"

    @Test func theFirstReplicaCreatesTheKeyAndTheSecondReadsIt() throws {
        let store = Store()
        let (one, two) = (SigningKeyring(), SigningKeyring())
        try SigningKeySecret(cluster: store, namespace: "ops", name: SigningKeySecret.defaultName, keyring: one, log: Log()).start()
        try SigningKeySecret(cluster: store, namespace: "ops", name: SigningKeySecret.defaultName, keyring: two, log: Log()).start()
        #expect(one.keyIDs.current == two.keyIDs.current)
        #expect(store.sent.filter { $0.hasPrefix("create") }.count == 1)
        let sealed = one.seal(["a": 1], kind: "k", expires: Date().addingTimeInterval(60))
        #expect(try two.open(sealed, kind: "k").get()["a"] == 1)
    }

    @Test func aShortOrMissingKeyAndAnUnreachableClusterStopTheStart() {
        let store = Store()
        store.objects[Self.secretPath] = ["data": ["current": .string(Data(repeating: 7, count: 8).base64EncodedString())]]
        #expect(throws: SigningKeySecret.Problem.self) {
            try SigningKeySecret(cluster: store, namespace: "ops", name: SigningKeySecret.defaultName, keyring: SigningKeyring(), log: Log()).start()
        }
        store.down = true
        #expect(throws: SigningKeySecret.Problem.self) {
            try SigningKeySecret(cluster: store, namespace: "ops", name: "other", keyring: SigningKeyring(), log: Log()).start()
        }
    }

    @Test func aRecordIsSpentOnceAndExpiredRecordsAreSwept() {
        let store = Store()
        let records = ClusterOnceRecords(cluster: store, namespace: "ops", sweepSeconds: 0)
        let other = ClusterOnceRecords(cluster: store, namespace: "ops")
        #expect(records.spend("confirm:t1", until: Date().addingTimeInterval(-1)) == true)
        #expect(other.spend("confirm:t1", until: Date().addingTimeInterval(60)) == false)
        #expect(other.isSpent("confirm:t1") == true && other.isSpent("confirm:t2") == false)
        #expect(records.spend("confirm:t2", until: Date().addingTimeInterval(60)) == true)  // sweeps t1 first
        #expect(other.isSpent("confirm:t1") == false && other.isSpent("confirm:t2") == true)
        #expect(ClusterOnceRecords.objectName("x").count <= 63 && KubeNames.labelProblem(ClusterOnceRecords.objectName("x")) == nil)
        store.down = true
        #expect(other.spend("confirm:t3", until: Date()) == nil && other.isSpent("confirm:t2") == nil)
    }
}
