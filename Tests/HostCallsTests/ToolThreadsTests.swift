import Foundation
@testable import HostCalls
import Testing

/// Fair share on the tool threads: waiting calls are served one user at a time, in turn.
@Suite struct ToolThreadsTests {
    @Test func theQueueServesLanesInTurnAndEachLaneInOrder() {
        var queue = FairQueue<String>()
        for i in 1...5 { queue.append("a\(i)", lane: "alice") }
        queue.append("b1", lane: "bob")
        queue.append("b2", lane: "bob")
        queue.append("h1", lane: "")
        var served: [String] = []
        while !queue.isEmpty { served.append(queue.next()) }
        #expect(served == ["a1", "b1", "h1", "a2", "b2", "a3", "a4", "a5"])
    }

    @Test func aLaneEmptiedAndRefilledTakesItsTurnAtTheBack() {
        var queue = FairQueue<Int>()
        queue.append(1, lane: "a")
        #expect(queue.next() == 1)
        queue.append(2, lane: "b")
        queue.append(3, lane: "a")
        let served: [Int] = [queue.next(), queue.next()]
        #expect(served == [2, 3])
        #expect(queue.isEmpty && queue.count == 0)
    }

    @Test func manyItemsStayInOrderAcrossCompactions() {
        var queue = FairQueue<Int>()
        for i in 0..<5000 { queue.append(i, lane: "flood") }
        var served: [Int] = []
        for round in 0..<5000 {
            if round % 1000 == 0 { queue.append(-(round + 1), lane: "other") }
            served.append(queue.next())
        }
        while !queue.isEmpty { served.append(queue.next()) }
        #expect(served.filter { $0 >= 0 } == Array(0..<5000))
        // Each of the other lane's items is served right after the one flood item then due.
        for round in stride(from: 0, to: 5000, by: 1000) {
            #expect(served.firstIndex(of: -(round + 1)) == round + 1)
        }
    }

    /// One busy thread; a user floods 20 calls, then another user queues one:
    /// theirs is served second, not after the flood (FIFO would make it 21st).
    @Test func anotherUsersCallIsServedNextWhileOneUserFloods() async {
        let pool = ToolThreads(maxThreads: 1)
        let gate = Gate()
        let order = Order()
        let holding = DispatchSemaphore(value: 0)
        pool.run(lane: "flooder") {  // holds the one thread until every call is queued
            holding.signal()
            gate.waitOpen()
        }
        holding.wait()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let finished = Countdown(21) { done.resume() }
            for i in 1...20 { pool.run(lane: "flooder") { order.add("flood \(i)"); finished.tick() } }
            pool.run(lane: "quick") { order.add("quick"); finished.tick() }
            #expect(pool.load.queued == 21)
            gate.open()
        }
        let served = order.all
        print("served: \(served.prefix(4).joined(separator: ", ")), …")
        #expect(served.firstIndex(of: "quick") == 1)
        #expect(served.filter { $0 != "quick" } == (1...20).map { "flood \($0)" })
    }
}

private final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    func waitOpen() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }
    func open() {
        condition.lock()
        isOpen = true
        condition.signal()
        condition.unlock()
    }
}

private final class Order: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}

private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private let done: @Sendable () -> Void
    init(_ count: Int, done: @escaping @Sendable () -> Void) {
        left = count
        self.done = done
    }
    func tick() {
        let last = lock.withLock { left -= 1; return left == 0 }
        if last { done() }
    }
}
