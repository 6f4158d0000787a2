import Foundation

/// Log levels, ordered. Matches the ABI's KFMCP_LOG_* values and MCP's names.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug = 0, info = 1, warning = 2, error = 3

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public init?(name: String) {
        switch name.lowercased() {
        case "debug", "trace": self = .debug
        case "info", "notice": self = .info
        case "warning", "warn": self = .warning
        case "error", "critical", "alert", "emergency": self = .error
        default: return nil
        }
    }

    public var name: String { ["debug", "info", "warning", "error"][rawValue] }
}

/// The host's log: one line per message on stderr (stdout belongs to MCP).
/// Messages pass through `Redactor` first, whoever wrote them.
public final class Log: @unchecked Sendable {
    public static let shared = Log()

    private let lock = NSLock()
    private var _level: LogLevel = .warning
    /// Extra sink, e.g. MCP notifications/message once a client asked for them.
    private var _sink: (@Sendable (LogLevel, String, String) -> Void)?

    public var level: LogLevel {
        get { lock.withLock { _level } }
        set { lock.withLock { _level = newValue } }
    }

    public func setSink(_ sink: (@Sendable (LogLevel, String, String) -> Void)?) {
        lock.withLock { _sink = sink }
    }

    public func log(_ level: LogLevel, _ message: String, source: String = "host") {
        let (minimum, sink) = lock.withLock { (_level, _sink) }
        let clean = Redactor.redact(message)
        if level >= minimum {
            let line = "kubeflow-mcp [\(level.name)] \(source): \(clean)\n"
            lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
        }
        sink?(level, source, clean)
        (Thread.current.threadDictionary[Self.threadSinkKey] as? ThreadSink)?.sink(level, source, clean)
    }

    /// Lines logged on this thread while `body` runs (a tool call: the host's
    /// lines and its plugin's) also go to `sink` — an HTTP session's
    /// notifications/message, which must carry its own calls' lines only.
    package static func withThreadSink<T>(_ sink: (@Sendable (LogLevel, String, String) -> Void)?, _ body: () -> T) -> T {
        guard let sink else { return body() }
        let dictionary = Thread.current.threadDictionary
        let outer = dictionary[threadSinkKey]
        dictionary[threadSinkKey] = ThreadSink(sink: sink)
        defer { dictionary[threadSinkKey] = outer }
        return body()
    }

    private static let threadSinkKey = "kubeflow-mcp.log-sink"
    private final class ThreadSink: NSObject {
        let sink: @Sendable (LogLevel, String, String) -> Void
        init(sink: @escaping @Sendable (LogLevel, String, String) -> Void) { self.sink = sink }
    }

    public func debug(_ m: String, source: String = "host") { log(.debug, m, source: source) }
    public func info(_ m: String, source: String = "host") { log(.info, m, source: source) }
    public func warning(_ m: String, source: String = "host") { log(.warning, m, source: source) }
    public func error(_ m: String, source: String = "host") { log(.error, m, source: source) }
}
