import Foundation
import HostBase
import KFJSON
import KubeClient

/// "Used once" written in the cluster, so every replica sees it: a ConfigMap
/// named after the used thing's digest, in the server's namespace. Creating
/// it is the test: 201 first use, 409 used before (on any replica). Records
/// past their expiry are deleted now and then (what they guard has expired too).
public final class ClusterOnceRecords: OnceRecords, @unchecked Sendable {
    static let label = "kubeflow-mcp.kubeflow.org/once"
    static let expiresAnnotation = "kubeflow-mcp.kubeflow.org/expires"

    let cluster: any ClusterAccess
    let namespace: String
    let sweepSeconds: TimeInterval
    private let lock = NSLock()
    private var lastSweep = Date()

    public init(cluster: any ClusterAccess, namespace: String, sweepSeconds: TimeInterval = 300) {
        self.cluster = cluster
        self.namespace = namespace
        self.sweepSeconds = sweepSeconds
    }

    /// A DNS-1123 name from any text: its digest.
    static func objectName(_ name: String) -> String { "kfmcp-once-" + Digest.sha256Hex(name).prefix(40) }

    private func ref(_ name: String?) -> ResourceRef {
        ResourceRef(group: "", version: "v1", resource: "configmaps", namespace: namespace, name: name)
    }

    public func spend(_ name: String, until: Date) -> Bool? {
        sweepIfDue()
        var body: JSON = ["apiVersion": "v1", "kind": "ConfigMap"]
        body["metadata"] = ["name": .string(Self.objectName(name)), "namespace": .string(namespace),
                            "labels": [Self.label: "true", "app.kubernetes.io/name": "kubeflow-mcp"],
                            "annotations": [Self.expiresAnnotation: .string(String(Int(until.timeIntervalSince1970)))]]
        let answer = cluster.send(ClusterRequest(verb: "create", resource: ref(nil), body: body, timeoutMs: 10_000))
        switch answer.status {
        case 200..<300: return true
        case 409: return false
        default: return nil
        }
    }

    public func isSpent(_ name: String) -> Bool? {
        let answer = cluster.send(ClusterRequest(verb: "get", resource: ref(Self.objectName(name)), timeoutMs: 10_000))
        switch answer.status {
        case 200..<300: return true
        case 404: return false
        default: return nil
        }
    }

    private func sweepIfDue() {
        let now = Date()
        let due = lock.withLock { () -> Bool in
            guard now.timeIntervalSince(lastSweep) >= sweepSeconds else { return false }
            lastSweep = now
            return true
        }
        guard due else { return }
        let list = cluster.send(ClusterRequest(verb: "list", resource: ref(nil), query: [("labelSelector", "\(Self.label)=true")],
                                               timeoutMs: 10_000))
        for item in list.bodyJSON["items"]?.array ?? [] {
            guard let name = item["metadata"]?["name"]?.string,
                let expires = item["metadata"]?["annotations"]?[Self.expiresAnnotation]?.string.flatMap(Double.init),
                expires < now.timeIntervalSince1970
            else { continue }
            _ = cluster.send(ClusterRequest(verb: "delete", resource: ref(name), timeoutMs: 10_000))
        }
    }
}
