import PluginKit

/// What the checks ask of an answer (PluginKit's `K8sResponse`, the one answer type).
extension K8sResponse {
    var notFound: Bool { status == 404 }
    var forbidden: Bool { status == 403 }
    var unreachable: Bool { status == 0 }
}

/// How the checks read the cluster. The plugin passes the host's client
/// (`call.k8s`); tests pass canned answers. Checks never reach the cluster otherwise.
public protocol ClusterReader: Sendable {
    func send(_ request: K8sRequest) -> K8sResponse
    /// The host policy's namespace allowlist (nil: all), for cluster-wide views.
    var allowedNamespaces: [String]? { get }
}

/// The cluster through the host, for one tool call.
struct HostClusterReader: ClusterReader {
    let call: ToolCall
    let allowedNamespaces: [String]?

    init(call: ToolCall) {
        self.call = call
        allowedNamespaces = call.allowedNamespaces
    }

    func send(_ request: K8sRequest) -> K8sResponse { call.k8s(request) }
}

/// The requests the checks send.
enum KubeRequests {
    static let trainerAPI = K8sRequest.nonResource("/apis/trainer.kubeflow.org/v1alpha1")
    static let trainerPublicConfigMap = K8sRequest.get(.configMaps, "kubeflow-trainer-public", namespace: "kubeflow-system")
    static let nodes = K8sRequest.list(.nodes)
    static func trainingRuntime(_ ns: String, _ name: String) -> K8sRequest { .get(.trainingRuntimes, name, namespace: ns) }
    static func clusterTrainingRuntime(_ name: String) -> K8sRequest { .get(.clusterTrainingRuntimes, name) }
    static func resourceQuotas(_ ns: String) -> K8sRequest { .list(.resourceQuotas, namespace: ns) }
    static func secret(_ ns: String, _ name: String) -> K8sRequest { .get(.secrets, name, namespace: ns) }
    static func accessReview(_ body: JSON) -> K8sRequest { .create(.selfSubjectAccessReviews, body: body) }
}
