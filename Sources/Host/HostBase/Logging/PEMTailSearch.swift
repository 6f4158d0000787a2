/// The redaction rule for the end of a private key whose BEGIN was cut off
/// (a log tail), `(?m)(?:^[A-Za-z0-9+/=]{16,}\r?\n)*[^\n]*-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----`,
/// searched in one pass. Backtracking it (as ICU did, and `RedactionPattern`
/// would) tries every start against the rest of its line: a long line holding
/// both markers took seconds. A match starts, leftmost first:
///  - anywhere at or before an END marker's start on the same line (`[^\n]*`
///    then reaches the line's last marker), or
///  - at a line start followed by base64 lines (each 16+ of A-Za-z0-9+/= then
///    \r?\n) up to a line holding a marker (reaching that line's last marker).
enum PEMTailSearch {
    /// The next match at or after `from`.
    static func next(in s: [Unicode.Scalar], from: Int) -> Range<Int>? {
        var start = from
        while start < s.count {
            let lineEnd = s[start...].firstIndex(of: "\n") ?? s.count
            if let marker = lastMarker(s, start, lineEnd) { return start..<marker }
            // No marker from here on this line: only base64 lines starting in it can lead to one.
            guard let first = base64Start(s, start, lineEnd), lineEnd < s.count else {
                start = lineEnd + 1
                continue
            }
            var line = lineEnd + 1
            while let after = base64Line(s, line) { line = after }
            let nextEnd = s[line...].firstIndex(of: "\n") ?? s.count
            if let marker = lastMarker(s, line, nextEnd) { return first..<marker }
            // Every line of the run leads to the same line without a marker: go on from that line.
            start = line
        }
        return nil
    }

    private static func isBase64(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "+", "/", "=": return true
        default: return false
        }
    }

    /// ICU's multiline `^` at `i`: after \n, \v, \f, \r (not between \r and \n), NEL, LS, PS.
    private static func isLineStart(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        guard i > 0 else { return true }
        switch s[i - 1].value {
        case 0x0D: return i == s.count || s[i] != "\n"
        case 0x0A, 0x0B, 0x0C, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// The line start in [from, lineEnd) after which the line is one base64 line (16+ then \r?), if any.
    private static func base64Start(_ s: [Unicode.Scalar], _ from: Int, _ lineEnd: Int) -> Int? {
        var end = lineEnd
        if end > from && s[end - 1] == "\r" { end -= 1 }
        var p = end
        while p > from && isBase64(s[p - 1]) { p -= 1 }
        // The run must start at a line start; a longer run (p further left) would include a non-base64 scalar.
        guard end - p >= 16 else { return nil }
        // Line starts inside the run (none: base64 is no terminator) are impossible, so p itself must be one.
        return isLineStart(s, p) ? p : nil
    }

    /// After a base64 line at `i` (16+ base64, \r?, \n), where the next line starts.
    private static func base64Line(_ s: [Unicode.Scalar], _ i: Int) -> Int? {
        var j = i
        while j < s.count && isBase64(s[j]) { j += 1 }
        guard j - i >= 16 else { return nil }
        if j < s.count && s[j] == "\r" { j += 1 }
        return j < s.count && s[j] == "\n" ? j + 1 : nil
    }

    /// The end of the last `-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----` starting in [from, lineEnd).
    private static func lastMarker(_ s: [Unicode.Scalar], _ from: Int, _ lineEnd: Int) -> Int? {
        var found: Int?
        var e = from
        while e + 9 <= lineEnd {
            defer { e += 1 }
            guard s[e] == "-", matches(s, e, "-----END ") else { continue }
            // [A-Z ]* runs to the first other scalar, which must be the '-' after "PRIVATE KEY".
            var q = e + 9
            while q < lineEnd && (s[q] == " " || ("A"..."Z").contains(s[q])) { q += 1 }
            if q - 11 >= e + 9 && matches(s, q - 11, "PRIVATE KEY-----") { found = q + 5 }
            if q - 17 >= e + 9 && matches(s, q - 17, "PRIVATE KEY BLOCK-----") { found = q + 5 }
        }
        return found
    }

    private static func matches(_ s: [Unicode.Scalar], _ i: Int, _ word: String) -> Bool {
        var j = i
        for c in word.unicodeScalars {
            guard j < s.count && s[j] == c else { return false }
            j += 1
        }
        return true
    }
}
