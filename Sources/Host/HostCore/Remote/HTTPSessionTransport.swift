import Foundation
import KFJSON
import Logging
import MCP

/// One Streamable HTTP session as an MCP transport: what POSTs carry goes to
/// the ToolDispatcher (tools/list, tools/call) or the SDK's Server (the rest);
/// what the server sends is routed to the session's SSE streams.
actor HTTPSessionTransport: DispatchingTransport {
    nonisolated let logger = Logger(label: "kubeflow-mcp.http", factory: { _ in SwiftLogNoOpLogHandler() })
    nonisolated let streams = SessionStreams()
    nonisolated let writer: LineWriter
    private nonisolated let router = Router()
    private nonisolated let incoming: AsyncThrowingStream<Data, Swift.Error>
    private nonisolated let incomingContinuation: AsyncThrowingStream<Data, Swift.Error>.Continuation

    init() {
        writer = LineWriter(sink: { [streams] in streams.deliver($0) })
        (incoming, incomingContinuation) = AsyncThrowingStream<Data, Swift.Error>.makeStream()
        streams.onAbandon = { [weak self] id in self?.cancel(id, reason: "the client closed the request's stream") }
    }

    private nonisolated func cancel(_ id: JSON, reason: String) {
        let cancel: JSON = ["jsonrpc": "2.0", "method": "notifications/cancelled",
                            "params": ["requestId": id, "reason": .string(reason)]]
        notify(cancel, raw: Data(cancel.serialized().utf8))
    }

    nonisolated func route(_ taker: @escaping @Sendable (JSON) -> Bool) { router.set(taker) }
    nonisolated func settle(_ id: JSON) {}

    func connect() async throws {}

    func disconnect() async { close() }

    func send(_ data: Data) async throws { writer.write(data) }

    func receive() -> AsyncThrowingStream<Data, Swift.Error> { incoming }

    /// A client request: its answer (and what relates to it) arrives on the returned SSE stream.
    nonisolated func request(_ message: JSON, raw: Data) -> SessionStreams.Stream {
        let stream = streams.open(request: message)
        pass(message, raw: raw)
        return stream
    }

    /// A client notification or response (to an elicitation): nothing comes back on its POST.
    nonisolated func notify(_ message: JSON, raw: Data) {
        if message["method"]?.string == "notifications/cancelled", let id = message["params"]?["requestId"] {
            streams.cancel(requestID: id)
        }
        pass(message, raw: raw)
    }

    private nonisolated func pass(_ message: JSON, raw: Data) {
        if router.take(message) { return }
        incomingContinuation.yield(raw)
    }

    /// The session ended (DELETE, idle expiry, shutdown): its running calls are cancelled.
    nonisolated func close() {
        for id in streams.runningCallIDs { cancel(id, reason: "the session ended") }
        streams.closeAll()
        incomingContinuation.finish()
    }
}
