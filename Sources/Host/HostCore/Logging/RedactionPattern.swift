/// The regular-expression constructs the redaction rules use, matched by
/// backtracking over Unicode scalars with ICU's semantics (what
/// NSRegularExpression did), without ICU: compiling an NSRegularExpression
/// pages ICU's code and data (3 MiB) into `serve`. Leftmost match, greedy or
/// lazy repeats that give back, alternatives in order, one capture group.
/// `caseless` literals compare with full case folding as ICU's `(?i)` does
/// ("paßword" is "password", "toKen" with a KELVIN SIGN is "token");
/// `isCaselessLetter` is ICU's `(?i)[A-Za-z]`.
indirect enum RedactionPattern: Sendable {
    case literal([Unicode.Scalar], caseless: Bool)
    case set(@Sendable (Unicode.Scalar) -> Bool)
    /// `(?<!a|b)`: none of these (literals or sets) ends here.
    case notPrecededBy([RedactionPattern])
    case sequence([RedactionPattern])
    case alternatives([RedactionPattern])
    /// A repeat. Repeated sets run over scalars; any other repeated pattern
    /// must match one way at a place (true of every rule's repeated groups).
    case `repeat`(RedactionPattern, min: Int, max: Int = .max, lazy: Bool = false)
    /// Group 1 of the replacement template.
    case capture(RedactionPattern)

    static func literal(_ word: String, caseless: Bool = false) -> RedactionPattern {
        .literal(Array(word.unicodeScalars), caseless: caseless)
    }
    static func optional(_ p: RedactionPattern) -> RedactionPattern { .repeat(p, min: 0, max: 1) }
    static func zeroOrMore(_ p: RedactionPattern) -> RedactionPattern { .repeat(p, min: 0) }
    static func oneOrMore(_ p: RedactionPattern) -> RedactionPattern { .repeat(p, min: 1) }
    static func chars(_ s: String) -> RedactionPattern { let set = Set(s.unicodeScalars); return .set { set.contains($0) } }
    static func notChars(_ s: String, orSpace: Bool = true) -> RedactionPattern {
        let set = Set(s.unicodeScalars)
        return .set { !set.contains($0) && !(orSpace && isSpace($0)) }
    }

    typealias Member = @Sendable (Unicode.Scalar) -> Bool

    /// The scalars a match can start with; nil: any (or the pattern can match nothing). Lets a search
    /// skip the places no match starts at without trying the pattern there.
    var firstScalar: Member? {
        switch self {
        case .literal(let word, let caseless):
            guard let c0 = word.first else { return nil }
            guard caseless else { return { $0 == c0 } }
            return { c in
                c == c0 || c.value >= 0x41 && c.value <= 0x5A && c.value | 0x20 == c0.value
                    || RedactionPattern.asciiFold(c)?.unicodeScalars.first == c0
            }
        case .set(let member): return member
        case .notPrecededBy: return nil
        case .sequence(let parts): return Self.firstScalar(of: parts[...])
        case .alternatives(let options):
            let firsts = options.compactMap(\.firstScalar)
            guard firsts.count == options.count else { return nil }
            return { c in firsts.contains { $0(c) } }
        case .repeat(let inner, let min, _, _): return min > 0 ? inner.firstScalar : nil
        case .capture(let inner): return inner.firstScalar
        }
    }

    private static func firstScalar(of parts: ArraySlice<RedactionPattern>) -> Member? {
        for (offset, part) in zip(parts.indices, parts) {
            switch part {
            case .notPrecededBy: continue  // zero width: the next part starts the match
            case .repeat(let inner, 0, _, _):  // may be empty: it or what follows starts the match
                guard let a = inner.firstScalar, let b = firstScalar(of: parts[(offset + 1)...]) else { return nil }
                return { a($0) || b($0) }
            default: return part.firstScalar
            }
        }
        return nil
    }

    /// ICU's `\s`: Unicode White_Space.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
    static func isLetter(_ c: Unicode.Scalar) -> Bool { (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    /// `(?i)[A-Za-z]`: the case closure adds LATIN SMALL LETTER LONG S (s) and KELVIN SIGN (k).
    static func isCaselessLetter(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c.value == 0x17F || c.value == 0x212A }

    /// Full case folding of the non-ASCII scalars that fold to ASCII; nil: folds to itself or
    /// to something no ASCII literal can match.
    static func asciiFold(_ c: Unicode.Scalar) -> String? {
        switch c.value {
        case 0x17F: return "s"
        case 0x212A: return "k"
        case 0xDF, 0x1E9E: return "ss"
        case 0xFB00: return "ff"
        case 0xFB01: return "fi"
        case 0xFB02: return "fl"
        case 0xFB03: return "ffi"
        case 0xFB04: return "ffl"
        case 0xFB05, 0xFB06: return "st"
        default: return nil
        }
    }
}

/// One search of a pattern over a text's scalars.
struct RedactionMatcher {
    let text: [Unicode.Scalar]
    private(set) var groupEnd = 0

    init(_ text: [Unicode.Scalar]) { self.text = text }

    /// The end of the match starting at `start`, if the pattern matches there.
    mutating func match(_ pattern: RedactionPattern, at start: Int) -> Int? {
        var end: Int?
        _ = match(pattern, start) { _, e in end = e; return true }
        return end
    }

    /// Continuation-passing backtracking: `then` is the rest of the pattern; false makes the caller try its next way.
    private mutating func match(_ p: RedactionPattern, _ i: Int, _ then: (inout RedactionMatcher, Int) -> Bool) -> Bool {
        switch p {
        case .literal(let word, let caseless):
            guard let end = literalEnd(word, caseless, i) else { return false }
            return then(&self, end)
        case .set(let member):
            return i < text.count && member(text[i]) && then(&self, i + 1)
        case .notPrecededBy(let options):
            for option in options {
                switch option {
                case .literal(let word, let caseless):
                    // Each scalar folds to at least one of the word's, so the word starts at most word.count back.
                    for start in stride(from: i - 1, through: max(0, i - word.count), by: -1)
                    where literalEnd(word, caseless, start) == i {
                        return false
                    }
                case .set(let member):
                    if i > 0 && member(text[i - 1]) { return false }
                default:
                    preconditionFailure("a lookbehind holds literals and sets")
                }
            }
            return then(&self, i)
        case .sequence(let parts):
            return sequence(parts[...], i, then)
        case .alternatives(let options):
            for option in options where match(option, i, then) { return true }
            return false
        case .capture(let inner):
            return match(inner, i) { m, end in
                m.groupEnd = end
                return then(&m, end)
            }
        case .repeat(let inner, let min, let max, let lazy):
            if case .set(let member) = inner {  // a run of scalars: no list of places needed
                var run = 0
                while run < max && i + run < text.count && member(text[i + run]) { run += 1 }
                guard run >= min else { return false }
                if lazy {
                    for count in min...run where then(&self, i + count) { return true }
                } else {
                    for count in stride(from: run, through: min, by: -1) where then(&self, i + count) { return true }
                }
                return false
            }
            // The places each count of repeats reaches, as far as they go.
            var ends = [i]
            while ends.count - 1 < max {
                let last = ends[ends.count - 1]
                var end: Int?
                _ = match(inner, last) { _, e in end = e; return true }
                guard let next = end, next > last else { break }
                ends.append(next)
            }
            guard ends.count - 1 >= min else { return false }
            let counts = lazy ? Array(min..<ends.count) : Array((min..<ends.count).reversed())
            for count in counts where then(&self, ends[count]) { return true }
            return false
        }
    }

    private mutating func sequence(_ parts: ArraySlice<RedactionPattern>, _ i: Int,
                                   _ then: (inout RedactionMatcher, Int) -> Bool) -> Bool {
        guard let first = parts.first else { return then(&self, i) }
        return match(first, i) { m, next in m.sequence(parts.dropFirst(), next, then) }
    }

    /// Where `word` ends when it starts at `i`. Caseless: the folds of whole scalars spell the word.
    private func literalEnd(_ w: [Unicode.Scalar], _ caseless: Bool, _ i: Int) -> Int? {
        var j = i
        var k = 0
        while k < w.count {
            guard j < text.count else { return nil }
            let c = text[j]
            if c == w[k] {
                k += 1
            } else if caseless && c.value >= 0x41 && c.value <= 0x5A {
                guard c.value | 0x20 == w[k].value else { return nil }
                k += 1
            } else if caseless, let fold = RedactionPattern.asciiFold(c) {
                for f in fold.unicodeScalars {
                    guard k < w.count, w[k] == f else { return nil }
                    k += 1
                }
            } else {
                return nil
            }
            j += 1
        }
        return j
    }
}
