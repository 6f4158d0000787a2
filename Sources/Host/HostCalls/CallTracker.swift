import Foundation
import HostBase

/// Plugin calls running now, so exit can wait for them: a plugin's shutdown
/// must run alone. Known to the plugin services (is_cancelled answers 1 once
/// shutdown began) and to the pipeline (which brackets every invoke); nothing else.
public final class CallTracker: @unchecked Sendable {
    private let condition = NSCondition()
    private var running = 0
    private var shuttingDown = false

    public init() {}

    public var isShuttingDown: Bool { condition.withLock { shuttingDown } }

    /// Bracket a plugin call so `drain` waits for it.
    func tracking<T>(_ body: () -> T) -> T {
        condition.withLock { running += 1 }
        defer {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        return body()
    }

    /// Tell running calls to stop (is_cancelled answers 1) and wait for them up
    /// to `grace` seconds. Returns false when shutdown had begun already, and
    /// how many calls were still running.
    package func drain(grace: TimeInterval) -> (first: Bool, stuck: Int) {
        condition.lock()
        defer { condition.unlock() }
        guard !shuttingDown else { return (false, 0) }
        shuttingDown = true
        let deadline = Date().addingTimeInterval(grace)
        while running > 0 && condition.wait(until: deadline) {}
        return (true, running)
    }
}
