import Foundation
import KFJSON

/// The simulator's etcd: every object of every type, one global revision counter
/// (the `resourceVersion`), and the watchers to tell about each change.
///
/// All operations take one lock, so a read-modify-write (`update`) is atomic; that is
/// how PUT's resourceVersion check and the controller's status writes stay consistent.
final class ObjectStore: Sendable {
    private struct Watcher {
        let storeKey: String
        let namespace: String?
        let continuation: AsyncStream<WatchEvent>.Continuation
    }

    private struct State {
        var buckets: [String: [String: StoredObject]] = [:]
        var revision = 1000
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 0
        /// Recent events, so a watch from a recent resourceVersion replays what it missed.
        var history: [WatchEvent] = []
        /// Events for watchers, in revision order, handed over by `deliver()` once the
        /// lock is released: yielding under the lock deadlocks with a watch being
        /// cancelled (its onTermination needs the lock while the stream holds its own).
        var outbox: [(AsyncStream<WatchEvent>.Continuation, WatchEvent)] = []
    }

    private static let historyLimit = 2000
    private let state = Locked(State())
    /// Held while the outbox is handed over, so events reach each watcher in order.
    private let delivery = NSLock()

    // MARK: Reads

    func get(_ type: ResourceType, namespace: String?, name: String) -> StoredObject? {
        let key = StoredObject.key(namespace: type.namespaced ? namespace : nil, name: name)
        return state.withLock { $0.buckets[type.storeKey]?[key] }
    }

    /// Objects sorted by namespace/name (the apiserver's order), and the revision of the snapshot.
    func list(_ type: ResourceType, namespace: String?) -> (items: [StoredObject], revision: Int) {
        let (bucket, revision) = state.withLock { ($0.buckets[type.storeKey] ?? [:], $0.revision) }
        var items: [StoredObject]
        if let namespace, type.namespaced {
            let prefix = namespace + "/"
            items = bucket.values.filter { $0.key.hasPrefix(prefix) }
        } else {
            items = Array(bucket.values)
        }
        items.sort { $0.key < $1.key }
        return (items, revision)
    }

    var currentRevision: Int { state.withLock { $0.revision } }

    // MARK: Writes

    /// Stores a new object: fills uid, resourceVersion, creationTimestamp and generation,
    /// and turns `generateName` into a name.
    @discardableResult
    func create(_ type: ResourceType, _ object: JSON) throws(APIError) -> StoredObject {
        defer { deliver() }
        return try state.withLock { (s: inout State) throws(APIError) -> StoredObject in
            var obj = object
            if obj.name.isEmpty, let prefix = obj["metadata"]?["generateName"]?.string {
                var candidate = prefix + RandomName.suffix()
                while s.buckets[type.storeKey]?[StoredObject.key(namespace: obj.namespace, name: candidate)] != nil {
                    candidate = prefix + RandomName.suffix()
                }
                obj.set(.string(candidate), at: ["metadata", "name"])
            }
            let key = StoredObject.key(namespace: type.namespaced ? obj.namespace : nil, name: obj.name)
            if s.buckets[type.storeKey]?[key] != nil { throw APIError.alreadyExists(type, obj.name) }
            s.revision += 1
            obj.set(.string(RandomName.uid()), at: ["metadata", "uid"])
            obj.set(.string(String(s.revision)), at: ["metadata", "resourceVersion"])
            obj.set(.string(Timestamp.now()), at: ["metadata", "creationTimestamp"])
            if type.group != "" { obj.set(.int(1), at: ["metadata", "generation"]) }
            let stored = StoredObject(obj, revision: s.revision)
            s.buckets[type.storeKey, default: [:]][key] = stored
            Self.publish(WatchEvent(type: .added, storeKey: type.storeKey, object: stored), in: &s)
            return stored
        }
    }

