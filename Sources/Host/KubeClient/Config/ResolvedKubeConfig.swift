/// Everything needed to talk to one cluster as one user, after kubeconfig merging
/// and context selection. Public fields are safe to show; credentials stay internal
/// and are never part of `description`.
public struct ResolvedKubeConfig: Sendable, CustomStringConvertible {
    /// API server URL, possibly with a path prefix (`https://host:6443/k8s`).
    public let server: String
    /// The selected context, or "in-cluster".
    public let contextName: String
    public let clusterName: String
    /// The context's namespace, else "default" (in-cluster: the pod's namespace).
    public let namespace: String
    /// A display name for the identity: the kubeconfig user entry's name.
    public let userName: String
    /// "kubeconfig:/path/of/the/file/defining/the/context" or "in-cluster".
    public let source: String
    /// "exec", "token", "basic", "client-cert" or "none".
    public let authMethod: String

    let tls: TLSSettings
    let credentials: Credentials
    let proxyURL: String?

    init(server: String, contextName: String, clusterName: String, namespace: String,
         userName: String, source: String, tls: TLSSettings, credentials: Credentials,
         proxyURL: String?) {
        self.server = server
        self.contextName = contextName
        self.clusterName = clusterName
        self.namespace = namespace
        self.userName = userName
        self.source = source
        self.tls = tls
        self.credentials = credentials
        self.proxyURL = proxyURL
        self.authMethod = credentials.methodName(hasClientCertificate: tls.clientCertificate != nil)
    }

    public var description: String {
        "context \"\(contextName)\" (cluster \"\(clusterName)\", user \"\(userName)\", auth \(authMethod)) "
            + "at \(server), namespace \"\(namespace)\", from \(source)"
    }
}

/// A PEM certificate and its private key, held in memory and handed to libcurl as blobs.
struct ClientCertificate: Sendable, Equatable {
    var certificatePEM: [UInt8]
    var keyPEM: [UInt8]
}

struct TLSSettings: Sendable {
    /// Trusted CA bundle (PEM); nil means the system trust store.
    var certificateAuthorityPEM: [UInt8]?
    /// Where the CA came from, for error messages ("certificate-authority /x of cluster y").
    var certificateAuthorityOrigin: String?
    var insecureSkipVerify = false
    /// `tls-server-name`: the name to send in SNI and to verify the certificate against.
    var serverName: String?
    var clientCertificate: ClientCertificate?
}

/// How requests are authenticated, beyond a TLS client certificate.
enum Credentials: Sendable {
    case none
    case token(String)
    /// A file holding a token, re-read when it changes (service-account token rotation).
    case tokenFile(path: String)
    case basic(username: String, password: String)
    case exec(ExecPluginConfig)

    func methodName(hasClientCertificate: Bool) -> String {
        switch self {
        case .exec: return "exec"
        case .token, .tokenFile: return "token"
        case .basic: return "basic"
        case .none: return hasClientCertificate ? "client-cert" : "none"
        }
    }
}

/// A user's `exec` credential plugin, as written in the kubeconfig.
struct ExecPluginConfig: Sendable {
    var apiVersion: String
    /// Absolute path, or a bare name looked up in PATH at run time.
    var command: String
    var args: [String]
    var env: [(name: String, value: String)]
    var installHint: String?
    var provideClusterInfo: Bool
    /// The process environment the plugin inherits.
    var baseEnvironment: [String: String]
    /// For KUBERNETES_EXEC_INFO when provideClusterInfo is set.
    var clusterServer: String
    var clusterCertificateAuthorityPEM: [UInt8]?
    var clusterInsecureSkipVerify: Bool
}
