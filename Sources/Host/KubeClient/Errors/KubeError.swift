/// Why a request failed, for a person.
///
/// `reason` is a stable word plugins can branch on: Unreachable, TLS, Timeout,
/// Unauthorized, Forbidden, NotFound, AlreadyExists, Conflict, Invalid,
/// TooManyRequests, ServerError, or the Kubernetes Status reason for other codes.
/// `message` is a sentence saying what went wrong and what to do; it never
/// contains credentials.
public struct KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var message: String
    /// The request field a refusal names (the host's BadRequest), else nil.
    public var field: String?

    public init(reason: String, message: String, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }

    public var description: String { "\(reason): \(message)" }
}
