import KFJSON
import KubeClient

/// The answer handed back to the plugin (see k8s_request in the header).
public struct ClusterAnswer: Sendable {
    public var status: Int
    public var body: JSON
    public var errorReason: String?
    public var errorMessage: String?
    /// The request field a BadRequest refusal names.
    public var errorField: String?

    public init(status: Int, body: JSON = .null, errorReason: String? = nil, errorMessage: String? = nil,
                errorField: String? = nil) {
        self.status = status
        self.body = body
        self.errorReason = errorReason
        self.errorMessage = errorMessage
        self.errorField = errorField
    }

    public static func failure(_ reason: String, _ message: String, field: String? = nil) -> ClusterAnswer {
        ClusterAnswer(status: 0, errorReason: reason, errorMessage: message, errorField: field)
    }

    public var json: JSON {
        var o: [String: JSON] = ["status": .int(status)]
        if body != .null { o["body"] = body }
        if let errorReason {
            var error: JSON = ["reason": .string(errorReason), "message": .string(errorMessage ?? errorReason)]
            if let errorField { error["field"] = .string(errorField) }
            o["error"] = error
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
