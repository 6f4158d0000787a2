import Foundation
import HostBase
import HostKubeGate
import KFJSON

/// The cluster the server talks to, and who the API server says we are there.
/// Its own type because the name is asked for lazily (a blocking request) by
/// the audit, owner stamps and call_context, while the connection itself is
/// fixed once the CLI has connected: nothing swaps it afterwards.
public final class ClusterIdentity: @unchecked Sendable {
    public let access: any ClusterAccess
    private let lock = NSLock()
    private var looked: String?

    public init(access: any ClusterAccess) { self.access = access }

    /// No cluster: commands that only list plugins or tools.
    public static let none = ClusterIdentity(access: NoCluster(reason: "no cluster is configured"))

    /// The identity once looked up; nil before (then `identity` blocks on the API server).
    public var knownIdentity: String? { lock.withLock { looked } }

    /// Who the API server says we are (SelfSubjectReview), else the kubeconfig
    /// user. Asked once.
    public var identity: String {
        if let known = knownIdentity { return known }
        let review = access.send(ClusterRequest(
            verb: "create", resource: ResourceRef(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews"),
            body: ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"], timeoutMs: 5000))
        let name = review.bodyJSON["status"]?["userInfo"]?["username"]?.string ?? access.identity
        lock.withLock { looked = name }
        return name
    }
}
