import Foundation
import KFJSON

/// The JSON Schema subset tools use: type, properties, required,
/// additionalProperties, items, enum, minimum/maximum, minLength/maxLength,
/// pattern, minItems/maxItems, anyOf/oneOf. Two jobs:
///  - `checkSchema`: is a plugin's declared schema well formed? (else the plugin is refused)
///  - `validate`: do a call's arguments satisfy it? (else `isError` naming the field)
public enum SchemaValidator {
    static let typeNames: Set<String> = ["object", "array", "string", "integer", "number", "boolean", "null"]

    // MARK: Schema well-formedness

    /// nil when the schema is usable as a tool's input schema; else why not.
    public static func checkToolInputSchema(_ schema: JSON) -> String? {
        guard schema.object != nil else { return "input schema is not a JSON object" }
        guard schema["type"]?.string == "object" else { return "input schema must have \"type\": \"object\"" }
        return checkSchema(schema, path: "#")
    }

    public static func checkSchema(_ schema: JSON, path: String) -> String? {
        guard let o = schema.object else {
            if schema.bool != nil { return nil }  // true/false schemas are legal
            return "\(path) is not a schema object"
        }
        if let type = o["type"] {
            let names = type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? []
            if names.isEmpty || names.contains(where: { !typeNames.contains($0) }) {
                return "\(path)/type \(type) is not a JSON Schema type"
            }
        }
        if let props = o["properties"] {
            guard let p = props.object else { return "\(path)/properties must be an object" }
            for (key, sub) in p.sorted(by: { $0.key < $1.key }) {
                if let e = checkSchema(sub, path: "\(path)/properties/\(key)") { return e }
            }
        }
        if let req = o["required"] {
            guard let r = req.array, r.allSatisfy({ $0.string != nil }) else {
                return "\(path)/required must be an array of strings"
            }
        }
        if let items = o["items"], let e = checkSchema(items, path: "\(path)/items") { return e }
        if let ap = o["additionalProperties"], let e = checkSchema(ap, path: "\(path)/additionalProperties") { return e }
        if let en = o["enum"], en.array == nil { return "\(path)/enum must be an array" }
        if let p = o["pattern"] {
            guard let text = p.string, SchemaPatterns.known[text] != nil || SchemaPatterns.regex(text) != nil else {
                return "\(path)/pattern must be a regular expression"
            }
        }
        for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
            if let v = o[key], v.double == nil { return "\(path)/\(key) must be a number" }
        }
        for key in ["minLength", "maxLength", "minItems", "maxItems"] {
            if let v = o[key], v.int == nil { return "\(path)/\(key) must be an integer" }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let v = o[key] {
                guard let list = v.array, !list.isEmpty else { return "\(path)/\(key) must be a non-empty array" }
                for (i, sub) in list.enumerated() {
                    if let e = checkSchema(sub, path: "\(path)/\(key)/\(i)") { return e }
                }
            }
        }
        return nil
    }

    // MARK: Validation of values

    /// nil when `value` satisfies `schema`; else a sentence naming the field.
    public static func validate(_ value: JSON, against schema: JSON, field: String = "") -> String? {
        guard let o = schema.object else {
            if schema.bool == false { return "\(name(field)) is not allowed" }
            return nil
        }
        if let type = o["type"] {
            let names = type.array?.compactMap(\.string) ?? type.string.map { [$0] } ?? []
            if !names.isEmpty && !names.contains(where: { matches(value, type: $0) }) {
                return "\(name(field)) must be \(article(names.joined(separator: " or "))), not \(describe(value))"
            }
        }
        if let options = o["enum"]?.array, !options.contains(value) {
            let list = options.map { $0.string ?? $0.serialized() }.joined(separator: ", ")
            return "\(name(field)) must be one of: \(list)"
        }
        if let d = value.double {
            if let min = o["minimum"]?.double, d < min { return "\(name(field)) must be ≥ \(fmt(min))" }
            if let max = o["maximum"]?.double, d > max { return "\(name(field)) must be ≤ \(fmt(max))" }
        }
        if let s = value.string {
            if let min = o["minLength"]?.int, s.count < min { return "\(name(field)) must have at least \(min) characters" }
            if let max = o["maxLength"]?.int, s.count > max { return "\(name(field)) must have at most \(max) characters" }
            if let pattern = o["pattern"]?.string, !matches(s, pattern: pattern) {
                let what = o["description"]?.string.map { " (\($0))" } ?? ""
                return "\(name(field)) must match \(pattern)\(what)"
            }
        }
        if let a = value.array {
            if let min = o["minItems"]?.int, a.count < min { return "\(name(field)) must have at least \(min) items" }
            if let max = o["maxItems"]?.int, a.count > max { return "\(name(field)) must have at most \(max) items" }
            if let items = o["items"] {
                for (i, item) in a.enumerated() {
                    if let e = validate(item, against: items, field: "\(field)[\(i)]") { return e }
                }
            }
        }
        if let obj = value.object {
            let props = o["properties"]?.object ?? [:]
            for req in o["required"]?.array?.compactMap(\.string) ?? [] where obj[req] == nil || obj[req] == .null {
                return "missing required argument \(quote(join(field, req)))"
            }
            for key in obj.keys.sorted() {
                let child = obj[key]!
                if let sub = props[key] {
                    if child == .null && !(sub["type"].map { matches(.null, typeJSON: $0) } ?? true) { continue }
                    if let e = validate(child, against: sub, field: join(field, key)) { return e }
                } else if let ap = o["additionalProperties"] {
                    if ap.bool == false { return "unknown argument \(quote(join(field, key)))" }
                    if let e = validate(child, against: ap, field: join(field, key)) { return e }
                }
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let list = o[key]?.array, !list.contains(where: { validate(value, against: $0, field: field) == nil }) {
                return "\(name(field)) does not match any allowed form"
            }
        }
        return nil
    }

    private static func matches(_ value: JSON, typeJSON: JSON) -> Bool {
        let names = typeJSON.array?.compactMap(\.string) ?? typeJSON.string.map { [$0] } ?? []
        return names.contains { matches(value, type: $0) }
    }

    private static func matches(_ value: JSON, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    private static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }
    /// JSON Schema patterns are ECMA-262: `$` ends the string (a regex's `$`
    /// may also match before a final newline, so "name\n" would pass `^[a-z]+$`).
    static func matches(_ s: String, pattern: String) -> Bool {
        if let known = SchemaPatterns.known[pattern] { return known(Array(s.utf8)) }
        guard let regex = SchemaPatterns.regex(pattern), let match = s.firstMatch(of: regex) else { return false }
        let anchoredAtEnd = pattern.hasSuffix("$") && !pattern.hasSuffix("\\$")
        return !anchoredAtEnd || match.range.upperBound == s.endIndex
    }

    private static func name(_ field: String) -> String { field.isEmpty ? "arguments" : "argument \(quote(field))" }
    private static func quote(_ s: String) -> String { "'\(s)'" }
    private static func fmt(_ d: Double) -> String { d.rounded() == d ? String(Int(d)) : String(d) }
    private static func article(_ t: String) -> String {
        (t.first.map { "aeiou".contains($0) } ?? false) ? "an \(t)" : "a \(t)"
    }
    private static func describe(_ v: JSON) -> String {
        switch v {
        case .string(let s): return "the string \"\(s.prefix(40))\""
        default: return article(v.typeName)
        }
    }
}

/// Schema `pattern`s compiled by Swift's Regex, once each: NSRegularExpression
/// would page ICU (3 MiB) into the server for every plugin that declares one.
/// Matched scalar by scalar, as ECMA-262 and ICU match (not by grapheme).
/// The two patterns every first-party plugin declares (PluginKit's `NameRule`)
/// are read by hand: no regex to compile or run (0.8 MiB of the regex
/// library's pages, and a call's time).
enum SchemaPatterns {
    static let known: [String: @Sendable ([UInt8]) -> Bool] = [
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": { KubeNames.isLabel($0[...]) },
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$": KubeNames.isSubdomain,
    ]

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var compiled: [String: Regex<AnyRegexOutput>?] = [:]
    }
    private static let cache = Cache()

    /// nil when the pattern is not a regular expression.
    static func regex(_ pattern: String) -> Regex<AnyRegexOutput>? {
        cache.lock.withLock {
            if let known = cache.compiled[pattern] { return known }
            let regex = (try? Regex(pattern)).map { $0.matchingSemantics(.unicodeScalar) }
            // Patterns come from loaded plugins' schemas: a bounded set.
            cache.compiled[pattern] = regex
            return regex
        }
    }
}
