import Foundation

/// How the simulator serves TLS: its certificate and key (PEM files), and
/// optionally a CA whose client certificates it accepts as identities.
public struct TLSOptions: Sendable {
    /// The server's certificate (PEM; a chain may follow it in the same file).
    public var certificatePath: String
    /// The server certificate's private key (PEM, unencrypted).
    public var keyPath: String
    /// When set, clients may present a certificate signed by this CA (PEM): its CN
    /// is the user name and its O entries the groups. A client with no certificate
    /// is still served (bearer tokens); one with a certificate from another CA is refused.
    public var clientCAPath: String?

    public init(certificatePath: String, keyPath: String, clientCAPath: String? = nil) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.clientCAPath = clientCAPath
    }
}
