import FlyingSocks
import Foundation
import Glibc

/// A socket pool that closes connections that keep the server waiting to read:
/// a client that sends nothing for `seconds` while the server waits for its
/// request (headers trickled, a body that never comes, an idle keep-alive) is
/// shut down, so slow or abandoned connections cannot pile up. FlyingFox has
/// no read timeout of its own (its `timeout` bounds the handler only).
/// One sweeper checks the waits every second rather than a timer per read.
public final class ReadDeadlineSocketPool<Base: AsyncSocketPool>: AsyncSocketPool, @unchecked Sendable {
    let base: Base
    let seconds: TimeInterval
    private let lock = NSLock()
    /// File descriptor → when its current read wait began.
    private var waits: [Int32: UInt64] = [:]

    public init(base: Base, seconds: TimeInterval) {
        self.base = base
        self.seconds = seconds
    }

    public func prepare() async throws { try await base.prepare() }

    public func run() async throws {
        let sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                self?.shutOverdue()
            }
        }
        defer { sweeper.cancel() }
        try await base.run()
    }

    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        let fd = socket.file.rawValue
        guard events.contains(.read), !Self.isListening(fd) else { return try await base.suspendSocket(socket, untilReadyFor: events) }
        lock.withLock { waits[fd] = DispatchTime.now().uptimeNanoseconds }
        defer { lock.withLock { _ = waits.removeValue(forKey: fd) } }
        try await base.suspendSocket(socket, untilReadyFor: events)
    }

    /// The listening socket waits to read too (for connections): never closed.
    static func isListening(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting != 0
    }

    /// Shutting the socket down wakes its reader with end-of-file; the
    /// connection then closes itself. Under the lock, so the descriptor is
    /// still the waiting connection's (it cannot be closed mid-wait).
    private func shutOverdue() {
        let deadline = DispatchTime.now().uptimeNanoseconds &- UInt64(seconds * 1e9)
        lock.withLock {
            for (fd, since) in waits where since < deadline {
                _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
                waits.removeValue(forKey: fd)
            }
        }
    }
}
