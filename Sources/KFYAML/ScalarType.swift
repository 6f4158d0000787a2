/// The YAML 1.1 type of a plain scalar (the rules of PyYAML's and Yams'
/// default resolvers, in their order: bool, int, float, merge, null, timestamp,
/// value), decided byte by byte, without regular expressions (which page ICU
/// into the process).
public enum ScalarType: String, Sendable {
    case str, bool, int, float, merge, null, timestamp, value

    /// An explicit tag (`!!int 3`); an unknown one reads as a string.
    init(tag: String) {
        let prefix = "tag:yaml.org,2002:"
        self = tag.hasPrefix(prefix) ? ScalarType(rawValue: String(tag.dropFirst(prefix.count))) ?? .str : .str
    }

    public static func of(_ s: String) -> ScalarType {
        if bools.contains(s) { return .bool }
        let b = Array(s.utf8)
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if s == "<<" { return .merge }
        if nulls.contains(s) { return .null }
        if isTimestamp(b) { return .timestamp }
        if s == "=" { return .value }
        return .str
    }

    static let bools: Set<String> = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
                                     "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"]
    static let nulls: Set<String> = ["~", "null", "Null", "NULL", ""]

    private static func digits(_ b: ArraySlice<UInt8>, _ ok: (UInt8) -> Bool) -> Bool { !b.isEmpty && b.allSatisfy(ok) }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isDecimal(_ c: UInt8) -> Bool { isDigit(c) || c == UInt8(ascii: "_") }
    private static func unsigned(_ b: [UInt8]) -> ArraySlice<UInt8> {
        b.first == UInt8(ascii: "-") || b.first == UInt8(ascii: "+") ? b.dropFirst() : b[...]
    }

    /// [-+]? then 0b[01_]+ | 0o?[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+ | [1-9][0-9_]*(:[0-5]?[0-9])+
    static func isInt(_ b: [UInt8]) -> Bool {
        let n = unsigned(b)
        guard let first = n.first, isDigit(first) else { return false }
        let rest = n.dropFirst()
        if first == UInt8(ascii: "0") {
            if rest.isEmpty { return true }
            switch rest.first! {
            case UInt8(ascii: "b"): return digits(rest.dropFirst()) { $0 == 0x30 || $0 == 0x31 || $0 == UInt8(ascii: "_") }
            case UInt8(ascii: "x"):
                return digits(rest.dropFirst()) { isDecimal($0) || ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66 }
            case UInt8(ascii: "o"): return digits(rest.dropFirst()) { $0 >= 0x30 && $0 <= 0x37 || $0 == UInt8(ascii: "_") }
            default: return digits(rest) { $0 >= 0x30 && $0 <= 0x37 || $0 == UInt8(ascii: "_") }
            }
        }
        guard let colon = n.firstIndex(of: UInt8(ascii: ":")) else { return n.allSatisfy(isDecimal) }
        return n[..<colon].allSatisfy(isDecimal) && sexagesimalTail(n[colon...])
    }

    /// (:[0-5]?[0-9])+
    private static func sexagesimalTail(_ b: ArraySlice<UInt8>) -> Bool {
        guard !b.isEmpty else { return false }
        for part in b.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).dropFirst() {
            guard part.count == 1 && isDigit(part.first!)
                    || part.count == 2 && part.first! >= 0x30 && part.first! <= 0x35 && isDigit(part.last!) else {
                return false
            }
        }
        return b.first == UInt8(ascii: ":")
    }

    /// [-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)?
    /// | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
    static func isFloat(_ b: [UInt8]) -> Bool {
        let s = String(decoding: b, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(s) { return true }
        let n = unsigned(b)
        if [".inf", ".Inf", ".INF"].contains(String(decoding: n, as: UTF8.self)) { return true }
        if b.first == UInt8(ascii: ".") {  // no sign; the exponent's sign is required
            var i = b.index(after: b.startIndex)
            let start = i
            while i < b.endIndex && isDecimal(b[i]) { i += 1 }
            guard i > start else { return false }
            return i == b.endIndex || exponent(b[i...], signRequired: true)
        }
        guard let first = n.first, isDigit(first) else { return false }
        var i = n.index(after: n.startIndex)
        while i < n.endIndex && isDecimal(n[i]) { i += 1 }
        if i < n.endIndex && n[i] == UInt8(ascii: ":") {  // sexagesimal: a fraction part is required
            guard let dot = n[i...].firstIndex(of: UInt8(ascii: ".")) else { return false }
            return sexagesimalTail(n[i..<dot]) && n[(dot + 1)...].allSatisfy(isDecimal)
        }
        if i < n.endIndex && n[i] == UInt8(ascii: ".") {
            i += 1
            while i < n.endIndex && isDecimal(n[i]) { i += 1 }
        }
        return i == n.endIndex || exponent(n[i...], signRequired: false)
    }

    /// [eE][-+]?[0-9]+ to the end.
    private static func exponent(_ b: ArraySlice<UInt8>, signRequired: Bool) -> Bool {
        guard b.first == UInt8(ascii: "e") || b.first == UInt8(ascii: "E") else { return false }
        var rest = b.dropFirst()
        if rest.first == UInt8(ascii: "-") || rest.first == UInt8(ascii: "+") { rest = rest.dropFirst() } else if signRequired { return false }
        return digits(rest, isDigit)
    }

    /// YYYY-MM-DD, or YYYY-M-D then T or blanks, H:MM:SS[.f*] and an optional [blanks](Z|±H[H][:MM]).
    static func isTimestamp(_ b: [UInt8]) -> Bool {
        var i = 0
        func take(_ count: ClosedRange<Int>) -> Bool {
            var n = 0
            while n < count.upperBound && i < b.count && isDigit(b[i]) { i += 1; n += 1 }
            return n >= count.lowerBound
        }
        func byte(_ c: Character) -> Bool {
            guard i < b.count && b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard take(4...4), byte("-") else { return false }
        let dateStart = i
        if take(2...2), byte("-"), take(2...2), i == b.count { return true }
        i = dateStart
        guard take(1...2), byte("-"), take(1...2) else { return false }
        if !byte("T") && !byte("t") {
            guard byte(" ") || byte("\t") else { return false }
            while byte(" ") || byte("\t") {}
        }
        guard take(1...2), byte(":"), take(2...2), byte(":"), take(2...2) else { return false }
        if byte(".") { while i < b.count && isDigit(b[i]) { i += 1 } }
        if i == b.count { return true }
        while byte(" ") || byte("\t") {}
        if byte("Z") { return i == b.count }
        guard byte("-") || byte("+"), take(1...2) else { return false }
        if byte(":") { guard take(2...2) else { return false } }
        return i == b.count
    }
}
