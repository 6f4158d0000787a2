import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// Where one HTTP session's server-to-client messages go (MCP Streamable HTTP):
///  - a response, to the SSE stream of the POST that carried its request, which
///    then ends;
///  - a progress notification, to the stream of the call that named its token;
///  - anything else the server starts (elicitation, log messages), to the newest
///    open tools/call stream — a tool's question belongs to a running call —
///    else to the GET stream.
/// Every event gets an id; the GET stream's are kept (the last 256), so a client
/// that lost it can resume with GET and `Last-Event-ID`. A request's stream is
/// not kept: a client that drops it abandons the call (it is cancelled).
final class SessionStreams: @unchecked Sendable {
    typealias Stream = AsyncThrowingStream<Data, Swift.Error>

    private struct Event {
        let id: Int
        let data: Data
    }

    private let lock = NSLock()
    /// Open POST streams by request id (serialized JSON).
    private var requests: [String: Stream.Continuation] = [:]
    /// Open tools/call requests, oldest first.
    private var calls: [String] = []
    /// Progress token (serialized) → the request that named it.
    private var progress: [String: String] = [:]
    /// tools/call request → told how it ended (for /metrics).
    private var finishers: [String: @Sendable (CallOutcome) -> Void] = [:]
    private var standalone: Stream.Continuation?
    private var history: [Event] = []
    private var nextEvent = 1
    private var closed = false
    static let standaloneName = "get"
    static let historyLimit = 256
    /// Called with a request's id when the client drops its POST stream before
    /// the response: the client abandoned the call (the official client cancels
    /// over HTTP by aborting the POST), so it is cancelled.
    var onAbandon: (@Sendable (JSON) -> Void)?

    /// A POST stream for a request; the request's response will end it.
    func open(request message: JSON, finished: (@Sendable (CallOutcome) -> Void)? = nil) -> Stream {
        let key = message["id"]?.serialized() ?? "null"
        let (stream, continuation) = Stream.makeStream()
        if let id = message["id"], let onAbandon {
            continuation.onTermination = { reason in
                if case .cancelled = reason { onAbandon(id) }
            }
        }
        lock.withLock {
            if closed {
                continuation.finish()
                finished?(.cancelled)  // told like any other ending, so what it holds is given back
                return
            }
            requests[key] = continuation
            if message["method"]?.string == "tools/call" {
                calls.append(key)
                if let finished { finishers[key] = finished }
                if let token = message["params"]?["_meta"]?["progressToken"] { progress[token.serialized()] = key }
            }
        }
        return stream
    }

    /// tools/call requests still running.
    var runningCalls: Int { lock.withLock { calls.count } }

    /// Their ids, to cancel them when the session ends.
    var runningCallIDs: [JSON] { lock.withLock { calls.compactMap { try? JSON.parse($0) } } }

    /// Whether any request is still unanswered (an idle session has none).
    var isBusy: Bool { lock.withLock { !requests.isEmpty } }

    /// The GET stream: new, or resumed after `lastEventID` (replaying what
    /// followed it). nil: a GET stream is open already, or the event id is unknown.
    func openStandalone(resumingAfter lastEventID: String?) -> Stream? {
        let (stream, continuation) = Stream.makeStream()
        let ok = lock.withLock { () -> Bool in
            if closed { return false }
            guard let lastEventID else {
                if standalone != nil { return false }
                standalone = continuation
                return true
            }
            guard let id = Int(lastEventID), let index = history.firstIndex(where: { $0.id == id }) else { return false }
            for event in history[(index + 1)...] { continuation.yield(Self.format(event)) }
            standalone?.finish()
            standalone = continuation
            return true
        }
        return ok ? stream : nil
    }

    /// Routes one server-to-client message (see the type's comment).
    func deliver(_ data: Data) {
        if let response = ResponseHead(data) {  // the common case, read without parsing the result
            return lock.withLock { respond(data, id: response.id, failed: response.failed) }
        }
        let message = (try? JSON.parse(utf8: data)) ?? .null
        lock.withLock {
            guard !closed else { return }
            if message["method"] == nil, let id = message["id"] {
                let failed = message["error"] != nil || message["result"]?["isError"]?.bool == true
                return respond(data, id: id, failed: failed)
            }
            if message["method"]?.string == "notifications/progress",
                let token = message["params"]?["progressToken"], let key = progress[token.serialized()]
            {
                return emit(data, to: key)
            }
            if let key = calls.last(where: { requests[$0] != nil }) { return emit(data, to: key) }
            emit(data, to: Self.standaloneName)
        }
    }

    /// A response ends its request's stream (the lock is held).
    private func respond(_ data: Data, id: JSON, failed: Bool) {
        guard !closed else { return }
        let key = id.serialized()
        emit(data, to: key)
        requests.removeValue(forKey: key)?.finish()
        calls.removeAll { $0 == key }
        finishers.removeValue(forKey: key)?(failed ? .error : .ok)
        if !progress.isEmpty { progress = progress.filter { $0.value != key } }
    }

    /// A request cancelled by the client gets no response: end its stream.
    func cancel(requestID: JSON) {
        let key = requestID.serialized()
        lock.withLock {
            requests.removeValue(forKey: key)?.finish()
            calls.removeAll { $0 == key }
            finishers.removeValue(forKey: key)?(.cancelled)
            progress = progress.filter { $0.value != key }
        }
    }

    /// Ends every stream (session deleted or expired).
    func closeAll() {
        lock.withLock {
            closed = true
            requests.values.forEach { $0.finish() }
            requests.removeAll()
            calls.removeAll()
            finishers.values.forEach { $0(.cancelled) }
            finishers.removeAll()
            standalone?.finish()
            standalone = nil
            history.removeAll()
        }
    }

    /// Under the lock.
    private func emit(_ data: Data, to stream: String) {
        let event = Event(id: nextEvent, data: data)
        nextEvent += 1
        guard stream == Self.standaloneName else {
            requests[stream]?.yield(Self.format(event))
            return
        }
        history.append(event)
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        standalone?.yield(Self.format(event))
    }

    /// One SSE event; a JSON text has no raw newline, but each line gets `data:` anyway.
    private static func format(_ event: Event) -> Data {
        var text = "id: \(event.id)\nevent: message\n"
        for line in String(decoding: event.data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        return Data((text + "\n").utf8)
    }
}
