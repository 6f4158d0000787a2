import Foundation

/// Each user's running tools/call requests across all their sessions, against
/// their share (`--max-calls-per-user`). Checking and taking a place is one
/// step under one lock: two requests arriving together cannot both pass a
/// check that only one of them fits (counting, then starting, went one over).
package final class CallShares: @unchecked Sendable {
    private let lock = NSLock()
    private var running: [String: Int] = [:]
    package let limit: Int

    package init(limit: Int) { self.limit = limit }

    /// Takes one of `user`'s places; false when they already run `limit` calls.
    package func take(_ user: String) -> Bool {
        lock.withLock {
            let now = running[user, default: 0]
            guard now < limit else { return false }
            running[user] = now + 1
            return true
        }
    }

    /// Gives back a place taken by `take` (the call was answered, cancelled or its session ended).
    package func giveBack(_ user: String) {
        lock.withLock {
            let now = running[user, default: 0] - 1
            running[user] = now > 0 ? now : nil  // no entry kept for a user with nothing running
        }
    }

    package func running(_ user: String) -> Int { lock.withLock { running[user, default: 0] } }
}
