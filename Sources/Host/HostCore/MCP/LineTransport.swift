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
/// It also does three things the server loop cannot:
///  - a line that is not JSON gets a JSON-RPC parse error (id null) at once,
///    and reading goes on;
///  - every message is written whole under one lock, so concurrent responses
///    and notifications never interleave;
///  - it tracks requests in flight, so that on EOF the host can wait until each
///    one has been answered (or cancelled) before it exits.
public actor LineTransport: Transport {
    public nonisolated let logger: Logger
    private let input: Int32
    nonisolated let writer: LineWriter
    private nonisolated let inFlight = InFlightRequests()
    private nonisolated let router = Router()
    private var continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation?
    private var stream: AsyncThrowingStream<Data, Swift.Error>?

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
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

    public func connect() async throws {
        let continuation = self.continuation!
        let fd = input
        let writer = self.writer
        let inFlight = self.inFlight
        let router = self.router
        let thread = Thread {
            LineTransport.readLoop(fd: fd, writer: writer, inFlight: inFlight, router: router, continuation: continuation)
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

    /// Resolves once stdin hit EOF and every request read has been answered.
    public nonisolated func waitUntilDrained() async {
        await inFlight.waitUntilDrained()
    }

    // MARK: Reading

    private static func readLoop(fd: Int32, writer: LineWriter, inFlight: InFlightRequests, router: Router,
                                 continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation) {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                handle(line: pending[start..<newline], writer: writer, inFlight: inFlight, router: router,
                       continuation: continuation)
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty {
            handle(line: pending[...], writer: writer, inFlight: inFlight, router: router, continuation: continuation)
        }
        inFlight.markEOF()
        continuation.finish()
    }

    private static func handle(line: ArraySlice<UInt8>, writer: LineWriter, inFlight: InFlightRequests, router: Router,
                               continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation) {
        var bytes = line
        while let last = bytes.last, last == 0x0D || last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard !bytes.isEmpty else { return }
        let message: JSON
        do {
            message = try JSON.parse(utf8: bytes)
        } catch {
            let reply: JSON = ["jsonrpc": "2.0", "id": .null,
                               "error": ["code": -32700, "message": .string("Parse error: \(error)")]]
            writer.write(Data(reply.serialized().utf8))
            return
        }
        inFlight.noteIncoming(message)
        if router.take(message) { return }
        continuation.yield(Data(bytes))
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
    private var ids = Set<String>()
    private var eof = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private static func key(_ id: JSON?) -> String? {
        guard let id, id != .null else { return nil }
        return id.serialized()
    }

    func noteIncoming(_ message: JSON) {
        if message["method"]?.string == "notifications/cancelled" {
            // A cancelled request gets no answer (MCP spec): stop waiting for it.
            if let key = Self.key(message["params"]?["requestId"]) { remove(key) }
            return
        }
        guard message["method"] != nil, let key = Self.key(message["id"]) else { return }
        lock.withLock { _ = ids.insert(key) }
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
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            ids.remove(key)
            return takeWaitersIfDrained()
        }
        ready.forEach { $0.resume() }
    }

    func markEOF() {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            eof = true
            return takeWaitersIfDrained()
        }
        ready.forEach { $0.resume() }
    }

    private func takeWaitersIfDrained() -> [CheckedContinuation<Void, Never>] {
        guard eof && ids.isEmpty else { return [] }
        defer { waiters.removeAll() }
        return waiters
    }

    func waitUntilDrained() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if eof && ids.isEmpty { return true }
                waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
