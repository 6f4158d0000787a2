import KFJSON
import KubeClient

/// One Kubernetes REST request, as a plugin asked for it through `k8s_request`.
public struct ClusterRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(String, String)]
    public var body: JSON?
    public var contentType: String?
    public var accept: String?
    public var timeoutMs: Int?
    /// Set by the host only (never from a plugin's JSON): whom the request acts for.
    public var impersonate: Impersonation?

    public init(method: String, path: String, query: [(String, String)] = [], body: JSON? = nil,
                contentType: String? = nil, accept: String? = nil, timeoutMs: Int? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.accept = accept
        self.timeoutMs = timeoutMs
    }

    /// Parse the ABI's request JSON. nil with a reason when it is not one.
    public static func parse(_ json: JSON) -> (ClusterRequest?, String?) {
        guard let method = json["method"]?.string?.uppercased(),
            ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(method)
        else { return (nil, "request needs \"method\": GET, POST, PUT, PATCH or DELETE") }
        guard let path = json["path"]?.string, path.hasPrefix("/") else {
            return (nil, "request needs a \"path\" starting with /")
        }
        var query: [(String, String)] = []
        for (k, v) in (json["query"]?.object ?? [:]).sorted(by: { $0.key < $1.key }) {
            query.append((k, v.string ?? v.serialized()))
        }
        return (ClusterRequest(method: method, path: path, query: query, body: json["body"],
                               contentType: json["content_type"]?.string, accept: json["accept"]?.string,
                               timeoutMs: json["timeout_ms"]?.int), nil)
    }
}

/// The answer handed back to the plugin (see k8s_request in the header).
public struct ClusterAnswer: Sendable {
    public var status: Int
    public var body: JSON
    public var errorReason: String?
    public var errorMessage: String?

    public init(status: Int, body: JSON = .null, errorReason: String? = nil, errorMessage: String? = nil) {
        self.status = status
        self.body = body
        self.errorReason = errorReason
        self.errorMessage = errorMessage
    }

    public static func failure(_ reason: String, _ message: String) -> ClusterAnswer {
        ClusterAnswer(status: 0, errorReason: reason, errorMessage: message)
    }

    public var json: JSON {
        var o: [String: JSON] = ["status": .int(status)]
        if body != .null { o["body"] = body }
        if let errorReason {
            o["error"] = ["reason": .string(errorReason), "message": .string(errorMessage ?? errorReason)]
        }
        return .object(o)
    }
}

/// How the host reaches a Kubernetes API. Implemented over libcurl (KubeClient)
/// for real clusters and the simulator; plugins never see it.
public protocol ClusterAccess: Sendable {
    /// The kubeconfig context's namespace ("default" when it names none).
    var defaultNamespace: String { get }
    /// Who we are, as far as the configuration says (refined by SelfSubjectReview).
    var identity: String { get }
    /// A line describing where requests go, for logs and `doctor`.
    var summary: String { get }
    func send(_ request: ClusterRequest) -> ClusterAnswer
    func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> ClusterAnswer
}

/// Used when no cluster is configured: every request fails with a sentence
/// that says how to configure one.
public struct NoCluster: ClusterAccess {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var defaultNamespace: String { "default" }
    public var identity: String { "unknown" }
    public var summary: String { "no cluster: \(reason)" }
    public func send(_ request: ClusterRequest) -> ClusterAnswer { .failure("Unconfigured", reason) }
    public func stream(_ request: ClusterRequest, onLine: (String) -> Bool) -> ClusterAnswer {
        .failure("Unconfigured", reason)
    }
}
