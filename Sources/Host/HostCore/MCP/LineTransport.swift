import Foundation
import KFJSON
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#endif

/// MCP stdio transport: newline-delimited JSON-RPC on two file descriptors.
///
/// Why not the SDK's StdioTransport: it polls a non-blocking stdin and sleeps
/// 10 ms whenever no data is there, which adds ~10 ms to every call. Here a
/// reader thread blocks in read(2) and hands each line over at once.
///
/// It also does what the server loop cannot:
///  - a line that is not JSON gets a JSON-RPC parse error (id null) at once,
///    and reading goes on; every parsed message passes the MessageScreen
///    (ids, batches, requests before initialize) before anyone acts on it;
///  - a line longer than `maxLineBytes` is answered and skipped as it streams
///    in, so memory stays bounded whatever the client sends;
///  - every message is written whole under one lock, so concurrent responses
///    and notifications never interleave;
///  - it tracks requests in flight, so that on EOF the host can wait until each
///    one has been answered (or cancelled) before it exits.
public actor LineTransport: Transport {
    public nonisolated let logger: Logger
    private let input: Int32
    private let maxLineBytes: Int
    nonisolated let writer: LineWriter
    private nonisolated let inFlight = InFlightRequests()
    private nonisolated let router = Router()
    private nonisolated let screen = MessageScreen()
    private var continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation?
    private var stream: AsyncThrowingStream<Data, Swift.Error>?

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, maxLineBytes: Int = defaultMaxLineBytes) {
        self.input = input
        self.maxLineBytes = maxLineBytes
        self.writer = LineWriter(fd: output)
        self.logger = Logger(label: "kubeflow-mcp.transport", factory: { _ in SwiftLogNoOpLogHandler() })
        var c: AsyncThrowingStream<Data, Swift.Error>.Continuation!
        self.stream = AsyncThrowingStream { c = $0 }
        self.continuation = c
    }

    /// Messages `taker` takes (returns true for) are not passed to the SDK;
    /// whoever takes one answers it and calls `settle`. Set before connect().
    nonisolated func route(_ taker: @escaping @Sendable (JSON) -> Bool) { router.set(taker) }

    /// A request answered outside the SDK (or cancelled) no longer holds up exit.
    nonisolated func settle(_ id: JSON) { inFlight.settle(id) }

    /// Requests read and not answered yet.
    nonisolated func unanswered() -> [JSON] { inFlight.pending() }

    public func connect() async throws {
        let continuation = self.continuation!
        let fd = input
        let writer = self.writer
        let inFlight = self.inFlight
        let router = self.router
        let screen = self.screen
        let limit = maxLineBytes
        let thread = Thread {
            LineTransport.readLoop(fd: fd, limit: limit, writer: writer, inFlight: inFlight, router: router, screen: screen,
                                   continuation: continuation)
        }
        thread.name = "mcp-stdin"
        thread.start()
    }

    public func disconnect() async {
        continuation?.finish()
    }

    public func send(_ data: Data) async throws {
        inFlight.noteOutgoing(data)
        writer.write(data)
    }

    public func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream! }

    /// Resolves once stdin hit EOF and then every request read has been
    /// answered, or `grace` after EOF; returns the ids still unanswered.
    public nonisolated func waitUntilDrained(grace: Duration) async -> [JSON] {
        await inFlight.waitForEOF()
        return await inFlight.waitUntilDrained(grace: grace)
    }

    // MARK: Reading

    /// Lines longer than `maxLineBytes` are answered with an error and skipped,
    /// never buffered whole.
    public static let defaultMaxLineBytes = 4 << 20

    private static func readLoop(fd: Int32, limit: Int, writer: LineWriter, inFlight: InFlightRequests, router: Router,
                                 screen: MessageScreen,
                                 continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation) {
        var pending = [UInt8]()
        var scanned = 0        // bytes of `pending` known to hold no newline
        var skipping = false   // inside an over-long line: drop bytes up to its newline
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            var chunk = buffer[0..<n]
            if skipping {
                guard let newline = chunk.firstIndex(of: 0x0A) else { continue }
                skipping = false
                chunk = chunk[(newline + 1)...]
            }
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[(start + scanned)...].firstIndex(of: 0x0A) {
                if newline - start > limit {  // whole in one read, still too long: the same answer
                    writer.write(tooLong(limit))
                } else {
                    handle(line: pending[start..<newline], writer: writer, inFlight: inFlight, router: router,
                           screen: screen, continuation: continuation)
                }
                start = newline + 1
                scanned = 0
            }
            pending.removeFirst(start)
            scanned = pending.count
            if pending.count > limit {
                // Answer now; the rest of the line is read and dropped as it comes.
                writer.write(tooLong(limit))
                pending = []
                scanned = 0
                skipping = true
            }
        }
        if !pending.isEmpty && !skipping {
            handle(line: pending[...], writer: writer, inFlight: inFlight, router: router, screen: screen,
                   continuation: continuation)
        }
        inFlight.markEOF()
        continuation.finish()
    }

    private static func tooLong(_ limit: Int) -> JSON {
        MessageScreen.errorReply(id: .null, code: -32600,
                                 "Invalid request: a line longer than \(limit) bytes was dropped (the server's --max-line-bytes)")
    }

    private static func handle(line: ArraySlice<UInt8>, writer: LineWriter, inFlight: InFlightRequests, router: Router,
                               screen: MessageScreen,
                               continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation) {
        var bytes = line
        while let last = bytes.last, last == 0x0D || last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard !bytes.isEmpty else { return }
        let parsed: JSON
        do {
            parsed = try JSON.parse(utf8: bytes)
        } catch {
            writer.write(MessageScreen.parseError("\(error)"))
            return
        }
        let message: JSON
        switch screen.screen(parsed) {
        case .drop: return
        case .reject(let reply):
            writer.write(reply)
            return
        case .pass(let m): message = m
        }
        inFlight.noteIncoming(message)
        if router.take(message) { return }
        // The SDK decodes with Foundation, which rejects what our parser
        // tolerates (invalid UTF-8 is replaced): hand it our own serialization.
        continuation.yield(Data(message.serialized().utf8))
    }
}

