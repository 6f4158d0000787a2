import Foundation
@testable import HostProtocol
import Testing

/// The per-user call cap is one atomic take: many requests at once never go over it.
@Suite struct CallSharesTests {
    @Test func manyTasksAtOnceTakeExactlyTheShare() async {
        let shares = CallShares(limit: 16)
        for _ in 0..<50 {  // rounds: a race that loses rarely still shows
            let taken = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<200 { group.addTask { shares.take("alice") } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(taken == 16)
            #expect(shares.running("alice") == 16)
            for _ in 0..<16 { shares.giveBack("alice") }
            #expect(shares.running("alice") == 0)
        }
    }

    @Test func takingAndGivingBackAtOnceNeverPassesTheLimit() async {
        let shares = CallShares(limit: 4)
        let peak = Peak()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    for _ in 0..<500 where shares.take("bob") {
                        peak.see(shares.running("bob"))
                        shares.giveBack("bob")
                    }
                }
            }
        }
        #expect(peak.value <= 4)
        #expect(shares.running("bob") == 0)
    }

    @Test func usersHaveSeparateShares() {
        let shares = CallShares(limit: 1)
        #expect(shares.take("alice"))
        #expect(!shares.take("alice"))
        #expect(shares.take("bob"))
        shares.giveBack("alice")
        #expect(shares.take("alice"))
    }
}

private final class Peak: @unchecked Sendable {
    private let lock = NSLock()
    private var highest = 0
    func see(_ value: Int) { lock.withLock { highest = max(highest, value) } }
    var value: Int { lock.withLock { highest } }
}
