import PluginKit

/// A small YAML emitter for showing Kubernetes objects to people. Block style,
/// two-space indents, strings quoted whenever plain YAML could misread them.
/// Top-level Kubernetes keys come in their usual order; other keys are sorted.
enum YAML {
    static let leadingKeys = ["apiVersion", "kind", "metadata", "spec", "status"]

    static func render(_ value: JSON) -> String {
        var out = ""
        emit(value, indent: 0, into: &out, topLevel: true)
        return out
    }

    private static func orderedKeys(_ o: [String: JSON], topLevel: Bool) -> [String] {
        guard topLevel else { return o.keys.sorted() }
        let lead = leadingKeys.filter { o[$0] != nil }
        return lead + o.keys.filter { !leadingKeys.contains($0) }.sorted()
    }

    private static func emit(_ value: JSON, indent: Int, into out: inout String, topLevel: Bool = false) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let o) where !o.isEmpty:
            for key in orderedKeys(o, topLevel: topLevel) {
                let v = o[key]!
                out += pad + scalarKey(key) + ":"
                if isBlock(v) {
                    out += "\n"
                    emit(v, indent: v.array != nil ? indent : indent + 2, into: &out)
                } else {
                    out += " " + scalar(v) + "\n"
                }
            }
        case .array(let a) where !a.isEmpty:
            for item in a {
                if case .object(let o) = item, !o.isEmpty {
                    // First key on the dash line, the rest aligned under it.
                    var inner = ""
                    emit(item, indent: indent + 2, into: &inner)
                    out += pad + "- " + inner.dropFirst(indent + 2)
                } else if isBlock(item) {
                    out += pad + "-\n"
                    emit(item, indent: indent + 2, into: &out)
                } else {
                    out += pad + "- " + scalar(item) + "\n"
                }
            }
        default:
            out += pad + scalar(value) + "\n"
        }
    }

    private static func isBlock(_ v: JSON) -> Bool {
        switch v {
        case .object(let o): return !o.isEmpty
        case .array(let a): return !a.isEmpty
        default: return false
        }
    }

    static func scalar(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int, .double: return v.serialized()
        case .string(let s): return string(s)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    private static func scalarKey(_ k: String) -> String { needsQuotes(k) ? JSON.string(k).serialized() : k }

    static func string(_ s: String) -> String {
        if s.contains("\n") && !s.hasSuffix(" ") {
            // Multi-line text (scripts) reads best as a literal block... but inline
            // rendering keeps this emitter simple and exact: use a JSON string.
            return JSON.string(s).serialized()
        }
        return needsQuotes(s) ? JSON.string(s).serialized() : s
    }

    /// Plain scalars that YAML would read as something else, or could not parse.
    static func needsQuotes(_ s: String) -> Bool {
        if s.isEmpty { return true }
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
        if reserved.contains(s.lowercased()) { return true }
        if Double(s) != nil || Int(s) != nil { return true }
        if let first = s.first, "-?:,[]{}#&*!|>'\"%@`".contains(first) { return true }
        if s.first == " " || s.last == " " { return true }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return true }
        return s.unicodeScalars.contains { $0.value < 0x20 }
    }
}
