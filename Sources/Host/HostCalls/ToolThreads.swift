import Foundation
import HostBase
import HostKubeGate
import HostPlugins

/// Threads for plugin calls. Plugins block (Kubernetes requests, waits), and
/// Swift's cooperative pool has one thread per core, so calls run on threads
/// of this pool instead — reused: an idle thread takes the next call, a new one
/// is started only when all are busy, and never more than `maxThreads`: past
/// that, calls wait. A call's deadline runs from when it was received, so a
/// queued call cannot wait forever.
///
/// Waiting calls queue per user (a `lane`; the host's own work and stdio use
/// lane ""), and a free thread serves the lanes in turn, round-robin: one user
/// with 100 waiting calls delays another user's call by at most one call per
/// thread, not 100 (FIFO across everyone would).
package final class ToolThreads: @unchecked Sendable {
    /// `KFMCP_MAX_TOOL_THREADS` (default 64) for calls, plus one: the stdin
    /// reader is one of these threads (see HandOver), blocked in read(2).
    package static let shared = ToolThreads(maxThreads: 1 + (ProcessInfo.processInfo.environment["KFMCP_MAX_TOOL_THREADS"]
        .flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 64))

    private let condition = NSCondition()
    private var waiting = FairQueue<@Sendable () -> Void>()
    private var idle = 0
    private var threads = 0
    private var executors: [String: ToolLane] = [:]
    let maxThreads: Int
    /// Idle threads beyond this many exit, so a burst does not leave many behind.
    private let keepIdle = 8

    package init(maxThreads: Int) { self.maxThreads = maxThreads }

    package func run(lane: String = "", _ work: @escaping @Sendable () -> Void) {
        condition.lock()
        waiting.append(work, lane: lane)
        // Each waiting thread takes one queued call; start a thread for the rest.
        let needThread = waiting.count > idle && threads < maxThreads
        if needThread { threads += 1 }
        condition.unlock()
        // Signalled after unlocking: a thread woken under the lock would block on it at once.
        if needThread { startThread() } else { condition.signal() }
    }

    /// Like `run`, but only when a thread can take `work` now (an idle one, or a
    /// new one under `maxThreads`); false, and nothing queued, when all are busy.
    package func runIfFree(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        let idleFree = idle > waiting.count  // an idle thread no queued work has claimed
        guard idleFree || threads < maxThreads else {
            condition.unlock()
            return false
        }
        waiting.append(work, lane: "")
        if !idleFree { threads += 1 }
        condition.unlock()
        if idleFree { condition.signal() } else { startThread() }
        return true
    }

    /// The executor of one user's calls: their jobs wait in their own lane.
    @available(macOS 15.0, *)
    package func lane(_ name: String) -> any TaskExecutor {
        condition.lock()
        defer { condition.unlock() }
        if let known = executors[name] { return known }
        let made = ToolLane(pool: self, name: name)
        executors[name] = made
        return made
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
        return (waiting.count, threads - idle)
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
            while waiting.isEmpty {
                if idle >= keepIdle { threads -= 1; condition.unlock(); return }
                idle += 1
                condition.wait()
                idle -= 1
            }
            let work = waiting.next()
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
        enqueue(UnownedJob(job), on: asUnownedTaskExecutor(), lane: "")
    }

    fileprivate func enqueue(_ job: UnownedJob, on executor: UnownedTaskExecutor, lane: String) {
        let work: @Sendable () -> Void = { job.runSynchronously(on: executor) }
        if HandOver.keep(work) { return }  // the stdin reader runs it itself (see HandOver)
        run(lane: lane, work)
    }
}

/// One user's calls on the tool threads: a task started with this executor
/// preference queues each of its jobs in the user's lane.
@available(macOS 15.0, *)
private final class ToolLane: TaskExecutor, @unchecked Sendable {
    let pool: ToolThreads
    let name: String
    init(pool: ToolThreads, name: String) {
        self.pool = pool
        self.name = name
    }

    func enqueue(_ job: consuming ExecutorJob) {
        pool.enqueue(UnownedJob(job), on: asUnownedTaskExecutor(), lane: name)
    }
}

/// Items queued per lane, taken from the lanes in turn (round-robin), each
/// lane first-in first-out. Not thread-safe: ToolThreads holds its lock.
package struct FairQueue<Item> {
    private struct Lane {
        var items: [Item] = []
        var head = 0
    }
    private var lanes: [String: Lane] = [:]
    /// Lanes with items, in the order they are served next (a served lane with more goes to the back).
    private var turns: [String] = []
    private var turnHead = 0
    package private(set) var count = 0

    package init() {}

    package var isEmpty: Bool { count == 0 }

    package mutating func append(_ item: Item, lane: String) {
        if lanes[lane] == nil { turns.append(lane) }
        lanes[lane, default: Lane()].items.append(item)
        count += 1
    }

    /// The next lane's oldest item; the queue must not be empty.
    package mutating func next() -> Item {
        let name = turns[turnHead]
        turnHead += 1
        var lane = lanes.removeValue(forKey: name)!  // out of the dictionary: mutated without a copy
        let item = lane.items[lane.head]
        lane.head += 1
        if lane.head < lane.items.count {
            if lane.head > 1024 && lane.head * 2 > lane.items.count {  // compact now and then, not per item
                lane.items.removeFirst(lane.head)
                lane.head = 0
            }
            lanes[name] = lane
            turns.append(name)
        }
        if turnHead > 1024 && turnHead * 2 > turns.count {
            turns.removeFirst(turnHead)
            turnHead = 0
        }
        count -= 1
        return item
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
