import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// One-time confirmation tokens for clients that cannot ask the person (no MCP
/// elicitation). A preview issues a token bound to the tool, the exact
/// arguments (with the caller's credential binding, see ToolInvoker.planKey),
/// the plan seed and the exact writes the dry run recorded; the tool acts only
/// when called again with `"confirm": "<token>"`, once, within the lifetime.
///
/// The token is the plan itself, signed (SigningKeyring): any replica holding
/// the shared key verifies it, and nothing is kept per token until it is
/// redeemed. Redemption is written to `OnceRecords` (in the cluster when
/// replicas share one), so a replayed token acts nowhere a second time. The
/// model cannot make a token without a preview: it does not hold the key.
public final class ConfirmationBook: @unchecked Sendable {
    /// What a token stands for.
    struct Plan {
        let tool: String
        /// SHA-256 of the arguments without `confirm`, serialized.
        let argumentsDigest: String
        /// The plan seed the preview ran with (see call_context in the header).
        let seed: String
        /// SHA-256 of the previewed writes (method, path, body), serialized.
        let writesDigest: String

        /// Whether a dry run's writes are the ones previewed.
        func matches(writes: String) -> Bool { Digest.sha256Hex(writes) == writesDigest }
    }

    public static let defaultLifetime: TimeInterval = 600
    /// Tests shorten the lifetime to see a token expire; not a user setting.
    static let lifetimeVariable = "KFMCP_CONFIRMATION_TTL_SECONDS"
    static let kind = "kfct"

    let lifetime: TimeInterval
    private let lock = NSLock()
    private var keyring = SigningKeyring()
    private var records: any OnceRecords = LocalOnceRecords()

    public init(lifetime: TimeInterval = ConfirmationBook.defaultLifetime) { self.lifetime = lifetime }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ConfirmationBook {
        let seconds = environment[lifetimeVariable].flatMap(TimeInterval.init) ?? defaultLifetime
        return ConfirmationBook(lifetime: seconds > 0 ? seconds : defaultLifetime)
    }

    /// Replicas: sign with the shared key and record redemptions where all of them look.
    public func share(keyring: SigningKeyring, records: any OnceRecords) {
        lock.withLock {
            self.keyring = keyring
            self.records = records
        }
    }

    /// A new token for this plan.
    func issue(tool: String, arguments: JSON, seed: String, writes: String) -> String {
        let keyring = lock.withLock { self.keyring }
        let plan: JSON = ["tool": .string(tool), "args": .string(Digest.sha256Hex(arguments.serialized())),
                          "seed": .string(seed), "writes": .string(Digest.sha256Hex(writes)),
                          "nonce": .string(Digest.hex(Digest.randomBytes(8)))]
        return keyring.seal(plan, kind: Self.kind, expires: Date().addingTimeInterval(lifetime))
    }

    /// The plan the token confirms, or the sentence saying why it does not.
    /// A genuine token presented for its own call (tool, arguments, credential)
    /// is spent, whatever happens next; presented by someone else, it is not
    /// (so nobody who saw it can burn another user's token).
    func redeem(_ token: String, tool: String, arguments: JSON) -> Result<Plan, Refusal> {
        let (keyring, records) = lock.withLock { (self.keyring, self.records) }
        let again = "Call \(tool) again without confirm to get a new preview and token, show it to the user, and confirm with the new token."
        let payload: JSON
        switch keyring.open(token, kind: Self.kind) {
        case .success(let p): payload = p
        case .failure(.expired):
            return .failure(Refusal("The confirmation token expired (tokens last \(Int(lifetime)) seconds). \(again)"))
        case .failure:
            return .failure(Refusal("The confirmation token is not one this server issued (unknown, altered, or signed with a key no longer in use). \(again)"))
        }
        guard let planned = payload["tool"]?.string, let args = payload["args"]?.string, let seed = payload["seed"]?.string,
            let writes = payload["writes"]?.string
        else { return .failure(Refusal("The confirmation token is not one this server issued. \(again)")) }
        guard planned == tool else {
            return .failure(Refusal("The confirmation token was issued for \(planned), not \(tool). \(again)"))
        }
        guard args == Digest.sha256Hex(arguments.serialized()) else {
            return .failure(Refusal("The confirmation token was issued for other arguments or another user: a token confirms exactly the previewed call, for the user who previewed it. \(again)"))
        }
        switch records.spend("confirm:" + token, until: SigningKeyring.expiry(of: payload)) {
        case true?: break
        case false?:
            return .failure(Refusal("The confirmation token was already used (tokens work once). \(again)"))
        case nil:
            return .failure(Refusal("Could not record that the confirmation token is used (the cluster did not answer), so nothing was done. Try the same call again shortly."))
        }
        return .success(Plan(tool: planned, argumentsDigest: args, seed: seed, writesDigest: writes))
    }

    struct Refusal: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// The serialized form of a dry run's recorded writes that a token binds:
    /// what would be sent, not how the dry run answered.
    static func fingerprint(_ writes: [JSON]) -> String {
        JSON.array(writes.map { w in
            ["method": w["method"] ?? .null, "path": w["path"] ?? .null, "body": w["body"] ?? .null]
        }).serialized()
    }

    /// Hex of `bytes` random bytes from the system's generator (getrandom).
    static func randomHex(bytes: Int) -> String { Digest.hex(Digest.randomBytes(bytes)) }
}
