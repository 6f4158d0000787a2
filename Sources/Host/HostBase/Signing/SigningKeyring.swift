import Foundation
import KFJSON

/// The keys that sign what a client carries for us (session ids, confirmation
/// tokens), so that any replica holding the same keys can check it: the
/// current key signs; the current and the previous one verify, so a rotation
/// does not break what was signed just before it.
///
/// A sealed text is `<kind>-<key id>.<payload>.<mac>`: the payload is
/// base64url of "v1" + a JSON object with an `exp` (Unix milliseconds); the MAC is
/// HMAC-SHA-256 over everything before it, kind included, so a session id is
/// never accepted as a confirmation token or the other way round.
public final class SigningKeyring: @unchecked Sendable {
    public struct Key: Sendable, Equatable {
        public let secret: [UInt8]
        /// The first 8 hex digits of the key's SHA-256: names the key without revealing it.
        public let id: String
        public init(secret: [UInt8]) {
            self.secret = secret
            id = String(Digest.hex(Digest.sha256(secret)).prefix(8))
        }
        public static func random() -> Key { Key(secret: Digest.randomBytes(32)) }
    }

    public enum Refusal: Error, Equatable {
        case malformed, unknownKey, badSignature, expired
    }

    private let lock = NSLock()
    private var current: Key
    private var previous: Key?
    /// Asked once in a while when a text names a key we do not hold (another replica rotated first).
    private var onUnknownKey: (@Sendable () -> Void)?

    /// A key of this process only (stdio, or no cluster to share one through).
    public init(current: Key = .random(), previous: Key? = nil) {
        self.current = current
        self.previous = previous
    }

    public var keyIDs: (current: String, previous: String?) { lock.withLock { (current.id, previous?.id) } }

    public func use(current: Key, previous: Key?) {
        lock.withLock {
            self.current = current
            self.previous = previous
        }
    }

    public func whenKeyUnknown(_ refresh: @escaping @Sendable () -> Void) { lock.withLock { onUnknownKey = refresh } }

    /// `payload` with an expiry, signed with the current key.
    public func seal(_ payload: JSON, kind: String, expires: Date) -> String {
        var body = payload
        body["exp"] = .int(Int((expires.timeIntervalSince1970 * 1000).rounded(.up)))
        let key = lock.withLock { current }
        let signed = "\(kind)-\(key.id).\(Digest.base64URL(Array(("v1" + body.serialized()).utf8)))"
        return signed + "." + Digest.base64URL(Digest.hmacSHA256(key: key.secret, Array(signed.utf8)))
    }

    /// The payload, if `text` is of this kind, signed by a key we hold, and not expired.
    public func open(_ text: String, kind: String, now: Date = Date()) -> Result<JSON, Refusal> {
        guard text.utf8.count <= 8192, text.hasPrefix(kind + "-"), let lastDot = text.lastIndex(of: ".") else {
            return .failure(.malformed)
        }
        let signed = text[..<lastDot]
        let parts = signed.dropFirst(kind.count + 1).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let mac = Digest.fromBase64URL(text[text.index(after: lastDot)...]) else {
            return .failure(.malformed)
        }
        guard let key = key(named: String(parts[0])) else { return .failure(.unknownKey) }
        guard Digest.constantTimeEqual(mac, Digest.hmacSHA256(key: key.secret, Array(signed.utf8))) else {
            return .failure(.badSignature)
        }
        // Signed by us: what follows parses; a failure here is still refused, not trusted.
        guard let bytes = Digest.fromBase64URL(parts[1]), bytes.starts(with: Array("v1".utf8)),
            let payload = try? JSON.parse(utf8: Data(bytes.dropFirst(2))), payload.object != nil,
            let exp = payload["exp"]?.int
        else { return .failure(.malformed) }
        guard Double(exp) / 1000 > now.timeIntervalSince1970 else { return .failure(.expired) }
        return .success(payload)
    }

    /// When an opened payload expires.
    public static func expiry(of payload: JSON) -> Date {
        Date(timeIntervalSince1970: Double(payload["exp"]?.int ?? 0) / 1000)
    }

    private func key(named id: String) -> Key? {
        let (found, refresh) = lock.withLock { () -> (Key?, (@Sendable () -> Void)?) in
            if current.id == id { return (current, nil) }
            if previous?.id == id { return (previous, nil) }
            return (nil, onUnknownKey)
        }
        if found != nil { return found }
        // Perhaps another replica already signs with a newer key: look once, then decide.
        refresh?()
        return lock.withLock { current.id == id ? current : previous?.id == id ? previous : nil }
    }
}
