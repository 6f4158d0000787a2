import COpenSSL
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One client connection: the TLS handshake, then bytes relayed both ways
/// between the client (TLS) and the HTTP server (plain loopback TCP) until
/// either side closes. Runs on its own thread; blocking is fine here.
///
/// Both directions are pumped by one poll() loop, so keep-alive and open-ended
/// responses (watches, `logs?follow=true`) flow as they are written.
final class TLSRelay: @unchecked Sendable {
    // @unchecked: created on the accept thread, then used by its relay thread only.
    private let client: Int32
    private let tls: ServerTLSContext
    private let upstreamPort: UInt16
    private let peers: CertificatePeers

    init(client: Int32, tls: ServerTLSContext, upstreamPort: UInt16, peers: CertificatePeers) {
        self.client = client
        self.tls = tls
        self.upstreamPort = upstreamPort
        self.peers = peers
    }

    func run() {
        guard let ssl = SSL_new(tls.context) else { return }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, client)
        LoopbackSocket.setTimeout(client, seconds: 10)
        guard SSL_accept(ssl) == 1 else {
            // Typically a client certificate from another CA, or a client that does not trust ours.
            let reason = ServerTLSContext.lastError()
            FileHandle.standardError.write(Data("cluster simulator: TLS handshake refused: \(reason.isEmpty ? "connection closed" : reason)\n".utf8))
            return
        }
        let identity = tls.verifiesClients ? Self.identity(of: ssl) : nil

        guard let upstream = try? LoopbackSocket.connect(port: upstreamPort) else {
            SSL_shutdown(ssl)
            return
        }
        defer { close(upstream) }
        var relayPort: UInt16?
        if let identity, let port = try? LoopbackSocket.localPort(upstream) {
            peers.record(identity, relayPort: port)
            relayPort = port
        }
        defer { if let relayPort { peers.forget(relayPort: relayPort) } }

        LoopbackSocket.setNonBlocking(client)
        pump(ssl, upstream)
        SSL_shutdown(ssl)  // best effort close_notify; the client may be gone
    }

    private func pump(_ ssl: OpaquePointer, _ upstream: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var clientReady = true
            var upstreamReady = false
            // Bytes OpenSSL already decrypted are not visible to poll(): read them first.
            if SSL_pending(ssl) == 0 {
                var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 2, -1) < 0 {
                    if errno == EINTR { continue }
                    return
                }
                clientReady = fds[0].revents != 0
                upstreamReady = fds[1].revents != 0
            }
            if clientReady {
                let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
                if count > 0 {
                    guard sendAll(upstream, buffer, count: Int(count)) else { return }
                } else {
                    let error = SSL_get_error(ssl, count)
                    guard error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE else { return }
                }
            }
            if upstreamReady {
                let count = buffer.withUnsafeMutableBytes { recv(upstream, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    guard writeAll(ssl, buffer, count: count) else { return }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    return
                }
            }
        }
    }

    /// Plain bytes to the HTTP server (a blocking socket).
    private func sendAll(_ fd: Int32, _ buffer: [UInt8], count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let sent = buffer.withUnsafeBytes { send(fd, $0.baseAddress! + offset, count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 { offset += sent } else if sent < 0 && errno == EINTR { continue } else { return false }
        }
        return true
    }

    /// Bytes to the client through TLS; the client socket is non-blocking, so wait while it is full.
    private func writeAll(_ ssl: OpaquePointer, _ buffer: [UInt8], count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = buffer.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(count - offset)) }
            if written > 0 { offset += Int(written); continue }
            let events: Int32
            switch SSL_get_error(ssl, written) {
            case SSL_ERROR_WANT_WRITE: events = POLLOUT
            case SSL_ERROR_WANT_READ: events = POLLIN
            default: return false
            }
            var fd = pollfd(fd: client, events: Int16(events), revents: 0)
            if poll(&fd, 1, 60_000) == 0 { return false }  // a client that reads nothing for a minute is gone
        }
        return true
    }

    /// The verified client certificate's CN and O entries, if the client sent one.
    private static func identity(of ssl: OpaquePointer) -> CertificateIdentity? {
        guard let certificate = kfsim_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard SSL_get_verify_result(ssl) == X509_V_OK, let subject = X509_get_subject_name(certificate),
              let user = entries(subject, NID_commonName).first else { return nil }
        return CertificateIdentity(user: user, groups: entries(subject, NID_organizationName))
    }

    private static func entries(_ name: OpaquePointer, _ nid: Int32) -> [String] {
        var values: [String] = []
        var index: Int32 = -1
        while true {
            index = X509_NAME_get_index_by_NID(name, nid, index)
            guard index >= 0, let entry = X509_NAME_get_entry(name, index),
                  let data = X509_NAME_ENTRY_get_data(entry) else { break }
            var utf8: UnsafeMutablePointer<UInt8>?
            let length = ASN1_STRING_to_UTF8(&utf8, data)
            if length >= 0, let utf8 {
                values.append(String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self))
                kfsim_free(utf8)
            }
        }
        return values
    }
}
