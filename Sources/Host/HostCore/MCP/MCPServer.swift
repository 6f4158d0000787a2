import Foundation
import KFJSON
import MCP

/// A transport whose tools/list and tools/call the ToolDispatcher answers
/// itself (stdio's LineTransport, one Streamable HTTP session).
protocol DispatchingTransport: Transport {
    nonisolated var writer: LineWriter { get }
    nonisolated func route(_ taker: @escaping @Sendable (JSON) -> Bool)
    nonisolated func settle(_ id: JSON)
}

extension LineTransport: DispatchingTransport {}

/// The MCP face of the host: serves the tools of every loaded plugin over a
/// LineTransport (stdio) or one HTTP session with the official Swift SDK's Server.
public final class MCPServer: @unchecked Sendable {
    let runtime: HostRuntime
    private let server: Server
    private let transport: any DispatchingTransport
    /// The session's user over HTTP; nil over stdio.
    private let caller: Caller?
    private let notificationLevel = NotificationLevel()
    private let clientCanElicit = Flag()
    private let limits: ServerLimits
    private var dispatcher: ToolDispatcher?

    /// The plugins' instructions (ABI 1.1 manifest field), in load order,
    /// under one host line.
    static func instructions(_ registry: PluginRegistry) -> String {
        (["Tools return data and actions; they do not decide for you."]
            + registry.plugins.compactMap(\.instructions)).joined(separator: "\n")
    }

    public convenience init(runtime: HostRuntime, transport: LineTransport = LineTransport(),
                            limits: ServerLimits = .init()) {
        self.init(runtime: runtime, transport: transport, caller: nil, limits: limits)
    }

    init(runtime: HostRuntime, transport: any DispatchingTransport, caller: Caller?, limits: ServerLimits = .init()) {
        self.runtime = runtime
        self.transport = transport
        self.caller = caller
        self.limits = limits
        self.server = Server(
            name: "kubeflow-mcp", version: KubeflowMCPVersion.current,
            instructions: MCPServer.instructions(runtime.registry),
            capabilities: .init(logging: .init(), tools: .init(listChanged: false)))
    }

    /// Serve stdio until stdin closes and every request read has been answered,
    /// or `limits.exitGrace` after EOF: calls still running then are answered
    /// with an error. Returns how many were cut short (exit stays 0: the client left).
    @discardableResult
    public func run() async throws -> Int {
        installLogForwarding()
        try await start()
        var cutShort = 0
        if let lines = transport as? LineTransport { cutShort = await drain(lines) }
        await server.stop()
        return cutShort
    }

    /// Handlers registered, the SDK's Server reading the transport.
    func start() async throws {
        await registerHandlers()
        try await server.start(transport: transport) { [clientCanElicit] _, capabilities in
            clientCanElicit.set(capabilities.elicitation != nil)
        }
    }

    /// After EOF on stdio: wait for the calls in flight, answer the stragglers.
    private func drain(_ lines: LineTransport) async -> Int {
        let unanswered = await lines.waitUntilDrained(grace: limits.exitGrace)
        if !unanswered.isEmpty {
            let seconds = limits.exitGrace.components.seconds
            dispatcher?.abandonAll(reason: "was still running \(seconds) s after the client closed its input; the server is exiting.")
            // Requests the SDK was running (none normally) are answered too.
            for id in lines.unanswered() {
                lines.writer.write(MessageScreen.errorReply(id: id, code: -32603, "The server is exiting: the client closed its input \(seconds) s ago."))
                lines.settle(id)
            }
            runtime.log.warning("\(unanswered.count) request(s) still running \(seconds) s after EOF were answered with an error", source: "server")
        }
        return unanswered.count
    }

    func stop() async { await server.stop() }

    // MARK: Handlers

