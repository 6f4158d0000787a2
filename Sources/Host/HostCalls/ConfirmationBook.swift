import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// One-time confirmation tokens for clients that cannot ask the person (no MCP
/// elicitation). A preview issues a token bound to the tool, the exact
/// arguments, the plan seed and the exact writes the dry run recorded; the tool
/// acts only when called again with `"confirm": "<token>"`, once, within the
/// lifetime. The model never learns anything it could turn into a token
/// without a preview: tokens are 128 random bits, kept only here.
public final class ConfirmationBook: @unchecked Sendable {
    /// What a token stands for.
    struct Plan {
        let tool: String
        /// The arguments without `confirm`, serialized with sorted keys.
        let arguments: String
        /// The plan seed the preview ran with (see call_context in the header).
        let seed: String
        /// The previewed writes (method, path, body), serialized.
        let writes: String
        let expires: Date
    }

    public static let defaultLifetime: TimeInterval = 600
    /// Tests shorten the lifetime to see a token expire; not a user setting.
    static let lifetimeVariable = "KFMCP_CONFIRMATION_TTL_SECONDS"

    let lifetime: TimeInterval
    private let lock = NSLock()
    private var plans: [String: Plan] = [:]

    public init(lifetime: TimeInterval = ConfirmationBook.defaultLifetime) { self.lifetime = lifetime }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ConfirmationBook {
        let seconds = environment[lifetimeVariable].flatMap(TimeInterval.init) ?? defaultLifetime
        return ConfirmationBook(lifetime: seconds > 0 ? seconds : defaultLifetime)
    }

    /// A new token for this plan; expired tokens are dropped on the way.
    func issue(tool: String, arguments: JSON, seed: String, writes: String) -> String {
        let token = "kfct-" + Self.randomHex(bytes: 16)
        let now = Date()
        lock.withLock {
            plans = plans.filter { $0.value.expires > now }
            plans[token] = Plan(tool: tool, arguments: arguments.serialized(), seed: seed, writes: writes,
                                expires: now.addingTimeInterval(lifetime))
        }
        return token
    }

    /// The plan the token confirms, or the sentence saying why it does not.
    /// A token is spent by being presented, whatever the outcome.
    func redeem(_ token: String, tool: String, arguments: JSON) -> Result<Plan, Refusal> {
        let plan = lock.withLock { plans.removeValue(forKey: token) }
        let again = "Call \(tool) again without confirm to get a new preview and token, show it to the user, and confirm with the new token."
        guard let plan else {
            return .failure(Refusal("The confirmation token is unknown or was already used (tokens work once). \(again)"))
        }
        guard plan.expires > Date() else {
            return .failure(Refusal("The confirmation token expired (tokens last \(Int(lifetime)) seconds). \(again)"))
        }
        guard plan.tool == tool else {
            return .failure(Refusal("The confirmation token was issued for \(plan.tool), not \(tool). \(again)"))
        }
        guard plan.arguments == arguments.serialized() else {
            return .failure(Refusal("The confirmation token was issued for other arguments: a token confirms exactly the previewed call. \(again)"))
        }
        return .success(plan)
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

    /// Hex of `bytes` random bytes from the system's generator (getrandom): one draw per 8 bytes.
    static func randomHex(bytes: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var rng = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(bytes * 2)
        var word: UInt64 = 0
        for i in 0..<bytes {
            if i % 8 == 0 { word = rng.next() }
            let b = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i % 8)))
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
