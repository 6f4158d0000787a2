import HostBase
@testable import HostCalls
import KFJSON
import Testing

/// What the one entry reads from a call's origin: the doctor runs only read-only tools'
/// declared checks; a client's call has no ceiling of its own (its policy decides). A
/// nested call's ceiling is exercised through the binary (Tests/e2e/test_gate.py).
@Suite struct CallOriginTests {
    func tool(_ name: String, _ risk: ToolRisk, doctor: Bool) -> ToolSpec {
        let properties: JSON = doctor ? ["check": ["type": "boolean", "x-kfmcp-doctor": true]] : [:]
        return ToolSpec(name: name, title: name, description: "", category: "discovery", risk: risk, idempotent: false,
                        openWorld: false, inputSchema: ["type": "object", "properties": properties], outputSchema: nil, pluginID: "p")
    }

    @Test func theDoctorRunsOnlyReadOnlyDoctorChecks() {
        #expect(CallOrigin.doctor.refusal(of: tool("check_cluster", .readOnly, doctor: true)) == nil)
        #expect(CallOrigin.doctor.refusal(of: tool("list_jobs", .readOnly, doctor: false))?.contains("not a doctor check") == true)
        // A doctor argument on a tool that writes does not make it one.
        #expect(CallOrigin.doctor.refusal(of: tool("delete_job", .destructive, doctor: true)) != nil)
        #expect(CallOrigin.client(progress: nil, elicit: nil).refusal(of: tool("delete_job", .destructive, doctor: false)) == nil)
    }

    @Test func aNestedEndingNeverCarriesASecretOrTheHostsPreview() {
        let secret = "hf_PLANTEDsecretTOKEN1234567890abcdef"
        let answer: JSON = ["result": ["token": .string(secret)], "text": .string("made with \(secret)")]
        let nested = CallEnding.answer(answer).nestedAnswer?.serialized() ?? ""
        #expect(!nested.contains(secret) && nested.contains("[REDACTED]"))
        #expect(CallEnding.message("refused \(secret)").nestedAnswer?.serialized().contains(secret) == false)
        #expect(CallEnding.unknownTool.nestedAnswer == nil)
        #expect(CallEnding.answer(answer).clientResult.text.contains(secret) == false)
    }
}
