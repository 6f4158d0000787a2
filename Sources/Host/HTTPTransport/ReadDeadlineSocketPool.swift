import FlyingFox
import FlyingSocks
import Foundation
import Glibc

/// A socket pool that closes connections that keep the server waiting for a
/// request: from the first wait after the last answered request, a client has
/// `seconds` to deliver the next request's headers and body (an idle
/// keep-alive counts as waiting). Trickling headers a byte at a time or never
/// finishing a body ends in a closed connection, not one held open for an hour.
/// FlyingFox has no read timeout of its own (its `timeout` bounds the handler
/// only). A response streaming out is not waiting: a long call is unaffected.
/// One sweeper checks every second rather than a timer per read.
public final class ReadDeadlineSocketPool<Base: AsyncSocketPool>: AsyncSocketPool, @unchecked Sendable {
    let base: Base
    let seconds: TimeInterval

    private struct Connection {
        let peer: HTTPRequest.Address?
        /// When it began waiting for its next request; nil: a request was just answered.
        var since: UInt64?
    }

    private let lock = NSLock()
    private var connections: [Int32: Connection] = [:]
    private var byPeer: [HTTPRequest.Address: Int32] = [:]
    /// Descriptors suspended for reading now.
    private var waiting: Set<Int32> = []

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
        let peer = (try? socket.remotePeer()).map(HTTPRequest.Address.make)
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock {
            // A descriptor is reused once its connection closed: a new peer is a new connection.
            if let known = connections[fd], known.peer == peer {
                if known.since == nil { connections[fd]?.since = now }
            } else {
                if let old = connections[fd]?.peer { byPeer.removeValue(forKey: old) }
                connections[fd] = Connection(peer: peer, since: now)
                if let peer { byPeer[peer] = fd }
            }
            waiting.insert(fd)
        }
        defer { lock.withLock { _ = waiting.remove(fd) } }
        try await base.suspendSocket(socket, untilReadyFor: events)
    }

    /// A request from `peer` was read and answered: its connection's next wait starts a new deadline.
    public func served(_ peer: HTTPRequest.Address?) {
        guard let peer else { return }
        lock.withLock {
            if let fd = byPeer[peer] { connections[fd]?.since = nil }
        }
    }

    /// The listening socket waits to read too (for connections): never closed.
    static func isListening(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting != 0
    }

    /// Shutting the socket down wakes its reader with end-of-file; the
    /// connection then closes itself. Under the lock, and only for a waiting
    /// descriptor, so it is still that connection's (it cannot close mid-wait).
    private func shutOverdue() {
        let deadline = DispatchTime.now().uptimeNanoseconds &- UInt64(seconds * 1e9)
        lock.withLock {
            for fd in waiting {
                guard let since = connections[fd]?.since, since < deadline else { continue }
                _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
                if let peer = connections.removeValue(forKey: fd)?.peer { byPeer.removeValue(forKey: peer) }
            }
        }
    }
}