    private func registerHandlers() async {
        // tools/list and tools/call are answered by the ToolDispatcher on the
        // transport; the SDK's Server keeps initialize, ping, logging and elicitation.
        let elicit: ToolInvoker.Elicit = { [server, clientCanElicit] message in
            guard clientCanElicit.get() else { return nil }
            let schema = Elicitation.RequestSchema(
                title: "Confirm", description: message,
                properties: ["confirm": .object(["type": "boolean", "title": "Proceed", "default": false])],
                required: ["confirm"])
            // A client that can be asked but whose answer failed has not confirmed
            // (no fallback to a token the model would see).
            guard let answer = try? await server.requestElicitation(message: message, requestedSchema: schema) else {
                return false
            }
            return answer.action == .accept && answer.content?["confirm"] == .bool(true)
        }
        let dispatcher = ToolDispatcher(runtime: runtime, writer: transport.writer, elicit: elicit, limits: limits,
                                        settle: transport.settle, caller: caller)
        self.dispatcher = dispatcher
        transport.route { dispatcher.take($0) }
        await server.withMethodHandler(SetLoggingLevel.self) { [notificationLevel] params in
            notificationLevel.set(LogLevel(name: params.level.rawValue))
            return Empty()
        }
    }

    /// Progress goes straight to the transport's writer from the tool's thread,
    /// so it is on the wire before the call's response.
    static func progressSink(token: JSON?, writer: LineWriter) -> (@Sendable (Double, String) -> Void)? {
        guard let token, token.string != nil || token.int != nil else { return nil }
        return { fraction, message in
            var params: JSON = ["progressToken": token]
            if fraction >= 0 {
                params["progress"] = .double(min(fraction, 1) * 100)
                params["total"] = .double(100)
            } else {
                params["progress"] = .double(0)
            }
            if !message.isEmpty { params["message"] = .string(message) }
            writer.write(["jsonrpc": "2.0", "method": "notifications/progress", "params": params] as JSON)
        }
    }

    /// Once a client sets a level with logging/setLevel, log lines at or above it
    /// are also sent as notifications/message.
    private func installLogForwarding() {
        runtime.log.setSink { [self] in notifyLog($0, $1, $2) }
    }

    /// A log line as notifications/message, when the client asked for its level.
    func notifyLog(_ lvl: LogLevel, _ source: String, _ message: String) {
        guard let minimum = notificationLevel.get(), lvl >= minimum else { return }
        transport.writer.write(["jsonrpc": "2.0", "method": "notifications/message",
                                "params": ["level": .string(lvl.name), "logger": .string(source), "data": .string(message)]] as JSON)
    }

    /// A tool as MCP lists it: annotations from risk and flags, and our
    /// category, risk and plugin in _meta.
    static func toolJSON(_ spec: ToolSpec, inputSchema: JSON) -> JSON {
        let a = spec.annotations
        var tool: JSON = [
            "name": .string(spec.name), "title": .string(spec.title), "description": .string(spec.description),
            "inputSchema": inputSchema,
            "annotations": ["title": .string(spec.title), "readOnlyHint": .bool(a.readOnly),
                            "destructiveHint": .bool(a.destructive), "idempotentHint": .bool(a.idempotent),
                            "openWorldHint": .bool(a.openWorld)],
            "_meta": ["kubeflow-mcp/category": .string(spec.category), "kubeflow-mcp/risk": .string(spec.risk.rawValue),
                      "kubeflow-mcp/plugin": .string(spec.pluginID)],
        ]
        if let output = spec.outputSchema { tool["outputSchema"] = output }
        return tool
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set(_ v: Bool) { lock.withLock { value = v } }
    func get() -> Bool { lock.withLock { value } }
}

/// The level set by logging/setLevel (nil: none asked, send nothing).
final class NotificationLevel: @unchecked Sendable {
    private let lock = NSLock()
    private var level: LogLevel?
    func set(_ l: LogLevel?) { lock.withLock { level = l } }
    func get() -> LogLevel? { lock.withLock { level } }
}
