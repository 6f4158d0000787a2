import Foundation
import HostBase

#if canImport(Glibc)
import Glibc
#endif

/// What a plugin-host child prints on its stdout and stderr, relayed to the host's stderr one
/// line at a time through the redactor (a key's lines masked across lines, as in a log stream).
/// A line longer than `maxLine` is relayed in pieces of that size; the relay ends when the child's
/// last descriptor to the pipe closes (it exited).
enum ChildOutput {
    static let maxLine = 64 * 1024

    static func relay(_ fd: Int32) {
        defer { close(fd) }
        let redactor = StreamRedactor()
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        func emit(_ line: ArraySlice<UInt8>) {
            let text = redactor.redact(String(decoding: line, as: UTF8.self)) + "\n"
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
            bytes.removeAll()
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
            while pending.count >= maxLine {
                emit(pending[pending.startIndex..<pending.startIndex + maxLine])
                pending.removeFirst(maxLine)
            }
        }
        if !pending.isEmpty { emit(pending[...]) }
    }
}
