import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON
import MCP

/// A transport that hands every screened client message to one handler and
/// writes whole messages (stdio's LineTransport, one Streamable HTTP session).
protocol MessageTransport: AnyObject, Sendable {
    var writer: LineWriter { get }
    /// Where every incoming message goes; set before `start`.
    func route(_ handler: @escaping @Sendable (JSON) -> Void)
    /// A request answered (or cancelled) no longer holds up exit.
    func settle(_ id: JSON)
    func start()
}

/// The MCP face of the host and its one JSON-RPC engine: every message of a
/// session (stdio, or one HTTP session) is answered here — initialize, ping,
/// logging/setLevel, tools/* (through the ToolDispatcher), cancellation — and
/// the server's own requests (elicitation/create) are correlated here.
///
/// Why not the official Swift SDK's Server: its generic response path encoded
/// every result three times (31 ms for tools/list, ~0.4 ms per call), and two
/// engines on one stream meant guessing response ids. Each message is now
/// parsed once and each answer serialized once (KFJSON); the SDK still gives
/// the protocol versions and the HTTP request checks (see README, Benchmarks).
public final class MCPServer: @unchecked Sendable {
    /// This server's calls' pipeline (over HTTP, made for the session's user).
    let pipeline: ToolInvoker
    var registry: PluginRegistry { pipeline.registry }
    var log: Log { pipeline.log }
    private let transport: any MessageTransport
    private let notificationLevel = NotificationLevel()
    private let clientCanElicit = Flag()
    private let initialized = Flag()
    private let limits: ServerLimits
    private let questions: OutgoingRequests
    private var dispatcher: ToolDispatcher!
    private var surface: SurfaceMethods!
    private var tasks: TaskRouter!

    /// The plugins' instructions (ABI 1.1 manifest field), in load order,
    /// under one host line.
    static func instructions(_ registry: PluginRegistry) -> String {
        (["Tools return data and actions; they do not decide for you."]
            + registry.plugins.compactMap(\.instructions)).joined(separator: "\n")
    }

    public convenience init(pipeline: ToolInvoker, transport: LineTransport = LineTransport(),
                            limits: ServerLimits = .init()) {
        self.init(pipeline: pipeline, transport: transport as any MessageTransport, limits: limits)
    }

    init(pipeline: ToolInvoker, transport: any MessageTransport, limits: ServerLimits = .init()) {
        self.pipeline = pipeline
        self.transport = transport
        self.limits = limits
        self.questions = OutgoingRequests(writer: transport.writer)
        self.dispatcher = ToolDispatcher(invoker: pipeline, writer: transport.writer, elicit: elicitation(),
                                         limits: limits, settle: transport.settle)
        self.surface = SurfaceMethods(catalog: SurfaceCatalog(invoker: pipeline), send: pipeline.watchRequest,
                                      notify: { [writer = transport.writer] in writer.write($0) })
        self.tasks = TaskRouter(invoker: pipeline, writer: transport.writer, elicit: elicitation(), settle: transport.settle)
    }

    /// Serve stdio until stdin closes and every request read has been answered,
    /// or `limits.exitGrace` after EOF: calls still running then are answered
    /// with an error. Returns how many were cut short (exit stays 0: the client left).
    @discardableResult
    public func run() async throws -> Int {
        installLogForwarding()
        start()
        var cutShort = 0
        if let lines = transport as? LineTransport { cutShort = await drain(lines) }
        stop()
        return cutShort
    }

    /// Every message the transport reads comes to `handle`.
    func start() {
        transport.route { [weak self] in self?.handle($0) }
        transport.start()
        ToolListWatchers.shared.add(self)
    }

    /// After EOF on stdio: wait for the calls in flight, answer the stragglers.
    private func drain(_ lines: LineTransport) async -> Int {
        let unanswered = await lines.waitUntilDrained(grace: limits.exitGrace)
        if !unanswered.isEmpty {
            let seconds = limits.exitGrace.components.seconds
            dispatcher.abandonAll(reason: "was still running \(seconds) s after the client closed its input; the server is exiting.")
            log.warning("\(unanswered.count) request(s) still running \(seconds) s after EOF were answered with an error", source: "server")
        }
        return unanswered.count
    }

    /// The session ended: questions to the client are answered "no".
    func stop() {
        ToolListWatchers.shared.remove(self)
        questions.abandonAll()
        surface.close()
        tasks.stop()
    }

    /// A plugin reload changed the tools (ToolListWatchers): list again, and say so once initialized.
    func toolsChanged() {
        dispatcher.forgetListing()
        guard initialized.get() else { return }
        transport.writer.write(["jsonrpc": "2.0", "method": "notifications/tools/list_changed"] as JSON)
    }

    // MARK: Messages

