import Foundation
@testable import HostBase
@testable import HostCalls
import HostPlugins
@testable import HostProtocol
import KFJSON
import MCP
import Testing

/// The Streamable HTTP endpoint in-process (no HTTP server): authentication,
/// sessions bound to their user, limits, idle expiry. Traffic over real HTTP
/// is in Tests/e2e/test_http.py.
@Suite struct HTTPEndpointTests {
    struct Users: Authenticator {
        func authenticate(authorization: String?) async -> RemoteUser? {
            ["Bearer a": RemoteUser(name: "ann"), "Bearer b": RemoteUser(name: "ben")][authorization ?? ""]
        }
    }

    static let initialize = Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#.utf8)

    /// A server with no plugin loaded and no cluster: sessions and limits need neither.
    static func noPlugins() -> CallEnvironment {
        CallEnvironment(registry: PluginRegistry(), policy: .unrestricted, cluster: .none, audit: nil,
                        confirmations: .fromEnvironment(), tracker: CallTracker(), log: .shared)
    }

    static func post(_ body: Data, token: String?, session: String? = nil) -> HTTPRequest {
        var headers = ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if let session { headers["Mcp-Session-Id"] = session }
        return HTTPRequest(method: "POST", headers: headers, body: body, path: "/mcp")
    }

    @Test func aUserOverTheirShareGets429AndADrainingServerNoNewSessions() async throws {
        var limits = MCPHTTPEndpoint.Limits()
        limits.maxSessionsPerUser = 1
        let endpoint = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: Users(), limits: limits, origins: .loopback)
        #expect(await endpoint.handle(Self.post(Self.initialize, token: "a")).statusCode == 200)
        let over = await endpoint.handle(Self.post(Self.initialize, token: "a"))
        #expect(over.statusCode == 429)
        #expect(Int(over.headers["Retry-After"] ?? "") ?? 0 > 0)
        #expect(await endpoint.handle(Self.post(Self.initialize, token: "b")).statusCode == 200)  // ben has his own share

        endpoint.beginDrain()
        #expect(await endpoint.readiness().ready == false)
        let draining = await endpoint.handle(Self.post(Self.initialize, token: "b"))
        #expect(draining.statusCode == 503)
        #expect(endpoint.metricsText().contains("kfmcp_requests_refused_total{reason=\"sessions_per_user\"} 1"))
        #expect(endpoint.metricsText().contains("kfmcp_draining 1"))
        await endpoint.closeAll()
    }

    @Test func sessionsBelongToTheirUserAndExpire() async throws {
        var limits = MCPHTTPEndpoint.Limits()
        limits.maxSessions = 1
        limits.idleSeconds = 60
        let endpoint = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: Users(), limits: limits, origins: .loopback)

        let anonymous = await endpoint.handle(Self.post(Self.initialize, token: nil))
        #expect(anonymous.statusCode == 401)
        #expect(anonymous.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)

        let opened = await endpoint.handle(Self.post(Self.initialize, token: "a"))
        guard case .stream(let stream, let headers) = opened else { Issue.record("expected an SSE stream"); return }
        let session = try #require(headers[HTTPHeaderName.sessionID])
        var iterator = stream.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(String(decoding: first, as: UTF8.self).contains("\"protocolVersion\""))

        // Another user cannot use ann's session; the session limit holds.
        let list = Data(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8)
        #expect(await endpoint.handle(Self.post(list, token: "b", session: session)).statusCode == 404)
        #expect(await endpoint.handle(Self.post(Self.initialize, token: "b")).statusCode == 503)
        #expect(await endpoint.handle(Self.post(list, token: "a")).statusCode == 400)  // no session id
        #expect(await endpoint.handle(Self.post(Self.initialize, token: "a", session: session)).statusCode == 400)
        let batch = Data("[\(String(decoding: list, as: UTF8.self))]".utf8)
        #expect(await endpoint.handle(Self.post(batch, token: "a", session: session)).statusCode == 400)
        let rebinding = HTTPRequest(method: "POST", headers: ["Origin": "http://evil.example", "Authorization": "Bearer a"],
                                    body: list, path: "/mcp")
        #expect(await endpoint.handle(rebinding).statusCode == 403)

        await endpoint.expireIdle(now: Date().addingTimeInterval(30))
        #expect(endpoint.sessionCount == 1)
        await endpoint.expireIdle(now: Date().addingTimeInterval(61))
        #expect(endpoint.sessionCount == 0)
        #expect(await endpoint.handle(Self.post(list, token: "a", session: session)).statusCode == 404)
    }

    /// Replicas sharing a key and records: a session opened on one continues on
    /// another; an id from another key, another credential or past its lifetime is unknown.
    @Test func aSessionContinuesOnAnotherReplicaWithTheSameKey() async throws {
        struct TwoTokens: Authenticator {
            func authenticate(authorization: String?) async -> RemoteUser? {
                ["Bearer a": RemoteUser(name: "ann", credential: "1"), "Bearer a2": RemoteUser(name: "ann", credential: "2")][authorization ?? ""]
            }
        }
        let (keyring, records) = (SigningKeyring(), LocalOnceRecords())
        let one = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: TwoTokens(), origins: .loopback, keyring: keyring, records: records)
        let two = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: TwoTokens(), origins: .loopback, keyring: keyring, records: records)
        let stranger = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: TwoTokens(), origins: .loopback)
        let opened = await one.handle(Self.post(Self.initialize, token: "a"))
        let session = try #require(opened.headers[HTTPHeaderName.sessionID])
        #expect(session.hasPrefix("kfms-"))
        let ping = Data(#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#.utf8)
        #expect(await two.handle(Self.post(ping, token: "a", session: session)).statusCode == 200)
        #expect(two.sessionCount == 1)
        #expect(await two.handle(Self.post(ping, token: "a2", session: session)).statusCode == 404)
        #expect(await stranger.handle(Self.post(ping, token: "a", session: session)).statusCode == 404)
        // Draining: sessions clients hold are still served, new ones go elsewhere.
        stranger.beginDrain()
        #expect(await stranger.handle(Self.post(Self.initialize, token: "a")).statusCode == 503)

        var short = MCPHTTPEndpoint.Limits()
        short.sessionLifetime = -1
        let expiring = MCPHTTPEndpoint(environment: Self.noPlugins(), authenticator: TwoTokens(), limits: short, origins: .loopback,
                                       keyring: keyring, records: records)
        let expired = try #require(await expiring.handle(Self.post(Self.initialize, token: "a")).headers[HTTPHeaderName.sessionID])
        #expect(await expiring.handle(Self.post(ping, token: "a", session: expired)).statusCode == 404)
        #expect(await two.handle(Self.post(ping, token: "a", session: expired)).statusCode == 404)
        for endpoint in [one, two, stranger, expiring] { await endpoint.closeAll() }
    }
}
