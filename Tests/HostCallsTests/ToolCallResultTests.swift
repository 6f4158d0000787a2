@testable import HostCalls
import KFJSON
import Testing

/// The response splices a result's already-printed JSON in as structuredContent
/// (printed once); what goes on the wire must be exactly the JSON value printed.
@Suite struct ToolCallResultTests {
    static let structured: JSON = ["b": [1, 2.5, nil, true], "a": ["quote": "say \"hi\"\n", "n": -3]]

    @Test(arguments: [false, true])
    func splicedResponseIsTheValuePrinted(isError: Bool) {
        let printed = Self.structured.serialized()
        let results = [
            ToolCallResult(text: "summary\n" + printed, structured: Self.structured, isError: isError, structuredText: printed),
            ToolCallResult(text: "no printed copy", structured: Self.structured, isError: isError),
            ToolCallResult(text: "an error: \"x\"\t\u{01}", structured: nil, isError: isError),
        ]
        for result in results {
            var bytes: [UInt8] = []
            result.write(to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == result.json.serialized())
            #expect((try? JSON.parse(String(decoding: bytes, as: UTF8.self))) == result.json)
        }
    }

    @Test func invokerResultsPrintTheStructuredValueOnce() {
        let result = ToolInvoker.result(from: ["result": Self.structured, "text": "a summary"])
        #expect(result.text == "a summary\n" + Self.structured.serialized())
        #expect(result.structured == Self.structured)
        var bytes: [UInt8] = []
        result.write(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == result.json.serialized())
        // A result that is not an object is wrapped: structuredContent must be an object.
        #expect(ToolInvoker.result(from: ["result": [1, 2]]).structured == ["result": [1, 2]])
    }
}
