import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

#if canImport(Glibc)
import Glibc
#endif

/// MCP stdio transport: newline-delimited JSON-RPC on two file descriptors.
///
/// A reader (LineReader, on a tool thread) blocks in read(2) and handles each
/// line at once (the SDK's StdioTransport polled a non-blocking stdin and slept
/// 10 ms whenever no data was there); a line that starts a call is run by the
/// thread that read it, and the reading goes on on another (HandOver). It also:
///  - answers a line that is not JSON with a JSON-RPC parse error (id null) at
///    once, and reads on; every parsed message passes the MessageScreen (ids,
///    batches, requests before initialize) before anyone acts on it;
///  - answers and skips a line longer than `maxLineBytes` as it streams in, so
///    memory stays bounded whatever the client sends;
///  - writes every message whole under one lock, so concurrent responses and
///    notifications never interleave;
///  - tracks requests in flight (settled by whoever answers them), so that on
///    EOF the host can wait until each one has been answered (or cancelled).
public final class LineTransport: MessageTransport, @unchecked Sendable {
    private let input: Int32
    private let maxLineBytes: Int
    let writer: LineWriter
    private let inFlight = InFlightRequests()
    private let router = Router()
    private let screen = MessageScreen()

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, maxLineBytes: Int = defaultMaxLineBytes) {
        self.input = input
        self.maxLineBytes = maxLineBytes
        self.writer = LineWriter(fd: output)
    }

    func route(_ handler: @escaping @Sendable (JSON) -> Void) { router.set(handler) }

    func settle(_ id: JSON) { inFlight.settle(id) }

    /// Requests read and not answered yet.
    func unanswered() -> [JSON] { inFlight.pending() }

    func start() {
        let reader = LineReader(fd: input, limit: maxLineBytes, writer: writer, inFlight: inFlight, router: router,
                                screen: screen)
        // On a tool thread: the reader runs the calls it reads and hands the reading on (HandOver).
        ToolThreads.shared.run { reader.run() }
    }

    /// Resolves once stdin hit EOF and then every request read has been
    /// answered, or `grace` after EOF; returns the ids still unanswered.
    public func waitUntilDrained(grace: Duration) async -> [JSON] {
        await inFlight.waitForEOF()
        return await inFlight.waitUntilDrained(grace: grace)
    }

    // MARK: Reading

    /// Lines longer than `maxLineBytes` are answered with an error and skipped,
    /// never buffered whole.
    public static let defaultMaxLineBytes = 4 << 20

    static func tooLong(_ limit: Int) -> JSON {
        MessageScreen.errorReply(id: .null, code: -32600,
                                 "Invalid request: a line longer than \(limit) bytes was dropped (the server's --max-line-bytes)")
    }

    static func handle(line: ArraySlice<UInt8>, writer: LineWriter, inFlight: InFlightRequests, router: Router,
                               screen: MessageScreen) {
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
        router.pass(message)
    }
}

/// Reads newline-delimited messages from an fd, one thread at a time: the
/// thread reading gives way when a line started a call (see HandOver), and
/// another tool thread goes on from the same state.
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private let limit: Int
    private let writer: LineWriter
    private let inFlight: InFlightRequests
    private let router: Router
    private let screen: MessageScreen
    private var pending = [UInt8]()
    private var lineStart = 0    // `pending` before this was handled already
    private var scanned = 0      // bytes after `lineStart` known to hold no newline
    private var skipping = false // inside an over-long line: drop bytes up to its newline
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(fd: Int32, limit: Int, writer: LineWriter, inFlight: InFlightRequests, router: Router, screen: MessageScreen) {
        (self.fd, self.limit, self.writer, self.inFlight, self.router, self.screen) = (fd, limit, writer, inFlight, router, screen)
    }

    /// Reads and handles lines until EOF, or until a line started a call: then
    /// the rest is read on another thread and this one runs the call.
    func run() {
        while true {
            while let newline = pending[(lineStart + scanned)...].firstIndex(of: 0x0A) {
                let line = pending[lineStart..<newline]
                lineStart = newline + 1
                scanned = 0
                if line.count > limit {  // whole in one read, still too long: the same answer
                    writer.write(LineTransport.tooLong(limit))
                    continue
                }
                let started = HandOver.capturing {
                    LineTransport.handle(line: line, writer: writer, inFlight: inFlight, router: router, screen: screen)
                }
                guard let started else { continue }
                if ToolThreads.shared.runIfFree({ [self] in run() }) {
                    started()  // from here on, this thread no longer touches the reader's state
                    return
                }
                ToolThreads.shared.run(started)  // every thread busy: queue the call, read on
            }
            pending.removeFirst(lineStart)
            lineStart = 0
            scanned = pending.count
            if pending.count > limit {
                // Answer now; the rest of the line is read and dropped as it comes.
                writer.write(LineTransport.tooLong(limit))
                pending = []
                scanned = 0
                skipping = true
            }
            guard readMore() else { break }
        }
        if !pending.isEmpty && !skipping {
            LineTransport.handle(line: pending[...], writer: writer, inFlight: inFlight, router: router, screen: screen)
        }
        inFlight.markEOF()
    }

    /// Appends what one read(2) returns to `pending`; false at EOF or on an error.
    private func readMore() -> Bool {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            var chunk = buffer[0..<n]
            if skipping {
                guard let newline = chunk.firstIndex(of: 0x0A) else { continue }
                skipping = false
                chunk = chunk[(newline + 1)...]
            }
            pending.append(contentsOf: chunk)
            return true
        }
    }
}

/// Where a transport hands the messages it read (the session's MCPServer).
final class Router: @unchecked Sendable {
    private let lock = NSLock()
    private var handler: (@Sendable (JSON) -> Void)?
    func set(_ h: @escaping @Sendable (JSON) -> Void) { lock.withLock { handler = h } }
    func pass(_ message: JSON) { (lock.withLock { handler })?(message) }
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
