import Foundation

/// Threads for plugin calls. Plugins block (Kubernetes requests, waits), and
/// Swift's cooperative pool has one thread per core, so every call gets a
/// thread of its own — reused: an idle thread takes the next call, and a new
/// one is started only when all are busy, so a slow tool never blocks others
/// and a fast one does not pay for a thread start.
final class ToolThreads: @unchecked Sendable {
    static let shared = ToolThreads()

    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var idle = 0
    /// Idle threads beyond this many exit, so a burst does not leave hundreds behind.
    private let keepIdle = 8

    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        // Each waiting thread takes one queued call; start a thread for the rest.
        let needThread = queue.count > idle
        if !needThread { condition.signal() }
        condition.unlock()
        guard needThread else { return }
        let thread = Thread { [self] in loop() }
        thread.stackSize = 4 << 20
        thread.name = "kfmcp-tool"
        thread.start()
    }

    private func loop() {
        condition.lock()
        while true {
            while queue.isEmpty {
                if idle >= keepIdle { condition.unlock(); return }
                idle += 1
                condition.wait()
                idle -= 1
            }
            let work = queue.removeFirst()
            condition.unlock()
            work()
            condition.lock()
        }
    }
}
