import Foundation
import HostBase
import KFJSON

/// What a Streamable HTTP session id carries, signed (SigningKeyring), so that
/// any replica holding the shared key can continue the session: whose
/// credential opened it, what initialize settled, and until when it is valid.
struct SessionTicket {
    static let kind = "kfms"
    /// The credential's digest, hashed again: the id shows nothing a log reader could match to a token.
    let binding: String
    let protocolVersion: String
    let clientCanElicit: Bool
    let expires: Date

    static func binding(of user: RemoteUser) -> String { Digest.sha256Hex("session:" + user.credential) }

    func seal(with keyring: SigningKeyring) -> String {
        keyring.seal(["bind": .string(binding), "version": .string(protocolVersion), "elicit": .bool(clientCanElicit),
                      "nonce": .string(Digest.hex(Digest.randomBytes(8)))], kind: Self.kind, expires: expires)
    }

    static func open(_ id: String, with keyring: SigningKeyring) -> SessionTicket? {
        guard case .success(let payload) = keyring.open(id, kind: kind), let binding = payload["bind"]?.string,
            let version = payload["version"]?.string
        else { return nil }
        return SessionTicket(binding: binding, protocolVersion: version, clientCanElicit: payload["elicit"]?.bool == true,
                             expires: SigningKeyring.expiry(of: payload))
    }
}
