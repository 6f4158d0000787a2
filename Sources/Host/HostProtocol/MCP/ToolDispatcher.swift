import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// Answers `tools/list` and `tools/call` for the MCPServer; each result is
/// serialized once (KFJSON).
///
/// Every call is answered exactly once: by its result, by its deadline, or by
/// `abandonAll` at exit — whichever removes its entry from `running` first.
/// Transport-independent: it writes through `writer` and reports answered ids
/// through `settle`.
final class ToolDispatcher: @unchecked Sendable {
    let invoker: ToolInvoker
    let writer: LineWriter
    let elicit: ToolInvoker.Elicit?
    let limits: ServerLimits
    /// Settles a request id in the transport's in-flight set once answered.
    let settle: @Sendable (JSON) -> Void
    /// Whose calls these are: their queue lane on the tool threads (fair share across users, see ToolThreads).
    let lane: String
    private let lock = NSLock()
    private var running: [String: Running] = [:]
    /// The tools/list result (the policy is fixed for a session), shared with sessions of the same view.
    private var listing: Data?

    private struct Running {
        var id: JSON
        var tool: String
        var work: Task<Void, Never>?
        var timer: Deadlines.Deadline?
    }

    init(invoker: ToolInvoker, writer: LineWriter, elicit: ToolInvoker.Elicit?, limits: ServerLimits = .init(),
         settle: @escaping @Sendable (JSON) -> Void) {
        self.invoker = invoker
        self.writer = writer
        self.elicit = elicit
        self.limits = limits
        self.settle = settle
        self.lane = invoker.user ?? ""
    }

    /// tools/list, spliced from the cached bytes: 35 KB is not worth serializing per call.
    func list(id: JSON) {
        let result = toolsList()
        var line = Data()
        line.reserveCapacity(result.count + 64)
        line.append(contentsOf: #"{"id":"#.utf8)
        var idBytes: [UInt8] = []
        id.serialize(into: &idBytes)
        line.append(contentsOf: idBytes)
        line.append(contentsOf: #","jsonrpc":"2.0","result":"#.utf8)
        line.append(result)
        line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])  // the newline here: the writer adding it would copy the message
        writer.write(line)
        settle(id)
    }

    /// notifications/cancelled: a cancelled call gets no response (MCP cancellation).
    func cancel(_ id: JSON) {
        guard let entry = claim(id.serialized()) else { return }
        entry.timer?.cancel()
        entry.work?.cancel()
        settle(id)
    }

    func call(id: JSON, params: JSON) {
        guard let name = params["name"]?.string else {
            return fail(id: id, code: -32602, "tools/call needs params.name (the tool to call)")
        }
        if let arguments = params["arguments"], arguments.object == nil, arguments != .null {
            return fail(id: id, code: -32602, "tools/call params.arguments must be an object")
        }
        let key = id.serialized()
        let duplicate = lock.withLock { () -> Bool in
            if running[key] != nil { return true }
            running[key] = Running(id: id, tool: name)
            return false
        }
        if duplicate {
            // Not settled: the id still belongs to the running call.
            writer.write(MessageScreen.errorReply(id: id, code: -32600, "Invalid request: id \(key) is already in use by a running call"))
            return
        }

        let progress = MCPServer.progressSink(token: params["_meta"]?["progressToken"], writer: writer)
        let entry = invoker.registry.tools[name]
        let deadline = limits.deadline(for: entry?.spec, arguments: params["arguments"])
        let work = Self.onToolThread(lane: lane) { [self, invoker, elicit] in
            // The first calls look up who we are (a blocking API request): on a
            // tool thread, never on Swift's cooperative pool, which an embedded
            // simulator needs to answer that very request.
            let server = invoker.environment.cluster
            if server.knownIdentity == nil { _ = await ToolInvoker.onOwnThread { server.identity } }
            let result = await invoker.call(name: name, arguments: params["arguments"], progress: progress, elicit: elicit)
            if let mine = claim(key) {
                mine.timer?.cancel()
                respond(id: id, result: result)
            }
        }
        let timer = Deadlines.shared.after(deadline) { [weak self] in
            guard let self, let mine = claim(key) else { return }
            mine.work?.cancel()  // the plugin sees is_cancelled; an out-of-process one is stopped
            let plugin = entry.map { " of plugin '\($0.plugin.id)'" } ?? ""
            let seconds = deadline.components.seconds
            invoker.log.warning("\(name)\(plugin) passed its \(seconds) s deadline; answered with an error", source: "dispatch")
            respond(id: id, result: ToolInvoker.error(
                "Tool '\(name)'\(plugin) did not finish within its \(seconds) s deadline and was cancelled. "
                    + "Try again with a smaller request, or a shorter timeout_seconds where the tool takes one."))
        }
        let finished = lock.withLock { () -> Bool in
            guard running[key] != nil else { return true }
            running[key]?.work = work
            running[key]?.timer = timer
            return false
        }
        if finished { timer.cancel() }  // answered before it was registered
    }

    /// A task on the tool threads, queued in the caller's lane (see ToolThreads: TaskExecutor).
    static func onToolThread(lane: String = "", _ body: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        if #available(macOS 15.0, *) {
            let executor: any TaskExecutor = lane.isEmpty ? ToolThreads.shared : ToolThreads.shared.lane(lane)
            return Task(executorPreference: executor, operation: body)
        }
        return Task(operation: body)
    }

    /// At exit: answer every call still running with an error, and cancel it.
    func abandonAll(reason: String) {
        let entries = lock.withLock { () -> [Running] in
            defer { running.removeAll() }
            return Array(running.values)
        }
        for entry in entries {
            entry.timer?.cancel()
            entry.work?.cancel()
            let plugin = invoker.registry.tools[entry.tool].map { " of plugin '\($0.plugin.id)'" } ?? ""
            respond(id: entry.id, result: ToolInvoker.error("Tool '\(entry.tool)'\(plugin) \(reason)"))
        }
    }

    /// Removes and returns a call's entry: whoever gets it answers the call.
    private func claim(_ key: String) -> Running? {
        lock.withLock { running.removeValue(forKey: key) }
    }

    /// The response, assembled in one buffer: the result is not printed twice.
    private func respond(id: JSON, result: ToolCallResult) {
        var line: [UInt8] = []
        line.reserveCapacity(512 + 2 * result.text.utf8.count)
        line.append(contentsOf: #"{"id":"#.utf8)
        id.serialize(into: &line)
        line.append(contentsOf: #","jsonrpc":"2.0","result":"#.utf8)
        result.write(to: &line)
        line.append(contentsOf: "}\n".utf8)  // the newline here: the writer adding it would copy the message
        writer.write(Data(line))
        settle(id)
    }

    private func fail(id: JSON, code: Int, _ message: String) {
        writer.write(MessageScreen.errorReply(id: id, code: code, message))
        settle(id)
    }

    /// A plugin reload changed the tools: the next tools/list is built again.
    func forgetListing() { lock.withLock { listing = nil } }

    /// The tools this user may see, serialized once per view (ToolListings).
    private func toolsList() -> Data {
        if let listing = lock.withLock({ listing }) { return listing }
        let built = ToolListings.shared.result(for: invoker, tools: invoker.registry.orderedTools)
        lock.withLock { listing = built }
        return built
    }
}
