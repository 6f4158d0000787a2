import Foundation
import KFJSON

/// Answers `tools/list` and `tools/call` straight from the transport; the SDK's
/// Server answers everything else (initialize, ping, logging, elicitation).
///
/// Why not through the SDK's handlers: its generic response path encodes each
/// result, decodes it into a Value and encodes it again with JSONEncoder —
/// measured 31 ms for our 35 KB tools/list and ~0.4 ms per small tools/call,
/// the whole latency budget. Here the result is serialized once (KFJSON).
final class ToolDispatcher: @unchecked Sendable {
    let runtime: HostRuntime
    let invoker: ToolInvoker
    let writer: LineWriter
    let elicit: ToolInvoker.Elicit?
    /// Settles a request id in the transport's in-flight set once answered.
    let settle: @Sendable (JSON) -> Void
    private let lock = NSLock()
    private var running: [String: Task<Void, Never>] = [:]
    /// The serialized tools/list result (the policy is fixed once serving).
    private var listing: String?

    init(runtime: HostRuntime, writer: LineWriter, elicit: ToolInvoker.Elicit?, settle: @escaping @Sendable (JSON) -> Void,
         caller: Caller? = nil) {
        self.runtime = runtime
        self.invoker = ToolInvoker(runtime: runtime, caller: caller)
        self.writer = writer
        self.elicit = elicit
        self.settle = settle
    }

    /// Takes the message if it is one of ours; false leaves it to the SDK.
    func take(_ message: JSON) -> Bool {
        switch message["method"]?.string {
        case "tools/list":
            guard let id = message["id"] else { return false }
            // Spliced from the cached text: 35 KB is not worth serializing per call.
            writer.write(Data("{\"id\":\(id.serialized()),\"jsonrpc\":\"2.0\",\"result\":\(toolsList())}".utf8))
            settle(id)
            return true
        case "tools/call":
            guard let id = message["id"] else { return false }
            call(id: id, params: message["params"] ?? [:])
            return true
        case "notifications/cancelled":
            if let id = message["params"]?["requestId"] {
                let task = lock.withLock { running.removeValue(forKey: id.serialized()) }
                task?.cancel()
            }
            return false  // the SDK sees it too, for requests it runs
        default:
            return false
        }
    }

    private func call(id: JSON, params: JSON) {
        guard let name = params["name"]?.string else {
            return fail(id: id, code: -32602, "tools/call needs params.name (the tool to call)")
        }
        if let arguments = params["arguments"], arguments.object == nil, arguments != .null {
            return fail(id: id, code: -32602, "tools/call params.arguments must be an object")
        }
        let progress = MCPServer.progressSink(token: params["_meta"]?["progressToken"], writer: writer)
        let key = id.serialized()
        // Registered under the lock before the task can finish, so a fast call
        // always finds (and removes) its own entry.
        lock.withLock {
            running[key] = Task { [invoker, elicit] in
                let result = await invoker.call(name: name, arguments: params["arguments"], progress: progress, elicit: elicit)
                lock.withLock { _ = running.removeValue(forKey: key) }
                // A cancelled request gets no response (MCP cancellation).
                if Task.isCancelled { settle(id) } else { respond(id: id, result: result) }
            }
        }
    }

    private func respond(id: JSON, result: JSON) {
        writer.write(["jsonrpc": "2.0", "id": id, "result": result] as JSON)
        settle(id)
    }

    private func fail(id: JSON, code: Int, _ message: String) {
        writer.write(["jsonrpc": "2.0", "id": id, "error": ["code": .int(code), "message": .string(message)]] as JSON)
        settle(id)
    }

    /// The tools this user may see, serialized once.
    private func toolsList() -> String {
        lock.withLock {
            if let listing { return listing }
            let tools = runtime.registry.orderedTools.filter(invoker.policy.allows).map { spec in
                MCPServer.toolJSON(spec, inputSchema: invoker.listedSchema(spec))
            }
            let built = (["tools": .array(tools)] as JSON).serialized()
            listing = built
            return built
        }
    }
}
