import Foundation
import KFJSON
@testable import KubeClient

/// Builds kubeconfigs and clients for tests.
enum KubeClientFactory {
    /// Short backoff so retry tests stay fast.
    static let fastRetries = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 1)

    /// A one-context kubeconfig; `cluster` and `user` are extra `key: value` lines.
    static func kubeconfig(server: String, cluster: [String] = [], user: [String] = [],
                           namespace: String? = nil) -> String {
        let indent = "\n    "
        return """
        apiVersion: v1
        kind: Config
        current-context: test
        clusters:
        - name: test-cluster
          cluster:
            server: \(server)\(cluster.map { indent + $0 }.joined())
        users:
        - name: test-user
          user:\(user.isEmpty ? " {}" : user.map { indent + $0 }.joined())
        contexts:
        - name: test
          context:
            cluster: test-cluster
            user: test-user\(namespace.map { "\n    namespace: \($0)" } ?? "")

        """
    }

    /// Writes `yaml` as a kubeconfig in a fresh directory and resolves it.
    static func resolve(_ yaml: String, in directory: String = TestFiles.makeDirectory("kubeconfig"),
                        context: String? = nil,
                        environment: [String: String] = [:]) throws -> ResolvedKubeConfig {
        let path = TestFiles.write(yaml, to: directory + "/config")
        return try ResolvedKubeConfig.resolve(KubeConfigOptions(kubeconfigPath: path, context: context,
                                                                environment: environment))
    }

    static func client(_ yaml: String,
                       environment: [String: String] = ["PATH": "/usr/local/bin:/usr/bin:/bin"]) throws -> KubeClient {
        KubeClient(config: try resolve(yaml, environment: environment), retryPolicy: fastRetries)
    }

    /// A client with no credentials; https servers are not verified.
    static func plain(server: String) -> KubeClient {
        let cluster = server.hasPrefix("https") ? ["insecure-skip-tls-verify: true"] : []
        return try! client(kubeconfig(server: server, cluster: cluster))
    }
}

/// A response body as JSON (`.null` when it is not JSON).
func JSONBody(_ bytes: [UInt8]) -> JSON {
    (try? JSON.parse(utf8: bytes)) ?? .null
}

/// A unique key for the server's request counters; tests run in parallel.
func uniqueKey(_ name: String) -> String {
    name + "-" + UUID().uuidString.prefix(8)
}
