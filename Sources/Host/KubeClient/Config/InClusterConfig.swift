import Foundation
import KFJSON

/// Configuration for a process running in a pod: the mounted service-account
/// token, CA and namespace, and the API server address from the environment.
enum InClusterConfig {
    static let defaultDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// Overrides `defaultDirectory`: a pod's layout anywhere (tests, or a token mounted elsewhere).
    static let directoryVariable = "KFMCP_INCLUSTER_DIR"

    /// nil when this does not look like a pod (no KUBERNETES_SERVICE_HOST or no token file).
    static func resolveIfAvailable(_ options: KubeConfigOptions) throws -> ResolvedKubeConfig? {
        let env = options.environment
        let directory = options.inClusterDir ?? nonEmpty(env[directoryVariable]) ?? defaultDirectory
        let tokenPath = (directory as NSString).appendingPathComponent("token")
        guard let host = nonEmpty(env["KUBERNETES_SERVICE_HOST"]),
              FileManager.default.fileExists(atPath: tokenPath) else { return nil }
        let port = nonEmpty(env["KUBERNETES_SERVICE_PORT"]) ?? "443"
        // An IPv6 service address needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let server = "https://\(hostPart):\(port)"

        var tls = TLSSettings()
        let caPath = (directory as NSString).appendingPathComponent("ca.crt")
        if let ca = FileManager.default.contents(atPath: caPath) {
            tls.certificateAuthorityPEM = [UInt8](ca)
            tls.certificateAuthorityOrigin = "the service-account CA \(caPath)"
        }
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError("The service-account token \(tokenPath) exists but cannot be read.")
        }
        let namespaceFile = (directory as NSString).appendingPathComponent("namespace")
        let podNamespace = (try? String(contentsOfFile: namespaceFile, encoding: .utf8))
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let namespace = nonEmpty(options.namespace) ?? nonEmpty(podNamespace) ?? "default"
        let token = (try? String(contentsOfFile: tokenPath, encoding: .utf8)) ?? ""

        return ResolvedKubeConfig(
            server: server, contextName: "in-cluster", clusterName: "in-cluster", namespace: namespace,
            userName: serviceAccountName(fromToken: token) ?? "service account of this pod",
            source: "in-cluster", tls: tls, credentials: .tokenFile(path: tokenPath), proxyURL: nil)
    }

    /// "system:serviceaccount:ns:name" from the token's `sub` claim, for display.
    /// The claim names the identity; it is not a secret.
    static func serviceAccountName(fromToken token: String) -> String? {
        let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
              let subject = (try? JSON.parse(utf8: data))?["sub"]?.string,
              subject.hasPrefix("system:serviceaccount:") else { return nil }
        return subject
    }
}
