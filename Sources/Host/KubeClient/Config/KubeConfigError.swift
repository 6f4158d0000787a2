/// A configuration problem, worded so a person knows what to fix.
public struct KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
