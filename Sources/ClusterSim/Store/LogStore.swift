import Foundation

/// Container logs, per namespace/pod/container. A follower gets the lines so far and
/// then each new line until the container ends (`logs -f` ends when the pod does).
final class LogStore: Sendable {
    struct Line: Sendable {
        let time: Date
        let text: String
    }

    private struct Log {
        var lines: [Line] = []
        var finished = false
        var followers: [Int: AsyncStream<Line>.Continuation] = [:]
    }

    private struct State {
        var logs: [String: Log] = [:]
        var nextID = 0
        var routes: [String: Route] = [:]
    }

    /// Where a container's output really lands (a shell redirect to a file another container prints).
    private struct Route {
        let container: String
        let prefix: @Sendable (Date) -> String
    }

    private let state = Locked(State())

    private static func key(_ namespace: String, _ pod: String, _ container: String) -> String {
        namespace + "/" + pod + "/" + container
    }

    func append(namespace: String, pod: String, container: String, _ text: String, at time: Date = Date()) {
        let followers = state.withLock { s -> ([AsyncStream<Line>.Continuation], Line) in
            let route = s.routes[Self.key(namespace, pod, container)]
            let line = Line(time: time, text: (route?.prefix(time) ?? "") + text)
            let k = Self.key(namespace, pod, route?.container ?? container)
            s.logs[k, default: Log()].lines.append(line)
            return (Array(s.logs[k]!.followers.values), line)
        }
        for f in followers.0 { f.yield(followers.1) }
    }

    /// From now on what `container` prints goes to `to`, each line after `prefix(time)`.
    func route(namespace: String, pod: String, from container: String, to: String,
               prefix: @escaping @Sendable (Date) -> String) {
        state.withLock { $0.routes[Self.key(namespace, pod, container)] = Route(container: to, prefix: prefix) }
    }

    /// Marks every container of the pod as ended: followers' streams finish.
    func finish(namespace: String, pod: String) {
        let prefix = namespace + "/" + pod + "/"
        let followers = state.withLock { s -> [AsyncStream<Line>.Continuation] in
            var all: [AsyncStream<Line>.Continuation] = []
            for k in s.logs.keys where k.hasPrefix(prefix) {
                s.logs[k]!.finished = true
                all += s.logs[k]!.followers.values
                s.logs[k]!.followers.removeAll()
            }
            return all
        }
        for f in followers { f.finish() }
    }

    /// Forgets a deleted pod's logs.
    func remove(namespace: String, pod: String) {
        finish(namespace: namespace, pod: pod)
        let prefix = namespace + "/" + pod + "/"
        state.withLock { s in
            for k in s.logs.keys where k.hasPrefix(prefix) { s.logs.removeValue(forKey: k) }
            for k in s.routes.keys where k.hasPrefix(prefix) { s.routes.removeValue(forKey: k) }
        }
    }

    func lines(namespace: String, pod: String, container: String) -> [Line] {
        state.withLock { $0.logs[Self.key(namespace, pod, container)]?.lines ?? [] }
    }

    /// The last `tail` lines (all when nil), then — while the container runs — every new line.
    func follow(namespace: String, pod: String, container: String, tail: Int?) -> AsyncStream<Line> {
        let (stream, continuation) = AsyncStream<Line>.makeStream(bufferingPolicy: .unbounded)
        let k = Self.key(namespace, pod, container)
        let id = state.withLock { s -> Int in
            let log = s.logs[k, default: Log()]
            for line in Self.tail(log.lines, tail) { continuation.yield(line) }
            if log.finished { continuation.finish(); return -1 }
            let id = s.nextID
            s.nextID += 1
            s.logs[k, default: Log()].followers[id] = continuation
            return id
        }
        if id >= 0 {
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.logs[k]?.followers.removeValue(forKey: id) }
            }
        }
        return stream
    }

    static func tail(_ lines: [Line], _ count: Int?) -> ArraySlice<Line> {
        guard let count, count >= 0 else { return lines[...] }
        return lines.suffix(count)
    }

    func finishAll() {
        let followers = state.withLock { s -> [AsyncStream<Line>.Continuation] in
            var all: [AsyncStream<Line>.Continuation] = []
            for k in s.logs.keys { all += s.logs[k]!.followers.values; s.logs[k]!.followers.removeAll() }
            return all
        }
        for f in followers { f.finish() }
    }
}
