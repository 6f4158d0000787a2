import Foundation

/// Threads for plugin calls. Plugins block (Kubernetes requests, waits), and
/// Swift's cooperative pool has one thread per core, so calls run on threads
/// of this pool instead — reused: an idle thread takes the next call, a new one
/// is started only when all are busy, and never more than `maxThreads`: past
/// that, calls wait in a queue (1,500 pipelined slow calls are 1,500 queued
/// closures, not 1,500 threads). A call's deadline runs from when it was
/// received, so a queued call cannot wait forever.
final class ToolThreads: @unchecked Sendable {
    /// `KFMCP_MAX_TOOL_THREADS`, default 64.
    static let shared = ToolThreads(maxThreads: ProcessInfo.processInfo.environment["KFMCP_MAX_TOOL_THREADS"]
        .flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 64)

    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var idle = 0
    private var threads = 0
    let maxThreads: Int
    /// Idle threads beyond this many exit, so a burst does not leave many behind.
    private let keepIdle = 8

    init(maxThreads: Int) { self.maxThreads = maxThreads }

    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        // Each waiting thread takes one queued call; start a thread for the rest.
        let needThread = queue.count - head > idle && threads < maxThreads
        if needThread { threads += 1 } else { condition.signal() }
        condition.unlock()
        guard needThread else { return }
        let thread = Thread { [self] in loop() }
        thread.stackSize = 4 << 20
        thread.name = "kfmcp-tool"
        thread.start()
    }

    /// Is the calling thread one of these? (Work for a tool thread then runs inline.)
    static var isCurrent: Bool { pthread_getspecific(marker) != nil }
    private static let marker: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private func loop() {
        pthread_setspecific(Self.marker, UnsafeRawPointer(bitPattern: 1))
        condition.lock()
        while true {
            while head == queue.count {
                if idle >= keepIdle { threads -= 1; condition.unlock(); return }
                idle += 1
                condition.wait()
                idle -= 1
            }
            let work = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {  // compact now and then, not per call
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            work()
            condition.lock()
        }
    }
}

/// A tools/call task prefers these threads (Task(executorPreference:)): read
/// from the transport, it runs there from the start, the plugin inline
/// (ToolInvoker.onOwnThread), and answers from the same thread — one thread
/// hand-off per call instead of three (reader → pool → tool thread → pool).
@available(macOS 15.0, *)
extension ToolThreads: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        run { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
    }
}