    /// One screened message (MessageScreen has checked its shape and ids).
    func handle(_ message: JSON) {
        guard let method = message["method"]?.string else {
            // A response to one of our requests.
            if let id = message["id"] { questions.answer(id: id, with: message) }
            return
        }
        guard let id = message["id"] else { return notification(method, message["params"]) }
        let params = message["params"] ?? [:]
        switch method {
        case "tools/call" where params["task"] != nil && params["task"] != .null: tasks.call(id: id, params: params)
        case "tools/call" where tasks.refusesPlainCall(params["name"]?.string ?? ""):
            fail(id, -32601, "Tool '\(params["name"]?.string ?? "")' runs only as a task (execution.taskSupport \"required\"): send params.task")
        case "tools/call": dispatcher.call(id: id, params: params)
        case "tasks/get" where !tasks.catalog.isEmpty: tasks.get(id: id, params: params)
        case "tasks/result" where !tasks.catalog.isEmpty: tasks.result(id: id, params: params)
        case "tasks/list" where !tasks.catalog.isEmpty: tasks.list(id: id, params: params)
        case "tasks/cancel" where !tasks.catalog.isEmpty: tasks.cancel(id: id, params: params)
        case "tools/list": dispatcher.list(id: id)
        case "ping": reply(id, [:])
        case "initialize": initialize(id, params)
        case _ where SurfaceMethods.methods.contains(method): surfaceCall(id, method, params)
        case "logging/setLevel":
            guard let name = params["level"]?.string, let level = HostBase.LogLevel(name: name) else {
                return fail(id, -32602, "logging/setLevel needs params.level: one of debug, info, notice, warning, error, critical, alert, emergency")
            }
            notificationLevel.set(level)
            reply(id, [:])
        default: fail(id, -32601, "Method not found: '\(method)' (this server has tools, resources, prompts, completions and logging)")
        }
    }

    private func notification(_ method: String, _ params: JSON?) {
        switch method {
        case "notifications/cancelled":
            if let id = params?["requestId"] {
                dispatcher.cancel(id)
                tasks.abandon(id)
            }
        default: break  // notifications/initialized and others need nothing
        }
    }

    private func initialize(_ id: JSON, _ params: JSON) {
        guard !initialized.get() else { return fail(id, -32600, "Invalid request: the session is already initialized") }
        guard let requested = params["protocolVersion"]?.string else {
            return fail(id, -32602, "initialize needs params.protocolVersion (e.g. \"\(Version.latest)\")")
        }
        initialized.set(true)
        clientCanElicit.set(Self.canElicit(params))
        let version = Self.negotiatedVersion(requested)
        var capabilities = JSON.object(["logging": [:], "tools": ["listChanged": true]]
                                           .merging(SurfaceMethods.capabilities(registry)) { a, _ in a })
        capabilities["tasks"] = tasks.catalog.capability
        reply(id, ["protocolVersion": .string(version),
                   "capabilities": capabilities,
                   "serverInfo": ["name": "kubeflow-mcp", "version": .string(KubeflowMCPVersion.current)],
                   "instructions": .string(MCPServer.instructions(registry))])
    }

    /// The client's version when we speak it, else our newest (MCP version negotiation).
    static func negotiatedVersion(_ requested: String) -> String {
        Version.supported.contains(requested) ? requested : Version.latest
    }

    /// Elicitation needs the client to say it can ask its user (MCP capabilities).
    static func canElicit(_ initializeParams: JSON) -> Bool {
        let elicitation = initializeParams["capabilities"]?["elicitation"]
        return elicitation != nil && elicitation != .null
    }

    /// A session initialized on another replica continues here: what its
    /// initialize settled comes from the signed session id.
    func resume(clientCanElicit canElicit: Bool) {
        initialized.set(true)
        clientCanElicit.set(canElicit)
    }

    /// A surface method on a tool thread: its handler tools block, as every tool may.
    private func surfaceCall(_ id: JSON, _ method: String, _ params: JSON) {
        _ = ToolDispatcher.onToolThread(lane: dispatcher.lane) { [self, pipeline, surface] in
            let server = pipeline.environment.cluster
            if server.knownIdentity == nil { _ = await ToolInvoker.onOwnThread { server.identity } }
            switch await surface!.handle(method, params) {
            case .success(let result): reply(id, result)
            case .failure(let e): fail(id, e.code, e.message)
            }
        }
    }

    private func reply(_ id: JSON, _ result: JSON) {
        transport.writer.write(["jsonrpc": "2.0", "id": id, "result": result] as JSON)
        transport.settle(id)
    }

    private func fail(_ id: JSON, _ code: Int, _ message: String) {
        transport.writer.write(MessageScreen.errorReply(id: id, code: code, message))
        transport.settle(id)
    }

