import FlyingFox
import FlyingSocks
import Foundation
import HTTPServing
import HostCore
import MCP

/// `serve --http`: FlyingFox carries HTTP; the MCP endpoint (HostCore) does the
/// protocol. Routes: /mcp (Streamable HTTP), /healthz (alive), /readyz (plugins
/// loaded and the API server answers; not while draining), /metrics
/// (Prometheus). With TLS, the shared TLS front door (OpenSSL) listens on
/// host:port and relays to FlyingFox on loopback.
public final class MCPHTTPServer: Sendable {
    let endpoint: MCPHTTPEndpoint
    let server: FlyingFox.HTTPServer
    let tls: ServerTLSContext?
    let host: String
    let port: UInt16
    private let frontDoor = Locked<TLSFrontDoor?>(nil)

    /// How long the server waits for a client's bytes, and how long a request
    /// may take to be read and answered (a call's SSE stream is not bounded by
    /// it: the handler returns once the stream is open).
    public struct Timeouts: Sendable {
        public var readSeconds: TimeInterval = 10
        public var requestSeconds: TimeInterval = 15
        public init() {}
    }

    /// `host` is an IPv4 or IPv6 literal (IPv4 with TLS); 0 picks a free port.
    public init(endpoint: MCPHTTPEndpoint, host: String, port: UInt16, tls: TLSOptions? = nil,
                timeouts: Timeouts = Timeouts()) throws {
        self.endpoint = endpoint
        self.tls = try tls.map(ServerTLSContext.init)
        self.host = host
        self.port = port
        let pool = ReadDeadlineSocketPool(base: NoDelaySocketPool(base: HTTPServer.defaultPool()), seconds: timeouts.readSeconds)
        let handler = ClosureHTTPHandler { [endpoint] request in
            let response = await MCPHTTPServer.route(request, endpoint: endpoint)
            pool.served(request.remoteAddress)
            return response
        }
        if tls != nil {
            server = Self.server(at: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), handler: handler, pool: pool, timeouts: timeouts)
            return
        }
        server = host.contains(":")
            ? Self.server(at: try sockaddr_in6.inet6(ip6: host, port: port), handler: handler, pool: pool, timeouts: timeouts)
            : Self.server(at: try sockaddr_in.inet(ip4: host, port: port), handler: handler, pool: pool, timeouts: timeouts)
    }

    /// FlyingFox's `timeout` bounds each request's handler with a timer that
    /// stays allocated until it would fire: kept short, so memory per finished
    /// request is released within seconds, not an hour.
    private static func server(at address: some SocketAddress, handler: some HTTPHandler, pool: some AsyncSocketPool,
                               timeouts: Timeouts) -> FlyingFox.HTTPServer {
        HTTPServer(address: address, timeout: timeouts.requestSeconds, pool: pool, logger: .disabled, handler: handler)
    }

    /// Serves until cancelled; idle sessions are swept every second (ended on time, not up to a minute late).
    public func run() async throws {
        let sweeper = Task { [endpoint] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                await endpoint.expireIdle()
            }
        }
        defer { sweeper.cancel() }
        try await server.run()
    }

    /// The port clients connect to (the TLS front door's when there is one).
    public func waitUntilListening() async throws -> UInt16 {
        try await server.waitUntilListening(timeout: 10)
        let plain: UInt16
        switch await server.listeningAddress {
        case .ip4(_, let port)?, .ip6(_, let port)?: plain = port
        default: plain = 0
        }
        guard let tls else { return plain }
        let door = try TLSFrontDoor(tls: tls, host: host, port: port, upstreamPort: plain)
        frontDoor.withLock { $0 = door }
        door.start()
        return door.port
    }

    /// SIGTERM: unready and refusing new sessions at once; calls in flight
    /// get up to `seconds` to finish; then the server stops.
    public func drain(seconds: TimeInterval) async {
        endpoint.beginDrain()
        let deadline = Date().addingTimeInterval(seconds)
        while endpoint.runningCalls > 0 && Date() < deadline {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        await stop()
    }

    public func stop() async {
        frontDoor.withLock { $0 }?.stop()
        await endpoint.closeAll()
        await server.stop(timeout: 1)
    }

    static func route(_ request: FlyingFox.HTTPRequest, endpoint: MCPHTTPEndpoint) async -> FlyingFox.HTTPResponse {
        switch request.path {
        case "/healthz": return text(200, "ok")
        case "/readyz":
            let (ready, detail) = await endpoint.readiness()
            return text(ready ? 200 : 503, detail)
        case "/metrics":
            return FlyingFox.HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                                          body: Data(endpoint.metricsText().utf8))
        case "/mcp": break
        default: return text(404, "not found: the MCP endpoint is /mcp")
        }
        // Refuse an oversized body before reading it.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > endpoint.limits.maxBodyBytes {
            return convert(.error(statusCode: 413, .invalidRequest("Payload Too Large: at most \(endpoint.limits.maxBodyBytes) bytes per message")))
        }
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue] = value }
        let body = request.method == .POST ? (try? await request.bodyData) : nil
        let answer = await endpoint.handle(MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body,
                                                           path: request.path))
        return convert(answer)
    }

    static func convert(_ answer: MCP.HTTPResponse) -> FlyingFox.HTTPResponse {
        var headers = HTTPHeaders()
        for (name, value) in answer.headers { headers[HTTPHeader(name)] = value }
        let status = HTTPStatusCode(answer.statusCode, phrase: phrase(answer.statusCode))
        if case .stream(let stream, _) = answer {
            return FlyingFox.HTTPResponse(statusCode: status, headers: headers,
                                          body: HTTPBodySequence(from: StreamBody(stream: stream)))
        }
        // An error's body quotes what the request sent (a Last-Event-ID, an Origin): the one place HTTP errors pass.
        let body = answer.bodyData.map { answer.statusCode < 400 ? $0 : Redactor.redact(body: $0) }
        return FlyingFox.HTTPResponse(statusCode: status, headers: headers, body: body ?? Data())
    }

    static func text(_ code: Int, _ body: String) -> FlyingFox.HTTPResponse {
        FlyingFox.HTTPResponse(statusCode: HTTPStatusCode(code, phrase: phrase(code)), headers: [.contentType: "text/plain"],
                               body: Data((Redactor.redact(body) + "\n").utf8))
    }

    static func phrase(_ code: Int) -> String {
        [200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
         405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 413: "Payload Too Large",
         415: "Unsupported Media Type", 421: "Misdirected Request", 429: "Too Many Requests", 500: "Internal Server Error",
         503: "Service Unavailable"][code] ?? "Status"
    }
}