    /// Atomic read-modify-write. `transform` sees the current object and returns the new one;
    /// identity fields are kept, the revision bumps, and `generation` bumps when `spec` changed.
    @discardableResult
    /// `dryRun`: validate and compute the result, keep nothing (`?dryRun=All`).
    func update(_ type: ResourceType, namespace: String?, name: String, dryRun: Bool = false,
                _ transform: (JSON) throws(APIError) -> JSON) throws(APIError) -> StoredObject {
        defer { deliver() }
        return try state.withLock { (s: inout State) throws(APIError) -> StoredObject in
            let key = StoredObject.key(namespace: type.namespaced ? namespace : nil, name: name)
            guard let current = s.buckets[type.storeKey]?[key] else { throw APIError.notFound(type, name) }
            var obj = try transform(current.object)
            if obj == current.object { return current }  // no-op writes keep the resourceVersion, like the apiserver
            if dryRun { return StoredObject(obj, revision: current.revision) }
            s.revision += 1
            for field in ["uid", "creationTimestamp", "name", "namespace"] {
                obj.set(current.object["metadata"]?[field], at: ["metadata", field])
            }
            obj.set(.string(String(s.revision)), at: ["metadata", "resourceVersion"])
            if let generation = current.object["metadata"]?["generation"]?.int {
                let changed = obj["spec"] != current.object["spec"]
                obj.set(.int(changed ? generation + 1 : generation), at: ["metadata", "generation"])
            }
            let stored = StoredObject(obj, revision: s.revision)
            s.buckets[type.storeKey]?[key] = stored
            Self.publish(WatchEvent(type: .modified, storeKey: type.storeKey, object: stored), in: &s)
            return stored
        }
    }

    @discardableResult
    func delete(_ type: ResourceType, namespace: String?, name: String, dryRun: Bool = false) throws(APIError) -> StoredObject {
        defer { deliver() }
        return try state.withLock { (s: inout State) throws(APIError) -> StoredObject in
            let key = StoredObject.key(namespace: type.namespaced ? namespace : nil, name: name)
            if dryRun {
                guard let current = s.buckets[type.storeKey]?[key] else { throw APIError.notFound(type, name) }
                return current
            }
            guard let current = s.buckets[type.storeKey]?.removeValue(forKey: key) else {
                throw APIError.notFound(type, name)
            }
            s.revision += 1
            var obj = current.object
            obj.set(.string(String(s.revision)), at: ["metadata", "resourceVersion"])
            let stored = StoredObject(obj, revision: s.revision)
            Self.publish(WatchEvent(type: .deleted, storeKey: type.storeKey, object: stored), in: &s)
            return stored
        }
    }

    // MARK: Watch

    /// Opens a watch. Without `sinceRevision` the stream starts with an ADDED event per
    /// existing object (what the apiserver does for resourceVersion "" or "0"); with one, it
    /// replays the remembered events after it, or fails with 410 Gone when they are forgotten.
    func watch(_ type: ResourceType, namespace: String?, sinceRevision: Int?) throws(APIError) -> AsyncStream<WatchEvent> {
        let (stream, continuation) = AsyncStream<WatchEvent>.makeStream(bufferingPolicy: .unbounded)
        let id = try state.withLock { (s: inout State) throws(APIError) -> Int in
            let inScope: (StoredObject) -> Bool = { obj in
                guard let namespace, type.namespaced else { return true }
                return obj.object.namespace == namespace
            }
            if let since = sinceRevision {
                if let oldest = s.history.first, oldest.object.revision > since + 1, since < s.revision {
                    throw APIError.gone("too old resource version: \(since) (\(oldest.object.revision - 1))")
                }
                for event in s.history where event.storeKey == type.storeKey && event.object.revision > since
                    && inScope(event.object) {
                    continuation.yield(event)
                }
            } else {
                for obj in (s.buckets[type.storeKey] ?? [:]).values.sorted(by: { $0.key < $1.key }) where inScope(obj) {
                    continuation.yield(WatchEvent(type: .added, storeKey: type.storeKey, object: obj))
                }
            }
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            s.watchers[id] = Watcher(storeKey: type.storeKey, namespace: type.namespaced ? namespace : nil,
                                     continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every open watch (server shutdown).
    func finishAllWatches() {
        let continuations = state.withLock { s -> [AsyncStream<WatchEvent>.Continuation] in
            let all = s.watchers.values.map(\.continuation)
            s.watchers.removeAll()
            return all
        }
        for c in continuations { c.finish() }
    }

    /// Hands the outbox to the watchers, outside the store's lock.
    private func deliver() {
        delivery.lock()
        defer { delivery.unlock() }
        let pending = state.withLock { s -> [(AsyncStream<WatchEvent>.Continuation, WatchEvent)] in
            defer { s.outbox.removeAll() }
            return s.outbox
        }
        for (continuation, event) in pending { continuation.yield(event) }
    }

    private static func publish(_ event: WatchEvent, in s: inout State) {
        s.history.append(event)
        if s.history.count > historyLimit { s.history.removeFirst(s.history.count - historyLimit) }
        for watcher in s.watchers.values where watcher.storeKey == event.storeKey {
            if let ns = watcher.namespace, event.object.object.namespace != ns { continue }
            s.outbox.append((watcher.continuation, event))
        }
    }
}
