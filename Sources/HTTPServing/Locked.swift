import Foundation

/// A value guarded by a lock. Everything the simulator shares between the HTTP
/// server's tasks and the controller's loop lives in one of these (and the TLS
/// front door's state), so Swift 6 strict concurrency is satisfied without
/// turning every store call async.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<T, E: Error>(_ body: (inout Value) throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
