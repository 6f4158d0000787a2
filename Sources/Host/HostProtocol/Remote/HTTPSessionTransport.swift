import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// One Streamable HTTP session as an MCP transport: what POSTs carry goes to
/// the session's MCPServer; what the server sends is routed to the session's
/// SSE streams.
final class HTTPSessionTransport: MessageTransport, @unchecked Sendable {
    let streams = SessionStreams()
    /// Every message passes it before the server sees it.
    let screen = MessageScreen()
    let writer: LineWriter
    private let router = Router()

    init() {
        writer = LineWriter(sink: { [streams] in streams.deliver($0) })
        streams.onAbandon = { [weak self] id in self?.cancel(id, reason: "the client closed the request's stream") }
    }

    private func cancel(_ id: JSON, reason: String) {
        notify(["jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": ["requestId": id, "reason": .string(reason)]])
    }

    func route(_ handler: @escaping @Sendable (JSON) -> Void) { router.set(handler) }
    /// Each request's stream ends with its response: nothing to track here.
    func settle(_ id: JSON) {}
    func start() {}

    /// A client request: its answer (and what relates to it) arrives on the returned SSE stream.
    func request(_ message: JSON, finished: (@Sendable (CallOutcome) -> Void)? = nil) -> SessionStreams.Stream {
        let stream = streams.open(request: message, finished: finished)
        router.pass(message)
        return stream
    }

    /// A client notification or response (to an elicitation): nothing comes back on its POST.
    func notify(_ message: JSON) {
        if message["method"]?.string == "notifications/cancelled", let id = message["params"]?["requestId"] {
            streams.cancel(requestID: id)
        }
        router.pass(message)
    }

    /// The session ended (DELETE, idle expiry, shutdown): its running calls are cancelled.
    func close() {
        for id in streams.runningCallIDs { cancel(id, reason: "the session ended") }
        streams.closeAll()
    }
}
