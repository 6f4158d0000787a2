@testable import HostBase
@testable import HostProtocol
import KFJSON
import Testing

@Suite struct MessageScreenTests {
    func request(_ method: JSON = "ping", id: JSON? = 1) -> JSON {
        var m: JSON = ["jsonrpc": "2.0", "method": method]
        if let id { m["id"] = id }
        return m
    }

    func rejectedWithNullID(_ verdict: MessageScreen.Verdict) -> Bool {
        guard case .reject(let reply) = verdict else { return false }
        return reply["id"] == .null && reply["error"]?["code"] == -32600
    }

    @Test(arguments: [JSON.null, .double(1.5), .bool(true), .double(100), .double(9.3e18), ["a": 1], [1]])
    func invalidIDsAreRefusedWithNullID(_ id: JSON) {
        #expect(rejectedWithNullID(MessageScreen().screen(request(id: id))))
    }

    /// Every answer echoes its id; one holding a credential is refused, and errors quote no client text unmasked.
    @Test func anIDHoldingACredentialIsRefusedAndErrorsAreRedacted() {
        let verdict = MessageScreen().screen(request(id: "ghp_wWPw5k4aXcaT4fNP0UcPLANTEDpINUxab123"))
        #expect(rejectedWithNullID(verdict))
        #expect(MessageScreen().screen(request(id: "call-7")) == .pass(request(id: "call-7")))
        let reply = MessageScreen.errorReply(id: 1, code: -32601, "Method not found: 'redis://:pw0rd@cache'")
        #expect(reply["error"]?["message"] == "Method not found: 'redis://:[REDACTED]@cache'")
    }

    @Test func batchesAndScalarsGetOneError() {
        let screen = MessageScreen()
        #expect(rejectedWithNullID(screen.screen([request(), request()])))
        #expect(rejectedWithNullID(screen.screen(5)))
    }

    @Test func onlyInitializeAndPingBeforeInitialize() {
        let screen = MessageScreen()
        #expect(screen.screen(request("ping")) == .pass(request("ping")))
        #expect(screen.screen(request("notifications/initialized", id: nil)) == .pass(request("notifications/initialized", id: nil)))
        guard case .reject(let early) = screen.screen(request("tools/list", id: "a")) else { Issue.record("not refused"); return }
        #expect(early["id"] == "a" && early["error"]?["code"] == -32600)
        #expect(screen.screen(request("initialize", id: 0)) == .pass(request("initialize", id: 0)))
        #expect(screen.screen(request("tools/list", id: "b")) == .pass(request("tools/list", id: "b")))
    }

    @Test func aMethodThatIsNotAStringIsAnInvalidRequest() {
        guard case .reject(let reply) = MessageScreen().screen(request(5, id: 3)) else { Issue.record("not refused"); return }
        #expect(reply["id"] == 3 && reply["error"]?["code"] == -32600)
    }

    @Test func deadlinesComeFromTheToolsOwnTimeout() {
        let spec = ToolSpec(name: "wait", title: "w", description: "", category: "monitoring", risk: .readOnly,
                            idempotent: true, openWorld: false,
                            inputSchema: ["type": "object", "properties": ["timeout_seconds": ["type": "integer", "default": 600]]],
                            outputSchema: nil, pluginID: "p")
        let limits = ServerLimits()
        #expect(limits.deadline(for: spec, arguments: [:]) == .seconds(660))
        #expect(limits.deadline(for: spec, arguments: ["timeout_seconds": 3600]) == .seconds(3660))
        #expect(limits.deadline(for: spec, arguments: ["timeout_seconds": 1]) == limits.callTimeout)
        #expect(limits.deadline(for: nil, arguments: nil) == limits.callTimeout)
    }
}
