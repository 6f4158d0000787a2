import Foundation
import HostBase
import HostKubeGate
import HostPlugins

/// Threads for plugin calls. Plugins block (Kubernetes requests, waits), and
/// Swift's cooperative pool has one thread per core, so calls run on threads
/// of this pool instead — reused: an idle thread takes the next call, a new one
/// is started only when all are busy, and never more than `maxThreads`: past
/// that, calls wait in a queue (1,500 pipelined slow calls are 1,500 queued
/// closures, not 1,500 threads). A call's deadline runs from when it was
/// received, so a queued call cannot wait forever.
package final class ToolThreads: @unchecked Sendable {
    /// `KFMCP_MAX_TOOL_THREADS` (default 64) for calls, plus one: the stdin
    /// reader is one of these threads (see HandOver), blocked in read(2).
    package static let shared = ToolThreads(maxThreads: 1 + (ProcessInfo.processInfo.environment["KFMCP_MAX_TOOL_THREADS"]
        .flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 64))

    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var idle = 0
    private var threads = 0
    let maxThreads: Int
    /// Idle threads beyond this many exit, so a burst does not leave many behind.
    private let keepIdle = 8

    init(maxThreads: Int) { self.maxThreads = maxThreads }

    package func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        // Each waiting thread takes one queued call; start a thread for the rest.
        let needThread = queue.count - head > idle && threads < maxThreads
        if needThread { threads += 1 }
        condition.unlock()
        // Signalled after unlocking: a thread woken under the lock would block on it at once.
        if needThread { startThread() } else { condition.signal() }
    }

    /// Like `run`, but only when a thread can take `work` now (an idle one, or a
    /// new one under `maxThreads`); false, and nothing queued, when all are busy.
    package func runIfFree(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        let idleFree = idle > queue.count - head  // an idle thread no queued work has claimed
        guard idleFree || threads < maxThreads else {
            condition.unlock()
            return false
        }
        queue.append(work)
        if !idleFree { threads += 1 }
        condition.unlock()
        if idleFree { condition.signal() } else { startThread() }
        return true
    }

    private func startThread() {
        let thread = Thread { [self] in loop() }
        thread.stackSize = 4 << 20
        thread.name = "kfmcp-tool"
        thread.start()
    }

    /// Calls waiting for a thread (all `maxThreads` busy), and threads running calls: for /metrics.
    package var load: (queued: Int, busy: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (queue.count - head, threads - idle)
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
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let work: @Sendable () -> Void = { job.runSynchronously(on: executor) }
        if HandOver.keep(work) { return }  // the stdin reader runs it itself (see HandOver)
        run(work)
    }
}

/// The stdin reader runs the call it just read itself, and hands the reading
/// on to another tool thread instead (leader/follower): the call starts at once
/// on a warm thread, and waking a thread is no longer on the call's path.
///
/// While the reader handles a line, the first job enqueued on ToolThreads from
/// its thread (the tools/call task it started) is kept here instead of queued;
/// the reader then gives the rest of the input to a free thread and runs the
/// job. With every thread busy, the job is queued as before and the reader
/// reads on.
package enum HandOver {
    private final class Slot { var work: (@Sendable () -> Void)? }
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` (handling one line) and returns the job it enqueued first, if any.
    package static func capturing(_ body: () -> Void) -> (@Sendable () -> Void)? {
        let slot = Slot()
        let unmanaged = Unmanaged.passRetained(slot)
        pthread_setspecific(key, unmanaged.toOpaque())
        body()
        pthread_setspecific(key, nil)
        unmanaged.release()
        return slot.work
    }

    /// Keeps `work` for the reader when called on its thread inside `capturing` and nothing is kept yet.
    static func keep(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard let raw = pthread_getspecific(key) else { return false }
        let slot = Unmanaged<Slot>.fromOpaque(raw).takeUnretainedValue()
        guard slot.work == nil else { return false }
        slot.work = work
        return true
    }
}
