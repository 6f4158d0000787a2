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
    /// `(?!p)`: `p` does not match here.
    case notFollowedBy(RedactionPattern)
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
        case .notPrecededBy, .notFollowedBy: return nil
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
            case .notPrecededBy, .notFollowedBy: continue  // zero width: the next part starts the match
            case .alternatives(let options) where options.contains(where: \.isZeroWidth),
                 .capture(.alternatives(let options)) where options.contains(where: \.isZeroWidth):
                // An option that matches nothing: it or what follows starts the match.
                let firsts = options.filter { !$0.isZeroWidth }.map(\.firstScalar)
                guard firsts.allSatisfy({ $0 != nil }), let b = firstScalar(of: parts[(offset + 1)...]) else { return nil }
                return { c in b(c) || firsts.contains { $0!(c) } }
            case .repeat(let inner, 0, _, _):  // may be empty: it or what follows starts the match
                guard let a = inner.firstScalar, let b = firstScalar(of: parts[(offset + 1)...]) else { return nil }
                return { a($0) || b($0) }
            default: return part.firstScalar
            }
        }
        return nil
    }

    /// A lookaround: it matches no scalar.
    var isZeroWidth: Bool {
        switch self {
        case .notPrecededBy, .notFollowedBy: return true
        default: return false
        }
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
