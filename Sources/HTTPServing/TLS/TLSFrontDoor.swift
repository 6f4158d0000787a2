import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// TLS in front of a plain FlyingFox HTTP server (the simulator's, `serve --http`'s), in-process.
///
/// FlyingFox has no TLS, so this listens on the public port, does the TLS
/// handshake with OpenSSL, and relays each connection's bytes to the HTTP
/// server on an internal loopback port (`TLSRelay`, a thread per connection).
/// A verified client certificate's identity is recorded in `CertificatePeers`
/// for the API handler before any byte is relayed.
public final class TLSFrontDoor: Sendable {
    public let port: UInt16
    private let listener: Int32
    private let tls: ServerTLSContext
    private let upstreamPort: UInt16
    private let peers: CertificatePeers
    private let open = Locked<Set<Int32>>([])
    private let stopped = Locked(false)

    /// Listens on `host`:`port` (0: any free port); call `start()` to accept.
    public init(tls: ServerTLSContext, host: String = "127.0.0.1", port: UInt16, upstreamPort: UInt16,
                peers: CertificatePeers = CertificatePeers()) throws {
        // A client that vanishes mid-write must cost an error return, not the process:
        // OpenSSL writes with write(2), which raises SIGPIPE on a closed socket.
        signal(SIGPIPE, SIG_IGN)
        (listener, self.port) = try LoopbackSocket.listen(host: host, port: port)
        self.tls = tls
        self.upstreamPort = upstreamPort
        self.peers = peers
    }

    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "kf-tls-accept"
        thread.start()
    }

    /// Stops accepting and cuts open connections (their threads then end).
    public func stop() {
        guard !stopped.withLock({ s -> Bool in defer { s = true }; return s }) else { return }
        // shutdown (not close) wakes the blocked accept() and poll()s; each thread closes its own fds.
        shutdown(listener, Int32(SHUT_RDWR))
        open.withLock { fds in for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                break
            }
            open.withLock { _ = $0.insert(client) }
            let relay = TLSRelay(client: client, tls: tls, upstreamPort: upstreamPort, peers: peers)
            let thread = Thread { [self] in
                relay.run()
                // Under the lock, so stop() never shuts down a number already reused.
                open.withLock { fds in
                    fds.remove(client)
                    close(client)
                }
            }
            thread.name = "kf-tls-relay"
            thread.start()
        }
        close(listener)
    }
}