/// Where the reader thread sends the messages answered outside the SDK.
final class Router: @unchecked Sendable {
    private let lock = NSLock()
    private var taker: (@Sendable (JSON) -> Bool)?
    func set(_ t: @escaping @Sendable (JSON) -> Bool) { lock.withLock { taker = t } }
    func take(_ message: JSON) -> Bool { (lock.withLock { taker })?(message) ?? false }
}

/// Whole-message writes to one fd, one writer at a time.
final class LineWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    /// Where messages go instead of the fd (an HTTP session routes each to its stream).
    private let sink: (@Sendable (Data) -> Void)?
    init(fd: Int32) {
        self.fd = fd
        self.sink = nil
    }

    init(sink: @escaping @Sendable (Data) -> Void) {
        self.fd = -1
        self.sink = sink
    }

    func write(_ data: Data) {
        if let sink { return lock.withLock { sink(data) } }
        var message = data
        if message.last != 0x0A { message.append(0x0A) }
        lock.withLock {
            message.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return }  // the client is gone; nothing to do
                    offset += n
                }
            }
        }
    }

    func write(_ json: JSON) { write(Data(json.serialized().utf8)) }
}

/// Which client requests still await an answer.
final class InFlightRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: JSON] = [:]
    private var eof = false
    private var eofWaiters: [CheckedContinuation<Void, Never>] = []
    private var drainWaiters: [Once] = []

    private static func key(_ id: JSON?) -> String? {
        guard let id, MessageScreen.isValidID(id) else { return nil }
        return id.serialized()
    }

    func noteIncoming(_ message: JSON) {
        if message["method"]?.string == "notifications/cancelled" {
            // A cancelled request gets no answer (MCP spec): stop waiting for it.
            if let key = Self.key(message["params"]?["requestId"]) { remove(key) }
            return
        }
        guard message["method"] != nil, let id = message["id"], let key = Self.key(id) else { return }
        lock.withLock { ids[key] = id }
    }

    func noteOutgoing(_ data: Data) {
        // Only responses (result or error) settle a request. The SDK writes keys
        // sorted, so a response usually starts {"id":<id>,"jsonrpc":"2.0","result"
        // and the id is read without parsing a large result; anything else is parsed.
        if let key = Self.responseIDFromPrefix(data) {
            remove(key)
            return
        }
        guard let message = try? JSON.parse(utf8: data), message["method"] == nil,
            let key = Self.key(message["id"])
        else { return }
        remove(key)
    }

    /// The id of a `{"id":<id>,"jsonrpc":"2.0","result"` message; nil when the
    /// message has another shape (then the caller parses it).
    static func responseIDFromPrefix(_ data: Data) -> String? {
        let head = data.prefix(96)
        let open = Array("{\"id\":".utf8)
        guard head.starts(with: open) else { return nil }
        let rest = head.dropFirst(open.count)
        guard let comma = rest.firstIndex(of: UInt8(ascii: ",")) else { return nil }
        let tail = Array("\"jsonrpc\":\"2.0\",\"result\"".utf8)
        guard head[(comma + 1)...].starts(with: tail) else { return nil }
        let idText = String(decoding: rest[rest.startIndex..<comma], as: UTF8.self)
        return (try? JSON.parse(idText)).flatMap(key)
    }

    func settle(_ id: JSON) {
        if let key = Self.key(id) { remove(key) }
    }

    private func remove(_ key: String) {
        let ready = lock.withLock { () -> [Once] in
            ids.removeValue(forKey: key)
            return takeDrainWaitersIfDrained()
        }
        ready.forEach { $0.fire() }
    }

    func markEOF() {
        let (eofReady, drained) = lock.withLock { () -> ([CheckedContinuation<Void, Never>], [Once]) in
            eof = true
            defer { eofWaiters.removeAll() }
            return (eofWaiters, takeDrainWaitersIfDrained())
        }
        eofReady.forEach { $0.resume() }
        drained.forEach { $0.fire() }
    }

    private func takeDrainWaitersIfDrained() -> [Once] {
        guard eof && ids.isEmpty else { return [] }
        defer { drainWaiters.removeAll() }
        return drainWaiters
    }

    func pending() -> [JSON] { lock.withLock { Array(ids.values) } }

    func waitForEOF() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if eof { return true }
                eofWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Waits until every request is answered or `grace` passed; returns the
    /// ids still unanswered.
    func waitUntilDrained(grace: Duration) async -> [JSON] {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let once = Once { c.resume() }
            let now = lock.withLock { () -> Bool in
                if eof && ids.isEmpty { return true }
                drainWaiters.append(once)
                return false
            }
            if now { return once.fire() }
            Task.detached {
                try? await Task.sleep(for: grace)
                once.fire()
            }
        }
        return lock.withLock { Array(ids.values) }
    }
}

/// A callback that runs at most once, whoever fires it first.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var action: (@Sendable () -> Void)?
    init(_ action: @escaping @Sendable () -> Void) { self.action = action }
    func fire() {
        let a = lock.withLock { () -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        a?()
    }
}
