// MARK: - Parsing

public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSON {
    /// Parse JSON text. Throws JSONParseError with the byte offset of the problem.
    public static func parse(_ text: String) throws -> JSON {
        var copy = text
        return try copy.withUTF8 { try parse(bytes: $0) }
    }

    public static func parse<Bytes: Collection>(utf8 bytes: Bytes) throws -> JSON where Bytes.Element == UInt8 {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { try parse(bytes: $0) }
    }

    public static func parse(bytes: UnsafeBufferPointer<UInt8>) throws -> JSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("trailing characters") }
        return value
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func error(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: index) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws -> JSON {
            guard depth < 512 else { throw error("nesting too deep") }
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            default: return try parseNumber()
            }
        }

        mutating func expect(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("unexpected end of input") }
            for i in 0..<count where bytes[index + i] != word.utf8Start[i] {
                throw error("unexpected character")
            }
            index += count
        }

        mutating func parseObject(depth: Int) throws -> JSON {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object([:]) }
            // Members first, then one dictionary of the right size: growing it
            // member by member rehashed every key at each doubling.
            var members: [(String, JSON)] = []
            members.reserveCapacity(8)
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                members.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(Dictionary(members, uniquingKeysWith: { _, last in last }))  // a repeated key: the last wins
                }
                throw error("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws -> JSON {
            index += 1
            var array: [JSON] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
            while true {
                skipWhitespace()
                array.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(array) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func parseString() throws -> String {
            index += 1  // opening quote
            // Most strings have no escape: one scan, one String made from the bytes.
            var end = index
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
                    index = end + 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                end += 1
            }
            return try parseEscapedString()
        }

        /// A string with escapes (or an error), from its first byte. Built as UTF-8 bytes in one
        /// pass (a String.UnicodeScalarView appended at every escape made a long escaped log quadratic).
        mutating func parseEscapedString() throws -> String {
            var out: [UInt8] = []
            var runStart = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    out.append(contentsOf: bytes[runStart..<index])
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if byte < 0x20 { throw error("control character in string") }
                if byte == UInt8(ascii: "\\") {
                    out.append(contentsOf: bytes[runStart..<index])
                    index += 1
                    guard index < bytes.count else { throw error("unexpected end of input") }
                    let esc = bytes[index]
                    index += 1
                    switch esc {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(esc)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        // A high surrogate pairs only with a low one that follows; a lone half is U+FFFD.
                        if (0xD800...0xDBFF).contains(code), index + 5 < bytes.count,
                            bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        {
                            let resume = index
                            index += 2
                            let low = try hex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                index = resume
                            }
                        }
                        UTF8.encode(Unicode.Scalar(code) ?? "\u{FFFD}") { out.append($0) }
                    default: throw error("bad escape")
                    }
                    runStart = index
                    continue
                }
                index += 1
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("bad \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("bad \\u escape")
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }

        mutating func parseNumber() throws -> JSON {
            let start = index
            var isFloat = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count {
                let c = bytes[index]
                if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    index += 1
                } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || ((c == UInt8(ascii: "+") || c == UInt8(ascii: "-")) && isFloat)
                {
                    isFloat = true
                    index += 1
                } else {
                    break
                }
            }
            guard index > digitsStart else { throw error("unexpected character") }
            if !isFloat && index - digitsStart <= 18 {  // fits an Int: no text, no second parse
                var value = 0
                for i in digitsStart..<index { value = value * 10 + Int(bytes[i] - UInt8(ascii: "0")) }
                return .int(bytes[start] == UInt8(ascii: "-") ? -value : value)
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if !isFloat, let i = Int(text) { return .int(i) }
            guard let d = Double(text) else { throw JSONParseError(message: "bad number", offset: start) }
            return .double(d)
        }
    }
}
