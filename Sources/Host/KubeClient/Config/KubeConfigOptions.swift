import Foundation

/// Where to look for cluster configuration; mirrors kubectl's flags and environment.
public struct KubeConfigOptions: Sendable {
    /// `--kubeconfig`: used alone when set, and it must exist.
    public var kubeconfigPath: String?
    /// `--context`: overrides the kubeconfig's current-context.
    public var context: String?
    /// `--namespace`: overrides the context's namespace.
    public var namespace: String?
    /// Environment to read `KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST/PORT`
    /// from; also the base environment of exec credential plugins.
    public var environment: [String: String]
    /// The service-account directory for in-cluster configuration
    /// (else `$KFMCP_INCLUSTER_DIR`, else `/var/run/secrets/kubernetes.io/serviceaccount`).
    public var inClusterDir: String?

    public init(kubeconfigPath: String? = nil, context: String? = nil, namespace: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                inClusterDir: String? = nil) {
        self.kubeconfigPath = kubeconfigPath
        self.context = context
        self.namespace = namespace
        self.environment = environment
        self.inClusterDir = inClusterDir
    }
}
