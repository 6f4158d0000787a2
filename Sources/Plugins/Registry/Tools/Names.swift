import PluginKit

/// Model names and versions: free text to the registry, but a model chooses
/// them, so only plain names pass, lower-case like every name the tools take
/// (they travel as query values and land in other tools' output). "org/model"
/// style names are allowed; ".." and "//" are not.
enum RegistryNames {
    static let modelPattern = "^(?!.*\\.\\.)(?!.*//)[a-z0-9]([a-z0-9._/-]{0,126}[a-z0-9])?$"
    static let versionPattern = "^(?!.*\\.\\.)[a-z0-9]([a-z0-9._+-]{0,62}[a-z0-9])?$"

    static let modelSchema: JSON = ["type": "string", "pattern": .string(modelPattern), "minLength": 1, "maxLength": 128,
                                    "description": "The registered model's name: lower-case letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit, no '..' or '//', at most 128 characters."]
    static let versionSchema: JSON = ["type": "string", "pattern": .string(versionPattern), "minLength": 1, "maxLength": 64,
                                      "description": "The model version's name, e.g. v1 or 1.0.0: lower-case letters, digits, '.', '_', '+' and '-', no '..', at most 64 characters."]

    static func model(_ call: ToolCall, _ field: String = "name") throws -> String {
        try check(call.string(field), field: field, isModel: true)
    }

    static func version(_ call: ToolCall, _ field: String = "version") throws -> String {
        try check(call.string(field), field: field, isModel: false)
    }

    static func check(_ s: String, field: String, isModel: Bool) throws -> String {
        guard isModel ? isModelName(s) : isVersionName(s) else {
            throw ToolError(isModel
                ? "Argument '\(field)': '\(s)' is not a model name: lower-case letters, digits, '.', '_', '-' and '/', starting and ending with a letter or digit, no '..' or '//', at most 128 characters."
                : "Argument '\(field)': '\(s)' is not a version name: lower-case letters, digits, '.', '_', '+' and '-', starting and ending with a letter or digit, no '..', at most 64 characters.",
                field: field)
        }
        return s
    }

    static func isModelName(_ s: String) -> Bool {
        matches(s, max: 128, extra: [0x2E, 0x5F, 0x2D, 0x2F]) && !s.contains("..") && !s.contains("//")
    }

    static func isVersionName(_ s: String) -> Bool { matches(s, max: 64, extra: [0x2E, 0x5F, 0x2B, 0x2D]) && !s.contains("..") }

    private static func matches(_ s: String, max: Int, extra: Set<UInt8>) -> Bool {
        let b = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
        guard let first = b.first, let last = b.last, b.count <= max, alnum(first), alnum(last) else { return false }
        return b.allSatisfy { alnum($0) || extra.contains($0) }
    }

    /// A name made from something else (a base model, a job): the allowed characters only.
    static func slug(_ s: String, max: Int = 64) -> String {
        var out = String(s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" }.prefix(max))
        while out.contains("--") { out = out.replacing("--", with: "-") }
        while let c = out.last, !(c.isLetter || c.isNumber) { out.removeLast() }
        while let c = out.first, !(c.isLetter || c.isNumber) { out.removeFirst() }
        return out.isEmpty ? "model" : out
    }
}
