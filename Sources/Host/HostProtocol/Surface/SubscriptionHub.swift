import Foundation
import HostBase
import HostPlugins
import KFJSON
import KubeClient

/// resources/subscribe behind the scenes: one Kubernetes watch per collection
/// and namespace for all subscribers of this process (every session, stdio or
/// HTTP), not one per subscription. An event on an object sends
/// `notifications/resources/updated` to each subscriber of that object's URI.
/// Only the URI travels: a subscriber reads the new state with resources/read,
/// under its own policy. A watch ends when its last subscriber leaves.
final class SubscriptionHub: @unchecked Sendable {
    static let shared = SubscriptionHub()

    struct Key: Hashable {
        var group, version, resource, namespace: String
    }

    /// Sends one structured request through the subscriber's Kubernetes gate;
    /// `onLine` gets a watch's lines and returns false to stop it.
    typealias Send = @Sendable (_ request: JSON, _ onLine: ((String) -> Bool)?) -> KubeResponse

    struct Subscriber {
        var owner: ObjectIdentifier
        var uri: String
        var name: String
        var notify: @Sendable (String) -> Void
    }

    private let lock = NSLock()
    private var subscribers: [Key: [Subscriber]] = [:]
    private var running: Set<Key> = []
    /// Watches opened since start (tests check that subscribers share them).
    private(set) var opened = 0

    func add(_ key: Key, name: String, uri: String, owner: ObjectIdentifier,
             notify: @escaping @Sendable (String) -> Void, send: @escaping Send) {
        let start = lock.withLock { () -> Bool in
            subscribers[key, default: []].removeAll { $0.owner == owner && $0.uri == uri }
            subscribers[key, default: []].append(Subscriber(owner: owner, uri: uri, name: name, notify: notify))
            guard !running.contains(key) else { return false }
            running.insert(key)
            opened += 1
            return true
        }
        if start {
            Log.shared.info("watching \(key.group)/\(key.resource) in \(key.namespace) for resources/subscribe (one watch for every subscriber)",
                            source: "subscribe")
            // The starting version is taken before the subscriber hears back: a change made right
            // after resources/subscribe answers is after it, so never missed.
            let version = startingVersion(key, send: send)
            let thread = Thread { [self] in watch(key, send: send, from: version) }
            thread.name = "kfmcp-watch"
            thread.start()
        }
    }

    func remove(owner: ObjectIdentifier, uri: String? = nil) {
        lock.withLock {
            for key in Array(subscribers.keys) {
                subscribers[key]?.removeAll { $0.owner == owner && (uri == nil || $0.uri == uri) }
                if subscribers[key]?.isEmpty == true { subscribers[key] = nil }
            }
        }
    }

    var watchCount: Int { lock.withLock { running.count } }

    private func listening(_ key: Key) -> Bool { lock.withLock { subscribers[key]?.isEmpty == false } }

    /// List once for a resourceVersion (so existing objects are not news), then
    /// watch from it; resume from the last version seen when the API server
    /// ends the watch, list again when that version is gone (410).
    private func startingVersion(_ key: Key, send: Send) -> String? {
        send(request(key, verb: "list", query: ["limit": "1"]), nil).bodyJSON["metadata"]?["resourceVersion"]?.string
    }

    private func watch(_ key: Key, send: Send, from start: String?) {
        var version = start
        var failures = 0
        // Ends only under the lock, with nobody listening: a subscriber added
        // after that starts a watch of its own, never none.
        while lock.withLock({ () -> Bool in
            if subscribers[key]?.isEmpty == false { return true }
            running.remove(key)
            return false
        }) {
            if version == nil {
                version = startingVersion(key, send: send)
                if version == nil {
                    failures += 1
                    Thread.sleep(forTimeInterval: min(Double(failures), 10))
                    continue
                }
            }
            let query = ["resourceVersion": version ?? "", "timeoutSeconds": "30", "allowWatchBookmarks": "true"]
            let answer = send(request(key, verb: "watch", query: query)) { [self] line in
                guard let event = try? JSON.parse(line) else { return listening(key) }
                if event["type"]?.string == "ERROR" {
                    version = nil  // 410 Gone: the version is too old; list again
                    return false
                }
                let meta = event["object"]?["metadata"]
                if let v = meta?["resourceVersion"]?.string { version = v }
                if event["type"]?.string != "BOOKMARK", let name = meta?["name"]?.string { deliver(key, name: name) }
                return listening(key)
            }
            if answer.status == 0 || answer.status >= 400 {
                failures += 1
                if answer.status == 410 { version = nil }
                Thread.sleep(forTimeInterval: min(Double(failures), 10))
            } else {
                failures = 0
            }
        }
    }

    private func deliver(_ key: Key, name: String) {
        let targets = lock.withLock { subscribers[key]?.filter { $0.name == name } ?? [] }
        for t in targets { t.notify(t.uri) }
    }

    private func request(_ key: Key, verb: String, query: [String: String]) -> JSON {
        ["verb": .string(verb), "group": .string(key.group), "version": .string(key.version), "resource": .string(key.resource),
         "namespace": .string(key.namespace), "query": .object(query.mapValues { .string($0) }), "timeout_ms": 40_000]
    }
}
