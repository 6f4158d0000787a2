import PluginKit

/// Names that go into a URL are checked first: a model chooses every argument.
enum Names {
    /// An RFC 1123 label (namespaces, experiments): lower-case letters, digits, '-'.
    static func isLabel(_ s: String, max: Int = 63) -> Bool {
        guard !s.isEmpty, s.count <= max, let first = s.unicodeScalars.first, let last = s.unicodeScalars.last,
              isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return s.unicodeScalars.allSatisfy { isLowerAlnum($0) || $0 == "-" }
    }

    private static func isLowerAlnum(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }

    static func namespace(_ call: ToolCall) throws -> String {
        let ns = try call.optionalString("namespace") ?? call.defaultNamespace
        guard isLabel(ns) else {
            throw ToolError("namespace \(ns) is not a valid namespace name: lower-case letters, digits and '-', at most 63 characters.",
                            field: "namespace")
        }
        return ns
    }

    /// An existing experiment's name (`name` argument).
    static func experiment(_ call: ToolCall) throws -> String {
        let name = try call.string("name")
        guard isLabel(name) else {
            throw ToolError("name \(name) is not a valid experiment name: lower-case letters, digits and '-', starting and ending with a letter or digit.",
                            field: "name")
        }
        return name
    }

    /// `tune-<what is trained>-<5 characters>`, at most 40 characters (Katib's limit).
    /// The characters derive from the host's plan seed, so the confirmed call
    /// creates the name its preview showed.
    static func newExperiment(from template: JSON?, seed: String?) -> String {
        let args = template?["arguments"] ?? [:]
        var base = "trial"
        if let source = args["func"]?.string, let def = source.firstRange(of: "def ") {
            base = String(source[def.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })
        } else if let model = args["model"]?.string {
            base = String(model.split(separator: "/").last ?? "model")
        } else if let image = args["image"]?.string {
            base = String((image.split(separator: "/").last ?? "job").split(separator: ":").first ?? "job")
        }
        var slug = String(base.lowercased().map { ("a"..."z").contains($0) || ("0"..."9").contains($0) ? $0 : "-" })
        while slug.contains("--") { slug = slug.replacing("--", with: "-") }
        slug = String(slug.trimmingScalars { $0 == "-" }.prefix(28))
        while slug.hasSuffix("-") { slug.removeLast() }
        if slug.isEmpty { slug = "trial" }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var seeded = SeededGenerator(seed: "experiment/" + (seed ?? String(UInt64.random(in: 0...UInt64.max))))
        return "tune-\(slug)-" + String((0..<5).map { _ in alphabet.randomElement(using: &seeded)! })
    }
}
