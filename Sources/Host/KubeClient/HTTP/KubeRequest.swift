/// One Kubernetes REST call as it goes on the wire. A plugin's request is
/// HostCore's `ClusterRequest` (structure: verb, resource, namespace, name),
/// which policy reads and which becomes a `KubeRequest` only after policy.
public struct KubeRequest: Sendable {
    public var method: String
    /// The API path, e.g. `/apis/trainer.kubeflow.org/v1alpha1/namespaces/ns/trainjobs`.
    /// Appended to the cluster's server URL (which may carry a path prefix).
    public var path: String
    /// Query parameters, unencoded; the client percent-encodes them. Order is kept.
    public var query: [(String, String)]
    public var body: [UInt8]?
    /// Defaults to `application/json` when there is a body.
    public var contentType: String?
    /// Defaults to `application/json`.
    public var accept: String?
    /// Whole-request time limit. `nil`: 30 s for `send`, no limit for `stream`.
    public var timeoutMs: Int?
    /// Act as this user (Impersonate-User / Impersonate-Group headers): the API
    /// server authorizes the request with that user's RBAC. nil: as ourselves.
    public var impersonate: Impersonation?

    public init(method: String = "GET", path: String, query: [(String, String)] = [],
                body: [UInt8]? = nil, contentType: String? = nil, accept: String? = nil,
                timeoutMs: Int? = nil) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.timeoutMs = timeoutMs
    }

    /// GET and HEAD change nothing, so they may be repeated after a 429 or 5xx.
    var isSafeToRepeat: Bool { method == "GET" || method == "HEAD" }
}

/// Whom a request acts for (Kubernetes user impersonation).
public struct Impersonation: Sendable, Equatable {
    public var user: String
    public var groups: [String]
    public init(user: String, groups: [String] = []) {
        self.user = user
        self.groups = groups
    }
}