    /// A person's confirmation through elicitation/create, when the client can ask.
    private func elicitation() -> ToolInvoker.Elicit {
        { [questions, clientCanElicit] message in
            guard clientCanElicit.get() else { return nil }
            let schema: JSON = ["type": "object", "title": "Confirm", "description": .string(message),
                                "properties": ["confirm": ["type": "boolean", "title": "Proceed", "default": false]],
                                "required": ["confirm"]]
            // A client that can be asked but whose answer failed has not confirmed
            // (no fallback to a token the model would see).
            guard let answer = await questions.ask("elicitation/create",
                                                   ["message": .string(message), "requestedSchema": schema]) else {
                return false
            }
            return answer["action"]?.string == "accept" && answer["content"]?["confirm"] == .bool(true)
        }
    }

    /// Progress goes straight to the transport's writer from the tool's thread,
    /// so it is on the wire before the call's response. Always a percentage of
    /// `total` 100, rounded to hundredths (0.58 is 58, not 57.99999999999999),
    /// and never lower than the last one sent: an unknown fraction (negative)
    /// repeats the last known value, as MCP asks progress never to go back.
    /// `meta`: the notification's `_meta` (a task's related-task reference).
    static func progressSink(token: JSON?, writer: LineWriter, meta: JSON? = nil) -> (@Sendable (Double, String) -> Void)? {
        guard let token, token.string != nil || token.int != nil else { return nil }
        let last = LastProgress()
        return { fraction, message in
            let percent = last.advance(to: fraction >= 0 ? (min(fraction, 1) * 10_000).rounded() / 100 : nil)
            var params: JSON = ["progressToken": token, "progress": .double(percent), "total": .double(100)]
            if !message.isEmpty { params["message"] = .string(message) }
            params["_meta"] = meta
            writer.write(["jsonrpc": "2.0", "method": "notifications/progress", "params": params] as JSON)
        }
    }

    /// Once a client sets a level with logging/setLevel, log lines at or above it
    /// are also sent as notifications/message.
    private func installLogForwarding() {
        log.setSink { [self] in notifyLog($0, $1, $2) }
    }

    /// A log line as notifications/message, when the client asked for its level.
    func notifyLog(_ lvl: HostBase.LogLevel, _ source: String, _ message: String) {
        guard let minimum = notificationLevel.get(), lvl >= minimum else { return }
        transport.writer.write(["jsonrpc": "2.0", "method": "notifications/message",
                                "params": ["level": .string(lvl.name), "logger": .string(source), "data": .string(message)]] as JSON)
    }

    /// A tool as MCP lists it: annotations from risk and flags, and our
    /// category, risk and plugin in _meta.
    static func toolJSON(_ spec: ToolSpec, inputSchema: JSON, outputSchema: JSON?) -> JSON {
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
        if let outputSchema { tool["outputSchema"] = outputSchema }
        return tool
    }
}

/// The server's requests to the client (elicitation/create), in their own id
/// space ("kfmcp-N", never a number a client's request could be confused
/// with), each awaiting its response.
final class OutgoingRequests: @unchecked Sendable {
    private let writer: LineWriter
    private let lock = NSLock()
    private var next = 1
    private var waiting: [String: CheckedContinuation<JSON?, Never>] = [:]
    private var closed = false

    init(writer: LineWriter) { self.writer = writer }

    /// Sends a request; returns its result, or nil when the client answered
    /// with an error, the call was cancelled or the session ended.
    func ask(_ method: String, _ params: JSON) async -> JSON? {
        let id: String = lock.withLock {
            defer { next += 1 }
            return "kfmcp-\(next)"
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<JSON?, Never>) in
                let open = lock.withLock { () -> Bool in
                    guard !closed, !Task.isCancelled else { return false }
                    waiting[id] = c
                    return true
                }
                guard open else { return c.resume(returning: nil) }
                writer.write(["jsonrpc": "2.0", "id": .string(id), "method": .string(method), "params": params] as JSON)
            }
        } onCancel: {
            resume(id, nil)
        }
    }

    /// The client's response (result or error) to one of our requests.
    func answer(id: JSON, with response: JSON) {
        guard let key = id.string else { return }
        resume(key, response["error"] == nil ? response["result"] : nil)
    }

    func abandonAll() {
        let all = lock.withLock { () -> [CheckedContinuation<JSON?, Never>] in
            closed = true
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        all.forEach { $0.resume(returning: nil) }
    }

    private func resume(_ id: String, _ value: JSON?) {
        lock.withLock { waiting.removeValue(forKey: id) }?.resume(returning: value)
    }
}

/// The highest progress percentage a call has reported so far.
final class LastProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    /// The value to send: `percent` when it is known and not lower, else the last one.
    func advance(to percent: Double?) -> Double {
        lock.withLock {
            if let percent { value = max(value, percent) }
            return value
        }
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
    private var level: HostBase.LogLevel?
    func set(_ l: HostBase.LogLevel?) { lock.withLock { level = l } }
    func get() -> HostBase.LogLevel? { lock.withLock { level } }
}
