import Foundation
import Testing
@testable import KubeClient
import Yams

/// `YAMLReader` types plain scalars by hand; Yams' default resolver does it
/// with regular expressions (ICU). Both must read every document alike.
@Suite struct YAMLReaderTests {
    static let scalars = [
        "true", "True", "TRUE", "yes", "No", "on", "OFF", "tRue", "y", "n", "~", "null", "Null", "NULL", "nil", "",
        "0", "-0", "+12", "012", "0o17", "0o", "08", "0b101", "0b", "0x1F", "0xg", "1_000", "1:30", "190:20:30", "1:60",
        "0:30", "-1:05", "1.5", "-1.5e3", "1e3", "1.", ".5", ".5e-3", ".5e3", "+.5", ".inf", "-.Inf", "+.INF", ".nan",
        ".NaN", "-.nan", "1:30.5", "1:30.", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
        "2001-1-2T3:04:05Z", "2001-12-14T21:59:43", "2001-12-14 21:59:43.10Z", "2001-12-1", "20011-12-14", "<<", "=",
        "==", "torch-distributed", "127.0.0.1", "1.2.3", "v1", "-", "+", "_1", "1__", "0x_", "12e", "1e+", "3.4.5",
    ]

    @Test func typesScalarsAsYamsDefaultResolverDoes() throws {
        for s in Self.scalars {
            let text = "a: \(s)\nb: [\(s)]\n"
            guard let expected = try? Yams.compose(yaml: text) else {  // not YAML ("-"): neither reads it
                #expect(throws: (any Error).self) { try YAMLReader.compose(text) }
                continue
            }
            let actual = try #require(try YAMLReader.compose(text))
            #expect(actual["a"]?.tag.description == expected["a"]?.tag.description, "\(s)")
            #expect(actual["b"]?[0]?.tag.description == expected["b"]?[0]?.tag.description, "\(s)")
        }
    }

    @Test func quotedScalarsStayStrings() throws {
        let node = try #require(try YAMLReader.compose("a: 'true'\nb: \"12\"\nc: true\n"))
        #expect(node["a"]?.bool == nil && node["a"]?.string == "true")
        #expect(node["b"]?.int == nil || node["b"]?.string == "12")
        #expect(node["c"]?.bool == true)
    }

    @Test func loadsFoundationValues() throws {
        let value = try YAMLReader.load("library: x.so\nenabled: false\nconfig: {n: 3, f: 1.5, s: abc, z: ~}\n") as? [String: Any]
        #expect(value?["enabled"] as? Bool == false)
        let config = value?["config"] as? [String: Any]
        #expect(config?["n"] as? Int == 3 && config?["f"] as? Double == 1.5 && config?["s"] as? String == "abc")
        #expect(config?["z"] is NSNull)
    }
}
