import Foundation
import KFJSON

/// One node of a YAML document, as YAMLReader composes it from libyaml's
/// events: aliases resolved, merge keys (`<<`) applied, plain scalars typed
/// by ScalarType (quoted ones are strings).
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(String, ScalarType)
        case mapping(Mapping)
        case sequence([YAMLNode])
    }

    /// Where the node starts, 1-based (error messages name the line).
    public struct Mark: Sendable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public var description: String { "line \(line), column \(column)" }
    }

    /// Key/value pairs in document order; looked up by a key's text.
    public struct Mapping: Sendable, Sequence {
        public let pairs: [(key: YAMLNode, value: YAMLNode)]
        public subscript(key: String) -> YAMLNode? { pairs.first { $0.key.string == key }?.value }
        public func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> { pairs.makeIterator() }
        public var count: Int { pairs.count }
    }

    public let content: Content
    public let mark: Mark?
    /// Nodes in this subtree, aliases counted each time they are used (what a reader expands).
    let weight: Int

    init(_ content: Content, mark: Mark?) {
        self.content = content
        self.mark = mark
        switch content {
        case .scalar: weight = 1
        case .mapping(let m): weight = m.pairs.reduce(1) { $0 + $1.key.weight + $1.value.weight }
        case .sequence(let s): weight = s.reduce(1) { $0 + $1.weight }
        }
    }

    /// A plain scalar as written (`YAMLNode(plain: "")` is what a missing mapping reads as).
    public init(plain text: String) { self.init(.scalar(text, ScalarType.of(text)), mark: nil) }

    // MARK: Reading

    public var mapping: Mapping? { if case .mapping(let m) = content { m } else { nil } }
    public var sequence: [YAMLNode]? { if case .sequence(let s) = content { s } else { nil } }
    /// A scalar's text, whatever its type (`port: 8080` reads "8080").
    public var string: String? { if case .scalar(let s, _) = content { s } else { nil } }
    /// The scalar's type (nil for a mapping or sequence).
    public var type: ScalarType? { if case .scalar(_, let t) = content { t } else { nil } }

    public subscript(key: String) -> YAMLNode? { mapping?[key] }
    public subscript(index: Int) -> YAMLNode? {
        guard let s = sequence, s.indices.contains(index) else { return nil }
        return s[index]
    }

    /// true/yes/on, false/no/off (any case) of a scalar not typed a string.
    public var bool: Bool? {
        guard let s = string, type != .str else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// YAML 1.1 integers: 0x, 0o, 0b, a leading 0 (octal), `_` separators, base 60 (`1:30`).
    public var int: Int? {
        guard let s = string, type != .str else { return nil }
        return Self.integer(s)
    }

    /// YAML 1.1 floats (and integers): `.inf`, `.nan`, `_` separators, base 60 (`1:30.5`).
    public var double: Double? {
        guard let s = string, type != .str else { return nil }
        switch s {
        case ".nan", ".NaN", ".NAN": return .nan
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        default: break
        }
        let plain = s.replacingOccurrences(of: "_", with: "")
        if plain.contains(":") {
            let negative = plain.hasPrefix("-")
            var total = 0.0
            for part in plain.trimmingCharacters(in: CharacterSet(charactersIn: "+-")).split(separator: ":") {
                guard let v = Double(part) else { return nil }
                total = total * 60 + v
            }
            return negative ? -total : total
        }
        return Double(plain) ?? Self.integer(s).map(Double.init)
    }

    static func integer(_ s: String) -> Int? {
        let plain = s.replacingOccurrences(of: "_", with: "")
        let negative = plain.hasPrefix("-")
        let unsigned = plain.hasPrefix("-") || plain.hasPrefix("+") ? String(plain.dropFirst()) : plain
        let sign = negative ? "-" : ""
        if unsigned == "0" { return 0 }
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where unsigned.hasPrefix(prefix) {
            return Int(sign + unsigned.dropFirst(prefix.count), radix: radix)
        }
        if unsigned.contains(":") {
            var total = 0
            for part in unsigned.split(separator: ":") {
                guard let v = Int(part) else { return nil }
                let (m, o1) = total.multipliedReportingOverflow(by: 60)
                let (t, o2) = m.addingReportingOverflow(v)
                guard !o1 && !o2 else { return nil }
                total = t
            }
            return negative ? -total : total
        }
        return Int(plain)
    }

    // MARK: Converting

    /// Foundation values: String, Int, Double, Bool, NSNull, [Any], [String: Any]
    /// (a timestamp stays the text written; an int too large for Int, a string).
    public var any: Any {
        switch content {
        case .scalar(let s, let t):
            switch t {
            case .bool: return bool ?? s
            case .int: return int ?? s
            case .float: return double ?? s
            case .null: return NSNull()
            default: return s
            }
        case .sequence(let items): return items.map(\.any)
        case .mapping(let m):
            var out: [String: Any] = [:]
            for (k, v) in m where out[k.keyText] == nil { out[k.keyText] = v.any }
            return out
        }
    }

    /// The project's JSON value, numbers as YAML typed them (4 stays an int, 4.0 a double).
    public var json: JSON {
        switch content {
        case .scalar(let s, let t):
            switch t {
            case .bool: return bool.map(JSON.bool) ?? .string(s)
            case .int: return int.map(JSON.int) ?? .string(s)
            case .float: return double.map(JSON.double) ?? .string(s)
            case .null: return .null
            default: return .string(s)
            }
        case .sequence(let items): return .array(items.map(\.json))
        case .mapping(let m):
            var out: [String: JSON] = [:]
            for (k, v) in m where out[k.keyText] == nil { out[k.keyText] = v.json }
            return .object(out)
        }
    }

    /// A mapping key as an object key: a scalar's text; a collection key (rare, legal YAML) as its JSON.
    var keyText: String { string ?? json.serialized() }
}
