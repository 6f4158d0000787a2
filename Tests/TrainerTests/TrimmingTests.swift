import Foundation
import PluginKit
import Testing

/// PluginKit's trimming replaced Foundation's in the plugins (so they do not link
/// libFoundation); it must give the same strings, scalar for scalar.
@Suite struct TrimmingTests {
    static let samples: [String] = [
        "", " ", "\t", "\n", "\r\n", "abc", "  abc  ", "\tabc\t", "\nabc\n", " \r\n abc \r\n ",
        "\u{00A0}abc\u{3000}", "\u{2028}abc\u{2029}", "\u{0085}abc\u{000B}\u{000C}", "\u{200B}abc\u{FEFF}",
        " \u{0301}abc", "abc \u{0301}", "e\u{0301} ", " hf://org/name ", "\u{1680}\u{2000}\u{200A}\u{202F}\u{205F}x",
        "--a--b--", "-", "---", "a b", "\u{1F600} ", " \u{1F1FA}\u{1F1F8}",
    ]

    @Test func matchesFoundation() {
        for s in Self.samples {
            #expect(s.trimmingSpacesAndTabs().unicodeScalars.elementsEqual(s.trimmingCharacters(in: .whitespaces).unicodeScalars),
                    "whitespaces: \(s.debugDescription)")
            #expect(s.trimmingWhitespace().unicodeScalars.elementsEqual(s.trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars),
                    "whitespacesAndNewlines: \(s.debugDescription)")
            #expect(s.trimmingScalars { $0 == "-" }.unicodeScalars.elementsEqual(s.trimmingCharacters(in: ["-"]).unicodeScalars),
                    "[-]: \(s.debugDescription)")
        }
    }

    /// Every scalar in the Basic Multilingual Plane and beyond, alone between letters.
    @Test func everyScalarMatchesFoundation() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let s = String(scalar) + "x" + String(scalar)
            #expect(s.trimmingSpacesAndTabs() == s.trimmingCharacters(in: .whitespaces), "U+\(String(value, radix: 16))")
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(value, radix: 16))")
        }
    }
}
