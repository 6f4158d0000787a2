import HostBase
import KFJSON
import KubeClient

/// ClusterAccess over the libcurl client: what `serve` uses for real clusters
/// and for the simulator alike (always real HTTP).
public struct KubeClusterAccess: ClusterAccess {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public var defaultNamespace: String { client.config.namespace }
    public var identity: String { client.config.userName }
    public var summary: String { client.config.description }

    public func send(_ request: ClusterRequest) -> KubeResponse {
        client.send(Self.kubeRequest(request))
    }

    public func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> KubeResponse {
        client.stream(Self.kubeRequest(request), onLine: onLine)
    }

    static func kubeRequest(_ r: ClusterRequest) -> KubeRequest {
        var contentType = r.contentType
        if r.body != nil && contentType == nil {
            contentType = r.method == "PATCH" ? "application/merge-patch+json" : "application/json"
        }
        var request = KubeRequest(method: r.method, path: r.path, query: r.effectiveQuery,
                                  body: r.body.map { Array($0.serialized().utf8) },
                                  contentType: contentType, accept: r.accept ?? "application/json", timeoutMs: r.timeoutMs)
        request.impersonate = r.impersonate
        return request
    }
}
