import Foundation
import KFJSON

/// What routing a response needs — its id, and whether it failed (`error`, or
/// a tool result with `isError: true`) — read by skipping over the rest
/// instead of building the whole message: a 35 KB tools/list answer or a
/// large tool result was parsed again on every HTTP request just to find its
/// id. nil for anything else (a request or notification from the server, or
/// bytes this reader does not follow), which is then parsed whole.
struct ResponseHead {
    let id: JSON
    let failed: Bool

    init?(_ data: Data) {
        let found = data.withUnsafeBytes { raw -> ResponseHead? in
            var reader = Reader(raw.bindMemory(to: UInt8.self))
            return reader.response()
        }
        guard let head = found else { return nil }
        self = head
    }

    private init(id: JSON, failed: Bool) {
        self.id = id
        self.failed = failed
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0
        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func response() -> ResponseHead? {
            var id: JSON?
            var failed = false
            let ok = members { key, reader in
                switch key {
                case "method": return false  // not a response
                case "id": id = reader.value()
                case "error": failed = true; return reader.skip()
                case "result":
                    reader.space()
                    guard reader.peek == UInt8(ascii: "{") else { return reader.skip() }
                    return reader.members { key, inner in
                        guard key == "isError" else { return inner.skip() }
                        guard let flag = inner.value() else { return false }
                        failed = failed || flag == .bool(true)
                        return true
                    }
                default: return reader.skip()
                }
                return id != nil
            }
            guard ok, let id else { return nil }
            return ResponseHead(id: id, failed: failed)
        }

        /// Calls `body` at each member's value of the object here; false if this is not an object the reader follows.
        mutating func members(_ body: (String, inout Reader) -> Bool) -> Bool {
            let start = at
            space()
            guard peek == UInt8(ascii: "{") else { at = start; return false }
            at += 1
            space()
            if peek == UInt8(ascii: "}") { at += 1; return true }
            while true {
                space()
                guard let key = plainString() else { return false }
                space()
                guard peek == UInt8(ascii: ":") else { return false }
                at += 1
                guard body(key, &self) else { return false }
                space()
                if peek == UInt8(ascii: ",") { at += 1; continue }
                if peek == UInt8(ascii: "}") { at += 1; return true }
                return false
            }
        }

        /// The value here, parsed (ids and flags are small).
        mutating func value() -> JSON? {
            space()
            let start = at
            guard skip(), let parsed = try? JSON.parse(utf8: UnsafeBufferPointer(rebasing: bytes[start..<at])) else { return nil }
            return parsed
        }

        /// Moves past the value here.
        mutating func skip() -> Bool {
            space()
            guard let first = peek else { return false }
            switch first {
            case UInt8(ascii: "\""): return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while let byte = peek {
                    switch byte {
                    case UInt8(ascii: "\""): guard skipString() else { return false }; continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { at += 1; return true }
                    default: break
                    }
                    at += 1
                }
                return false
            default:  // a number, true, false or null
                while let byte = peek, !Self.ends(byte) { at += 1 }
                return true
            }
        }

        mutating func skipString() -> Bool {
            at += 1
            while let byte = peek {
                at += 1
                if byte == UInt8(ascii: "\\") { at += 1 } else if byte == UInt8(ascii: "\"") { return true }
            }
            return false
        }

        /// A key without escapes (ours are plain); nil sends the message to the full parser.
        mutating func plainString() -> String? {
            guard peek == UInt8(ascii: "\"") else { return nil }
            let start = at + 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                if bytes[end] == UInt8(ascii: "\\") { return nil }
                end += 1
            }
            guard end < bytes.count else { return nil }
            at = end + 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }

        var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func space() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { at += 1 }
        }

        static func ends(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 || byte == 0x0A
                || byte == 0x0D || byte == 0x09
        }
    }
}
