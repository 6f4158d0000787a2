import CCurl

/// Receives one response from libcurl's callbacks: headers, and the body either
/// collected whole or cut into lines for a streaming reader.
final class ResponseSink {
    private let handle: UnsafeMutableRawPointer
    private let onLine: ((String) -> Bool)?
    private(set) var body: [UInt8] = []
    /// Lower-cased header names of the final response.
    private(set) var headers: [String: String] = [:]
    private(set) var stoppedByReader = false
    private var pendingLine: [UInt8] = []
    /// Decided at the first body byte: only a 2xx body is streamed; an error
    /// body (a Status object) is collected so it can be explained.
    private var streamsLines: Bool?

    init(handle: UnsafeMutableRawPointer, onLine: ((String) -> Bool)?) {
        self.handle = handle
        self.onLine = onLine
    }

    /// Returns false to make libcurl stop the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if streamsLines == nil {
            var code = 0
            _ = kfcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
            streamsLines = onLine != nil && (200..<300).contains(code)
        }
        guard streamsLines == true, let onLine else {
            body.append(contentsOf: bytes)
            return true
        }
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            pendingLine.append(contentsOf: bytes[start..<newline])
            start = newline + 1
            if !deliverPendingLine(onLine) {
                stoppedByReader = true
                return false
            }
        }
        pendingLine.append(contentsOf: bytes[start...])
        return true
    }

    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        // Bytes, not Foundation's trimming: HTTP's whitespace is ASCII (SP, HTAB, CR, LF).
        let line = Self.trimmed(bytes[...])
        if line.starts(with: "HTTP/".utf8) {
            // A new response (after 100-continue or a retry inside libcurl).
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        headers[name] = String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        guard let first = bytes.firstIndex(where: { !space($0) }), let last = bytes.lastIndex(where: { !space($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[first...last]
    }

    /// A last line without a trailing newline (the end of a log) still counts.
    func finish() {
        guard streamsLines == true, !stoppedByReader, !pendingLine.isEmpty, let onLine else { return }
        if !deliverPendingLine(onLine) { stoppedByReader = true }
    }

    private func deliverPendingLine(_ onLine: (String) -> Bool) -> Bool {
        if pendingLine.last == UInt8(ascii: "\r") { pendingLine.removeLast() }
        let line = String(decoding: pendingLine, as: UTF8.self)
        pendingLine.removeAll(keepingCapacity: true)
        return onLine(line)
    }
}
