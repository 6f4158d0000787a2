import HostBase
import KubeClient

/// The cluster as one remote user sees it: every request carries
/// Impersonate-User/Impersonate-Group, so the API server's RBAC decides what
/// that person may do (the server's own account needs only `impersonate`).
public struct ImpersonatingCluster: ClusterAccess {
    public let base: any ClusterAccess
    public let who: Impersonation

    public init(base: any ClusterAccess, who: Impersonation) {
        self.base = base
        self.who = who
    }

    public var defaultNamespace: String { base.defaultNamespace }
    public var identity: String { who.user }
    public var summary: String { base.summary + " as \(who.user)" }

    public func send(_ request: ClusterRequest) -> KubeResponse { base.send(acting(request)) }

    public func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse {
        base.stream(acting(request), onLine: onLine)
    }

    private func acting(_ request: ClusterRequest) -> ClusterRequest {
        var request = request
        request.impersonate = who
        return request
    }
}
