import HostBase
import HostKubeGate
import KFJSON
import KubeClient

/// What the MCP resources, prompts and completions need of a caller's pipeline
/// beyond tool calls (HostProtocol/Surface).
extension ToolInvoker {
    /// The namespaces this caller may use: the policy's allowlist, else the connection's default.
    package var usableNamespaces: [String] { scope.policy.namespaces ?? [scope.cluster.defaultNamespace] }

    /// A resources/subscribe watch's request, through the one Kubernetes gate
    /// under this caller's policy and credentials, as a read-only call of the host's own.
    package func watchRequest(_ json: JSON, _ onLine: ((String) -> Bool)?) -> KubeResponse {
        scope.k8sRequest(json, call: CallState(tool: "resources/subscribe", pluginID: "kubeflow-mcp", pipeline: self), stream: onLine)
    }
}
