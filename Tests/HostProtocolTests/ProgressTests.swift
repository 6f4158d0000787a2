import Foundation
@testable import HostProtocol
import KFJSON
import Testing

/// notifications/progress as a client reads it: a percentage of total 100 in
/// every notification, rounded to hundredths, never going back.
@Suite struct ProgressTests {
    final class Sent: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [JSON] = []
        func add(_ data: Data) { lock.withLock { messages.append((try? JSON.parse(String(decoding: data, as: UTF8.self))) ?? .null) } }
        var params: [JSON] { lock.withLock { messages.compactMap { $0["params"] } } }
    }

    func sent(_ reports: [Double]) -> [JSON] {
        let sent = Sent()
        let sink = MCPServer.progressSink(token: "t", writer: LineWriter(sink: { sent.add($0) }))!
        for fraction in reports { sink(fraction, "") }
        return sent.params
    }

    @Test func everyNotificationHasATotalAndARoundedValue() {
        let params = sent([-1, 0.58, 0.123456, -1, 1.5])
        #expect(params.map { $0["total"] } == Array(repeating: .double(100), count: 5))
        // Unknown fractions repeat the last value; 0.123456 after 0.58 would go back.
        #expect(params.map { $0["progress"]?.double } == [0, 58, 58, 58, 100])
    }

    @Test func noTokenNoNotifications() {
        #expect(MCPServer.progressSink(token: nil, writer: LineWriter(sink: { _ in })) == nil)
    }
}
