import Foundation
import HostBase
import HostKubeGate
import HostPlugins

/// Call deadlines on one thread. A sleeping Task per call costs a task, a
/// dispatch timer and two thread wake-ups on every call, though deadlines
/// almost never fire; here arming one is a lock and a dictionary insert, and
/// the thread wakes only when the earliest deadline may have passed.
package final class Deadlines: @unchecked Sendable {
    package static let shared = Deadlines()

    /// One armed deadline; `cancel` disarms it (answered in time).
    package final class Deadline: @unchecked Sendable {
        fileprivate let id: Int
        fileprivate unowned let owner: Deadlines
        fileprivate init(id: Int, owner: Deadlines) { self.id = id; self.owner = owner }
        package func cancel() { owner.disarm(id) }
    }

    private let condition = NSCondition()
    private var armed: [Int: (at: ContinuousClock.Instant, fire: @Sendable () -> Void)] = [:]
    private var nextID = 0
    /// When the thread wakes next (nil: it waits for a deadline).
    private var wake: ContinuousClock.Instant?
    private var started = false

    /// Calls `fire` on this thread once `delay` has passed, unless cancelled first.
    package func after(_ delay: Duration, _ fire: @escaping @Sendable () -> Void) -> Deadline {
        let at = ContinuousClock.now + delay
        condition.lock()
        defer { condition.unlock() }
        nextID += 1
        armed[nextID] = (at, fire)
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "kfmcp-deadlines"
            thread.start()
        } else if wake.map({ at < $0 }) ?? true {
            condition.signal()
        }
        return Deadline(id: nextID, owner: self)
    }

    private func disarm(_ id: Int) {
        condition.lock()
        armed[id] = nil  // the thread may still wake for it, find nothing due, and sleep again
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            let now = ContinuousClock.now
            let due = armed.filter { $0.value.at <= now }
            if !due.isEmpty {
                for id in due.keys { armed[id] = nil }
                condition.unlock()
                for entry in due.values { entry.fire() }
                condition.lock()
                continue
            }
            wake = armed.values.map(\.at).min()
            if let wake {
                let (seconds, attoseconds) = (wake - now).components
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18))
            } else {
                condition.wait()
            }
        }
    }
}
