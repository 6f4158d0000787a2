import Foundation
@testable import HostProtocol
import KFJSON
import KubeClient
import Testing

/// resources/subscribe's watches: one per collection and namespace for every
/// subscriber, started from a listed resourceVersion, delivering each event to
/// the subscribers of that object only, ending with the last subscriber.
@Suite struct SubscriptionHubTests {
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var uris: [String] = []
        var requests: [String] = []
        func add(_ uri: String) { lock.withLock { uris.append(uri) } }
        func seen(_ uri: String) -> Bool { lock.withLock { uris.contains(uri) } }
    }

    @Test func subscribersShareOneWatchAndGetTheirObjectsOnly() async throws {
        let hub = SubscriptionHub()
        let rec = Recorder()
        let send: SubscriptionHub.Send = { request, onLine in
            rec.lock.withLock { rec.requests.append("\(request["verb"]?.string ?? "") \(request["query"]?["resourceVersion"]?.string ?? "")") }
            guard let onLine else { return KubeResponse(status: 200, body: Array(#"{"metadata":{"resourceVersion":"7"}}"#.utf8)) }
            Thread.sleep(forTimeInterval: 0.02)
            for name in ["a", "b", "c"] {
                let line = #"{"type":"MODIFIED","object":{"metadata":{"name":"\#(name)","resourceVersion":"8"}}}"#
                if !onLine(line) { break }
            }
            return KubeResponse(status: 200, body: [])
        }
        let key = SubscriptionHub.Key(group: "example.org", version: "v1", resource: "things", namespace: "ns")
        let one = NSObject(), two = NSObject()
        hub.add(key, name: "a", uri: "x://ns/a", owner: ObjectIdentifier(one), notify: rec.add, send: send)
        hub.add(key, name: "b", uri: "x://ns/b", owner: ObjectIdentifier(two), notify: rec.add, send: send)
        for _ in 0..<200 where !(rec.seen("x://ns/a") && rec.seen("x://ns/b")) { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(rec.seen("x://ns/a") && rec.seen("x://ns/b"))
        #expect(!rec.seen("x://ns/c"))
        #expect(hub.opened == 1)
        let requests = rec.lock.withLock { rec.requests }
        #expect(requests.first == "list ")
        #expect(requests.dropFirst().first == "watch 7")  // existing objects are not news
        hub.remove(owner: ObjectIdentifier(one))
        hub.remove(owner: ObjectIdentifier(two))
        for _ in 0..<200 where hub.watchCount > 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(hub.watchCount == 0)
    }
}
