import Foundation
import HostBase
import KFJSON

#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line over a socket, both ways: what the host and a
/// `plugin-host` child speak. Writes are whole messages under a lock; reads
/// come from one thread. Payloads the plugin ABI passes as JSON text travel
/// as JSON strings, unchanged.
final class PipeChannel: @unchecked Sendable {
    let fd: Int32
    private let writeLock = NSLock()
    private var pending = [UInt8]()
    private var scanned = 0  // bytes of `pending` known to hold no newline
    private var buffer = [UInt8](repeating: 0, count: 65536)
    /// Longest line read; a longer one ends the channel.
    private let maxMessage: Int
    /// Why `receive` ended the channel early: what the peer sent against the rules.
    private(set) var broken: String?

    init(fd: Int32, maxMessage: Int = .max) {
        self.fd = fd
        self.maxMessage = maxMessage
    }

    /// False when the other side is gone.
    @discardableResult
    func send(_ message: JSON) -> Bool {
        var bytes = Array(message.serialized().utf8)
        bytes.append(0x0A)
        return writeLock.withLock {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return false }
                    offset += n
                }
                return true
            }
        }
    }

    /// The next message; nil at EOF (or on a line that is not a JSON object or
    /// is over the size limit, which only a broken or hostile peer sends:
    /// treated as the end, with `broken` saying why).
    func receive() -> JSON? {
        while true {
            if let newline = pending[scanned...].firstIndex(of: 0x0A) {
                let line = pending[..<newline]
                defer {
                    pending.removeFirst(newline + 1)
                    scanned = 0
                }
                guard let message = try? JSON.parse(utf8: line), message.object != nil else {
                    broken = "a message that is not a JSON object"
                    return nil
                }
                return message
            }
            if pending.count > maxMessage {
                broken = "a message over the host's limit of \(maxMessage) bytes"
                return nil
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            scanned = pending.count
            pending.append(contentsOf: buffer[0..<n])
        }
    }

    func close() { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}
