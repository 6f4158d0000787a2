import Foundation

/// A value guarded by a lock. `Mutex` from Synchronization would do the same,
/// but it needs macOS 15 and the package still builds for macOS 13.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
