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

    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason): \(message)" }
}
