import KFJSON
import Testing

@Suite struct JSONTests {
    @Test func keepsIntegersAndFloatsApart() throws {
        let parsed = try JSON.parse(#"{"gpu": 4.0, "nodes": 2, "big": 1e3}"#)
        #expect(parsed["gpu"] == .double(4))
        #expect(parsed["nodes"] == .int(2))
        #expect(parsed["big"] == .double(1000))
        #expect(parsed.serialized() == #"{"big":1000.0,"gpu":4.0,"nodes":2}"#)
    }

    @Test func roundTripsStringsWithEscapesAndUnicode() throws {
        let text = "line\n\"quoted\" \\ tab\t é 🚀 \u{01}"
        let json = JSON.object(["s": .string(text)])
        #expect(try JSON.parse(json.serialized())["s"]?.string == text)
        #expect(try JSON.parse(#""\ud83d\ude80""#) == .string("🚀"))
    }

    /// A lone surrogate half (hostile input) is U+FFFD and the escape after it still counts; no trap.
    @Test func aLoneSurrogateIsAReplacementCharacter() throws {
        #expect(try JSON.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSON.parse(#""\udc00x""#) == .string("\u{FFFD}x"))
        #expect(try JSON.parse(#""\ud800""#) == .string("\u{FFFD}"))
    }

    /// A long log with an escape on every line parses in one pass (it was quadratic).
    @Test func aLongEscapedStringParsesWhole() throws {
        let line = "step 1 loss 0.5 \"ok\"\n"
        let text = String(repeating: line, count: 50_000)
        #expect(try JSON.parse(JSON.string(text).serialized()) == .string(text))
    }

    @Test func aRepeatedKeyKeepsItsLastValue() throws {
        #expect(try JSON.parse(#"{"a": 1, "b": {}, "a": [2]}"#) == ["a": [2], "b": [:]])
        #expect(try JSON.parse(#"{"n": -12, "big": 123456789012345678901, "f": -0.5}"#)
            == ["n": -12, "big": .double(123456789012345678901), "f": -0.5])
    }

    @Test func printsEscapesExactlyAndSplicesParts() {
        let text = "a\"b\\c\nd\re\tf\u{01}g\u{1f}é🚀 end"
        #expect(JSON.string(text).serialized() == #""a\"b\\c\nd\re\tf\u0001g\u001fé🚀 end""#)
        #expect(JSON.string("").serialized() == #""""#)
        let object: JSON = ["b": [1, 2.5, nil, true], "a": ["z": "x", "y": .string(text)]]
        var bytes: [UInt8] = []
        object.serialize(into: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == object.serialized())
        #expect(object.serialized().hasPrefix(#"{"a":{"y":"#))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"unterminated", "01x", "{} {}"])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func intAccessorAcceptsWholeFloats() {
        #expect(JSON.double(2.0).int == 2)
        #expect(JSON.double(2.5).int == nil)
    }
}
