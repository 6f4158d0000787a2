import FlyingFox
import Foundation

/// Who a client certificate says the client is.
public struct CertificateIdentity: Sendable, Equatable {
    /// The subject's CN: Kubernetes' user name.
    public let user: String
    /// The subject's O entries: Kubernetes' groups.
    public let groups: [String]
}

/// Which plain connections to the HTTP server carry a verified client certificate.
///
/// The TLS front door terminates TLS and relays each connection to the HTTP
/// server over loopback; the server sees only the relay's local address. Before
/// relaying a byte, the front door records `relay address → identity` here, and
/// the API handler looks up the request's remote address. The kernel allows one
/// connection per (address, port) pair at a time, so an entry cannot be claimed
/// by another client while the relay holds it.
public final class CertificatePeers: Sendable {
    private let peers = Locked<[UInt16: CertificateIdentity]>([:])

    public init() {}

    func record(_ identity: CertificateIdentity, relayPort: UInt16) {
        peers.withLock { $0[relayPort] = identity }
    }

    func forget(relayPort: UInt16) {
        _ = peers.withLock { $0.removeValue(forKey: relayPort) }
    }

    /// The identity behind a request's remote address (only relays connect from 127.0.0.1).
    public func identity(of address: HTTPRequest.Address?) -> CertificateIdentity? {
        guard case .ip4(let ip, let port)? = address, ip == "127.0.0.1" else { return nil }
        return peers.withLock { $0[port] }
    }
}
