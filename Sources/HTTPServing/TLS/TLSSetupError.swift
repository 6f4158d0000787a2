/// Why TLS could not be set up: a sentence naming the file or call and the cause.
public struct TLSSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(description: String) { self.description = description }
}
