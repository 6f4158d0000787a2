/// A prompt handler's arguments (MCP prompts/get, docs/mcp-surface.md): the
/// host has checked they are declared one-line strings; each is checked here
/// against the shape it must have, and a failure names `arguments.<name>`.
/// Show the values quoted (`PromptArguments.quoted`): they are the user's data.
public struct PromptArguments: Sendable {
    public let values: [String: JSON]
    public init(_ values: [String: JSON]) { self.values = values }
    /// A prompt handler's `arguments` (the host passes them as one object of strings).
    public init(_ call: ToolCall) { self.init(call.arguments["arguments"]?.object ?? [:]) }

    /// A value as a JSON string: quotes and escapes make it data in a message.
    public static func quoted(_ s: String) -> String { JSON.string(s).serialized() }

    public typealias Check = @Sendable (String) -> String?

    public func required(_ key: String, _ check: Check) throws -> String {
        guard let v = try optional(key, check) else { throw ToolError("The prompt needs argument '\(key)'.", field: "arguments.\(key)") }
        return v
    }

    public func optional(_ key: String, _ check: Check) throws -> String? {
        guard let raw = values[key], raw != .null else { return nil }
        guard let s = raw.string, !s.isEmpty else { throw ToolError("Argument '\(key)' must be a non-empty string.", field: "arguments.\(key)") }
        if let problem = check(s) { throw ToolError("Argument '\(key)' \(problem)", field: "arguments.\(key)") }
        return s
    }

    private static func only(_ s: String, _ extra: String) -> Bool {
        s.utf8.count <= 256 && s.unicodeScalars.allSatisfy { (("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)) || extra.unicodeScalars.contains($0) }
    }
    /// A Hugging Face id (org/name, hf://…) or an s3:// URI.
    public static let source: Check = { only($0, "._/:-") ? nil : "must be a Hugging Face id (org/name) or an s3:// URI: letters, digits and . _ / : -" }
    public static let image: Check = { only($0, "._/:@-") ? nil : "must be a container image reference: letters, digits and . _ / : @ -" }
    public static let name: Check = { only($0, ".-") && $0 == $0.lowercased() ? nil : "must be a Kubernetes name: lowercase letters, digits, '.' and '-'" }
    public static let count: Check = { Int($0).map { (1...1024).contains($0) } == true ? nil : "must be a whole number from 1 to 1024" }
    /// A metric or option name: letters, digits, '.', '_' and '-'.
    public static let word: Check = { only($0, "._-") ? nil : "may hold only letters, digits, '.', '_' and '-'" }
    public static func oneOf(_ options: [String]) -> Check { { options.contains($0) ? nil : "must be one of \(options.joined(separator: ", "))" } }
}
