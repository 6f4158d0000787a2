import Foundation
@testable import HostBase
@testable import HostProtocol
import KFJSON
import Testing

/// The pieces of `serve --http` that need no server: stream routing, tokens, per-user policy.
@Suite struct RemoteTests {
    static func drain(_ stream: SessionStreams.Stream) async throws -> [String] {
        var events: [String] = []
        for try await chunk in stream { events.append(String(decoding: chunk, as: UTF8.self)) }
        return events
    }

    @Test func progressGoesToItsCallAndTheResponseEndsTheStream() async throws {
        let streams = SessionStreams()
        let call = streams.open(request: ["jsonrpc": "2.0", "id": 7, "method": "tools/call",
                                          "params": ["name": "t", "_meta": ["progressToken": "p7"]]])
        let other = streams.open(request: ["jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": ["name": "t"]])
        #expect(streams.runningCalls == 2)
        streams.deliver(Data(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p7","progress":50}}"#.utf8))
        streams.deliver(Data(#"{"id":7,"jsonrpc":"2.0","result":{}}"#.utf8))
        streams.deliver(Data(#"{"id":8,"jsonrpc":"2.0","result":{}}"#.utf8))
        let events = try await Self.drain(call)
        #expect(events.count == 2)
        #expect(events[0].hasPrefix("id: 1\nevent: message\ndata: {") && events[0].contains("\"p7\""))
        #expect(events[1].contains("\"id\":7"))
        #expect(try await Self.drain(other).count == 1)
        #expect(streams.runningCalls == 0 && !streams.isBusy)
    }

    @Test func aServerRequestGoesToTheRunningCallElseTheGETStreamWhichResumes() async throws {
        let streams = SessionStreams()
        let get = try #require(streams.openStandalone(resumingAfter: nil))
        #expect(streams.openStandalone(resumingAfter: nil) == nil)  // one GET stream per session
        let call = streams.open(request: ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": "t"]])
        streams.deliver(Data(#"{"id":0,"jsonrpc":"2.0","method":"elicitation/create","params":{}}"#.utf8))
        streams.deliver(Data(#"{"id":1,"jsonrpc":"2.0","result":{}}"#.utf8))
        #expect(try await Self.drain(call).first?.contains("elicitation/create") == true)
        streams.deliver(Data(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"a"}}"#.utf8))
        streams.deliver(Data(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"b"}}"#.utf8))
        // Resuming after event 3 replays event 4 only; the call's events (1–2) are not kept.
        #expect(streams.openStandalone(resumingAfter: "1") == nil)
        let resumed = try #require(streams.openStandalone(resumingAfter: "3"))
        #expect(streams.openStandalone(resumingAfter: "999") == nil)
        streams.closeAll()
        #expect(try await Self.drain(resumed).map { $0.contains("\"b\"") } == [true])
        #expect(try await Self.drain(get).count == 2)
    }

    @Test func tokensFileNamesUserAndPersonaAndRefusesOthers() async throws {
        let path = NSTemporaryDirectory() + "kfmcp-tokens-\(UUID().uuidString).yaml"
        try "tokens:\n  - {token: 0123456789abcdef-x, user: carol, persona: readonly, groups: [ml]}\n  - {token: 0123456789abcdef-z, user: carol}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let auth = try TokenFileAuthenticator(path: path)
        let carol = await auth.authenticate(authorization: "Bearer 0123456789abcdef-x")
        #expect(carol == RemoteUser(name: "carol", groups: ["ml"], persona: "readonly",
                                    credential: Digest.sha256Hex("token:0123456789abcdef-x")))
        // The same name with another token is another credential (sessions and tokens are bound to it).
        let again = await auth.authenticate(authorization: "Bearer 0123456789abcdef-z")
        #expect(again?.name == "carol" && again?.credential != carol?.credential)
        #expect(await auth.authenticate(authorization: "Bearer 0123456789abcdef-y") == nil)
        #expect(await auth.authenticate(authorization: "Basic 0123456789abcdef-x") == nil)
        #expect(await auth.authenticate(authorization: nil) == nil)

        try "tokens:\n  - {token: short, user: x}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PolicyFile.Problem.self) { try TokenFileAuthenticator(path: path) }
    }

    @Test func userPoliciesMatchUserFirstThenGroup() throws {
        let rules = try UserPolicies.parse(["group:viewers=readonly", "user:bob=data-scientist"], tools: [])
        #expect(try rules.policy(for: RemoteUser(name: "bob", groups: ["viewers"]), tools: [])?.name == "data-scientist")
        #expect(try rules.policy(for: RemoteUser(name: "eve", groups: ["viewers"]), tools: [])?.name == "readonly")
        #expect(try rules.policy(for: RemoteUser(name: "eve"), tools: []) == nil)
        #expect(throws: PolicyFile.Problem.self) { try UserPolicies.parse(["bob=readonly"], tools: []) }
        #expect(throws: PolicyFile.Problem.self) { try UserPolicies.parse(["user:bob=nonsense"], tools: []) }
    }
}
