import FlyingFox
import FlyingSocks
import Foundation

/// FlyingFox's socket pool, plus TCP_NODELAY on every socket it waits on.
///
/// Why: the server writes a response's head and body in separate writes. With
/// Nagle's algorithm the body waits for the client's ACK of the head, and the
/// client delays that ACK by ~40 ms, so every request on a kept-alive
/// connection (libcurl reuses them) cost 40 ms. FlyingFox has no hook for
/// socket options; the listening socket and each connection pass through the
/// pool, so it is set here (setsockopt is cheap and idempotent).
public struct NoDelaySocketPool<Base: AsyncSocketPool>: AsyncSocketPool {
    let base: Base

    public init(base: Base) { self.base = base }

    public func prepare() async throws { try await base.prepare() }
    public func run() async throws { try await base.run() }

    public func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var on: Int32 = 1
        _ = setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}
