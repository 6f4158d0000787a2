import Foundation
import KFJSON
import KFYAML
import Testing

/// `YAMLReader`: Debian's libyaml parses, the tree and the scalar types are
/// ours. The types are those Yams' default resolver gave (pinned here from it
/// before Yams left the package); hostile documents are refused, bounded.
@Suite struct YAMLReaderTests {
    /// Plain scalar → type, as Yams' `Resolver.default` typed each.
    static let types: [String: ScalarType] = [
        "true": .bool, "True": .bool, "TRUE": .bool, "yes": .bool, "No": .bool, "on": .bool, "OFF": .bool, "tRue": .str,
        "y": .str, "n": .str, "~": .null, "null": .null, "Null": .null, "NULL": .null, "nil": .str, "": .null, "0": .int,
        "-0": .int, "+12": .int, "012": .int, "0o17": .int, "0o": .str, "08": .float, "0b101": .int, "0b": .str,
        "0x1F": .int, "0xg": .str, "1_000": .int, "1:30": .int, "190:20:30": .int, "1:60": .str, "0:30": .str,
        "-1:05": .int, "1.5": .float, "-1.5e3": .float, "1e3": .float, "1.": .float, ".5": .float, ".5e-3": .float,
        ".5e3": .str, "+.5": .str, ".inf": .float, "-.Inf": .float, "+.INF": .float, ".nan": .float, ".NaN": .float,
        "-.nan": .str, "1:30.5": .float, "1:30.": .float, "2001-12-14": .timestamp,
        "2001-12-14t21:59:43.10-05:00": .timestamp, "2001-12-14 21:59:43.10 -5": .timestamp,
        "2001-1-2T3:04:05Z": .timestamp, "2001-12-14T21:59:43": .timestamp, "2001-12-14 21:59:43.10Z": .timestamp,
        "2001-12-1": .str, "20011-12-14": .str, "<<": .merge, "=": .value, "==": .str, "torch-distributed": .str,
        "127.0.0.1": .str, "1.2.3": .str, "v1": .str, "+": .str, "_1": .str, "1__": .int, "0x_": .int, "12e": .str,
        "1e+": .str, "3.4.5": .str,
    ]

    @Test func typesPlainScalarsAsYamsDefaultResolverDid() throws {
        for (s, type) in Self.types {
            let node = try #require(try YAMLReader.compose("a: \(s)\nb: [\(s)]\n"), "\(s)")
            #expect(node["a"]?.type == type, "\(s)")
            #expect(node["b"]?[0]?.type == (s.isEmpty ? nil : type), "\(s)")  // `[]` is an empty list
        }
        #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose("a: -\nb: [-]\n") }  // not YAML
    }

    @Test func quotedAndTaggedScalars() throws {
        let node = try #require(try YAMLReader.compose("a: 'true'\nb: \"12\"\nc: true\nd: !!str 3\ne: !!int \"7\"\n"))
        #expect(node["a"]?.bool == nil && node["a"]?.string == "true")
        #expect(node["b"]?.int == nil && node["b"]?.string == "12")
        #expect(node["c"]?.bool == true)
        #expect(node["d"]?.type == .str && node["e"]?.int == 7)
    }

    @Test func numbersOfYAML11() throws {
        let node = try #require(try YAMLReader.compose("[0x1F, 0o17, 017, 0b101, 1_000, '1:30', 1:30, -1:05, 1.5e3, .inf, 1:30.5]"))
        #expect(node.json == [31, 15, 15, 5, 1000, "1:30", 90, -65, 1500.0, .double(.infinity), 90.5])
    }

    @Test func loadsFoundationValuesAndJSON() throws {
        let text = "library: x.so\nenabled: false\nconfig: {n: 3, f: 1.5, s: abc, z: ~, when: 2001-12-14}\n"
        let value = try YAMLReader.load(text) as? [String: Any]
        #expect(value?["enabled"] as? Bool == false)
        let config = value?["config"] as? [String: Any]
        #expect(config?["n"] as? Int == 3 && config?["f"] as? Double == 1.5 && config?["s"] as? String == "abc")
        #expect(config?["z"] is NSNull && config?["when"] as? String == "2001-12-14")
        #expect(try YAMLReader.compose(text)?["config"]?.json == ["n": 3, "f": 1.5, "s": "abc", "z": nil, "when": "2001-12-14"])
    }

    @Test func aliasesAndMergeKeys() throws {
        let node = try #require(try YAMLReader.compose("base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n"))
        #expect(node["use"]?.json == ["x": 1, "y": 2])
        #expect(node["merged"]?.json == ["x": 1, "y": 3])
    }

    @Test func documentsAndMarks() throws {
        #expect(try YAMLReader.compose("") == nil)
        #expect(try YAMLReader.composeAll("a: 1\n---\nb: 2\n").count == 2)
        #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose("a: 1\n---\nb: 2\n") }
        let node = try #require(try YAMLReader.compose("a:\n  b: [1,\n    2]\n"))
        #expect(node["a"]?["b"]?.mark?.line == 2)
        let problem = #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose("policy:\n  allow: [unclosed\n") }
        #expect(problem?.description.contains("line") == true)
    }

    // MARK: Hostile documents: refused with a sentence, bounded, no crash

    @Test func anAliasBombIsRefusedNotExpanded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let problem = #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose(text) }
        #expect(problem?.description.contains("expands to more than") == true)
    }

    @Test func deepNestingIsRefused() {
        for open in ["[", "{a: ", "- "] {
            let text = open == "- "
                ? (0..<1000).map { String(repeating: "  ", count: $0) + "-" }.joined(separator: "\n")
                : String(repeating: open, count: 100_000)
            let problem = #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose(text) }
            #expect(problem?.description.contains("nested deeper than") == true, "\(open)")
        }
    }

    @Test func aHugeDocumentIsRefusedUnread() {
        let text = "a: " + String(repeating: "x", count: YAMLReader.maxBytes) + "\n"
        let problem = #expect(throws: YAMLReader.Problem.self) { try YAMLReader.compose(text) }
        #expect(problem?.description.contains("at most") == true)
    }

    @Test func garbageIsAnErrorNotACrash() {
        for text in ["\u{0}\u{1}\u{2}", "a: *nowhere", "[1, 2", "{a: 1, a", "a: b: c", "\t- x", "%YAML 9.9\n--- a", "!<!> x",
                     "? [a, b]\n: c", "&a [*a]"] {
            _ = try? YAMLReader.compose(text)
        }
    }
}
