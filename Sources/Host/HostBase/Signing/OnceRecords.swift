import Foundation

/// Where "this was used once" is written down, so that a signed token that any
/// replica can verify is still acted on only once, whichever replica sees it.
public protocol OnceRecords: Sendable {
    /// Records `name` as used until `until`. true: first use; false: used
    /// before; nil: could not tell (the caller refuses: fail closed).
    func spend(_ name: String, until: Date) -> Bool?
    /// Whether `name` was recorded; nil: could not tell.
    func isSpent(_ name: String) -> Bool?
}

/// In this process's memory: one replica, stdio, or no cluster.
public final class LocalOnceRecords: OnceRecords, @unchecked Sendable {
    private let lock = NSLock()
    private var spent: [String: Date] = [:]

    public init() {}

    public func spend(_ name: String, until: Date) -> Bool? {
        let now = Date()
        return lock.withLock {
            if spent.count > 10_000 { spent = spent.filter { $0.value > now } }
            if let known = spent[name], known > now { return false }
            spent[name] = until
            return true
        }
    }

    public func isSpent(_ name: String) -> Bool? {
        let now = Date()
        return lock.withLock { spent[name].map { $0 > now } ?? false }
    }
}
