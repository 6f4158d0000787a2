import PluginKit

/// Python's `repr()` of JSON values, as the SDK writes `func_args` into the
/// training script (`train(**{'lr': 0.001})`): single-quoted strings,
/// True/False/None, floats in shortest round-trip form.
enum PythonRepr {
    static func of(_ value: JSON) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        // Swift's Double.description and Python's float repr are both the
        // shortest round-trip form and switch to exponents at the same points.
        case .double(let d): return d.isFinite ? d.description : (d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        case .string(let s): return string(s)
        case .array(let a): return "[" + a.map(of).joined(separator: ", ") + "]"
        case .object(let o): return dict(o.keys.sorted().map { ($0, o[$0]!) })
        }
    }

    /// A dict literal whose keys keep the given order (Python dicts keep insertion order).
    static func dict(_ pairs: [(String, JSON)]) -> String {
        "{" + pairs.map { string($0.0) + ": " + of($0.1) }.joined(separator: ", ") + "}"
    }

    /// Python's str repr: single quotes unless the text has a single quote and no double quote.
    static func string(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\x" + hex2(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append(quote)
        return out
    }

    private static func hex2(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return h.count == 1 ? "0" + h : h
    }
}

/// POSIX shell quoting as Python's `shlex.quote` does it.
enum ShellQuote {
    static func quote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let safe = s.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || "@%+=:,./-_".unicodeScalars.contains(c)
        }
        if safe { return s }
        return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\"'\"'") + "'"
    }
}
