@testable import HostPlugins
import KFJSON
import Testing

/// An out-of-process plugin's manifest reaches the parent as JSON: the ABI 1.1
/// appended fields must travel with it, and a 1.0 child's message (without
/// them) still reads.
@Suite struct RawManifestTests {
    @Test func appendedFieldsSurviveThePipe() throws {
        let raw = RawManifest(pluginID: "p", version: "1", builtWith: "c", abiMajor: 1, abiMinor: 1, tools: [], backends: [],
                              instructions: "p: say hello.", clusterScopedReads: #"["example.org/widgets"]"#,
                              mcpSurface: #"{"prompts":[]}"#)
        let back = try #require(RawManifest(json: try JSON.parse(raw.json.serialized())))
        #expect(back.mcpSurface == #"{"prompts":[]}"#)
        #expect(back.instructions == "p: say hello.")
        #expect(back.clusterScopedReads == #"["example.org/widgets"]"#)
    }

    @Test func aManifestWithoutAppendedFieldsReadsAsNil() throws {
        let old: JSON = ["plugin_id": "p", "abi_major": 1, "abi_minor": 0, "tools": [], "backends": []]
        let raw = try #require(RawManifest(json: old))
        #expect(raw.instructions == nil && raw.clusterScopedReads == nil)
    }
}

@Suite struct PluginAnswerTests {
    @Test func anAnswerOverTheLimitIsRefusedNamingItsSize() {
        let size = PluginLimits.resultBytes + 1
        guard case .failure(let failure) = LoadedPlugin.check(RawAnswer(rc: 0, oversize: size), what: "tool 'big'") else {
            Issue.record("accepted an oversized answer")
            return
        }
        #expect(failure.message.contains("returned \(size) bytes for tool 'big'") && failure.message.contains("limit"))
    }

    @Test func anInvalidAnswerIsCalledInvalid() {
        guard case .failure(let failure) = LoadedPlugin.check(RawAnswer(rc: 0, text: "{\"result\": [1,"), what: "tool 't'") else {
            Issue.record("accepted invalid JSON")
            return
        }
        #expect(failure.message == "returned no valid JSON object for tool 't'")
    }
}
