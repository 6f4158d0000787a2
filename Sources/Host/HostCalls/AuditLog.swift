import Foundation
import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// One JSON line per tools/call (KEP-936 "Audit Logging"), refused calls too.
/// Lines are appended with a single write(2) on an O_APPEND descriptor under a
/// lock, so concurrent calls never interleave or tear a line.
public final class AuditLog: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()

    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OpenError(description: "cannot open audit log \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// The default: $XDG_STATE_HOME/kubeflow-mcp/audit.log, else ~/.local/state/kubeflow-mcp/audit.log.
    public static func defaultPath(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/kubeflow-mcp/audit.log" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/kubeflow-mcp/audit.log"
    }

    public struct Entry {
        public var tool: String
        public var user: String
        public var namespace: String?
        public var parameters: JSON
        public var result: String  // success, error, refused, preview, declined, cancelled, dry_run
        public var jobID: String?
        public var durationMs: Int
        public var persona: String
        public var plugin: String?
        public var message: String?
        /// The tool whose call made this one (a tool calling a tool), if any.
        public var caller: String? = nil
    }

    public func record(_ entry: Entry) {
        // Every field may carry what a caller typed (a tool name, a job id, a
        // parameter name), so every field is redacted, names included.
        func text(_ s: String?) -> JSON { s.map { .string(Redactor.redact($0)) } ?? .null }
        var line: JSON = [
            "timestamp": .string(Self.timestamp()),
            "tool": text(entry.tool),
            "user": text(entry.user),
            "namespace": text(entry.namespace),
            "parameters": Redactor.scrub(entry.parameters),
            "result": .string(entry.result),
            "job_id": text(entry.jobID),
            "duration_ms": .int(entry.durationMs),
            "persona": text(entry.persona),
            "plugin": text(entry.plugin),
        ]
        if let message = entry.message { line["message"] = text(message) }
        if let caller = entry.caller { line["caller"] = text(caller) }
        var bytes = Array(line.serialized().utf8)
        bytes.append(0x0A)
        lock.withLock {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return }
                    offset += n
                }
            }
        }
    }

    /// RFC 3339 UTC with milliseconds, e.g. 2026-12-02T07:12:32.123Z (digits by hand:
    /// String(format:) goes through CoreFoundation and ICU, 5% of a small call).
    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        var out = [UInt8]()
        out.reserveCapacity(24)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var v = value
            for _ in 0..<count {
                out.append(UInt8(ascii: "0") + UInt8(v / divisor % 10))
                v %= divisor
                divisor /= 10
            }
        }
        digits(Int(tm.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(tm.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(tm.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(tm.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(tv.tv_usec) / 1000, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
