import PluginKit

/// One answer from the Kubernetes API.
public struct ClusterAnswer: Sendable {
    /// HTTP status; 0 when no HTTP answer came (unreachable, denied by host policy).
    public var status: Int
    public var body: JSON
    public var message: String?

    public init(status: Int, body: JSON = .null, message: String? = nil) {
        self.status = status
        self.body = body
        self.message = message
    }

    public var ok: Bool { (200..<300).contains(status) }
    public var notFound: Bool { status == 404 }
    public var forbidden: Bool { status == 403 }
    public var unreachable: Bool { status == 0 }
}

/// How the checks read the cluster. The plugin passes the host's client
/// (`call.k8s`); tests pass canned answers. Checks never reach the cluster otherwise.
public protocol ClusterReader: Sendable {
    func get(_ path: String) -> ClusterAnswer
    func post(_ path: String, body: JSON) -> ClusterAnswer
}

/// The cluster through the host, for one tool call.
struct HostClusterReader: ClusterReader {
    let call: ToolCall

    func get(_ path: String) -> ClusterAnswer { answer(call.k8s("GET", path)) }

    func post(_ path: String, body: JSON) -> ClusterAnswer { answer(call.k8s("POST", path, body: body)) }

    private func answer(_ r: K8sResponse) -> ClusterAnswer {
        ClusterAnswer(status: r.status, body: r.body, message: r.errorMessage)
    }
}

/// API paths the checks read.
enum KubePaths {
    static let trainerGroupVersion = "/apis/trainer.kubeflow.org/v1alpha1"
    static let trainerPublicConfigMap = "/api/v1/namespaces/kubeflow-system/configmaps/kubeflow-trainer-public"
    static let nodes = "/api/v1/nodes"
    static let pods = "/api/v1/pods"
    static let accessReview = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
    static func trainingRuntime(_ ns: String, _ name: String) -> String {
        "\(trainerGroupVersion)/namespaces/\(ns)/trainingruntimes/\(name)"
    }
    static func clusterTrainingRuntime(_ name: String) -> String { "\(trainerGroupVersion)/clustertrainingruntimes/\(name)" }
    static func resourceQuotas(_ ns: String) -> String { "/api/v1/namespaces/\(ns)/resourcequotas" }
    static func secret(_ ns: String, _ name: String) -> String { "/api/v1/namespaces/\(ns)/secrets/\(name)" }
    static func namespacedPods(_ ns: String) -> String { "/api/v1/namespaces/\(ns)/pods" }
}
