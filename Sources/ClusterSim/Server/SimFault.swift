import Foundation

/// A failure the simulator can be told to produce, for testing clients' retry and error paths.
public enum SimFault: Sendable, Equatable {
    /// The next `count` requests get 429 Too Many Requests (with `Retry-After: 1`).
    case tooManyRequests(count: Int)
    /// The next `count` requests get 500 Internal Server Error.
    case serverError(count: Int)
    /// The next `count` requests are answered after `seconds`.
    case delay(seconds: Double, count: Int)
    /// The next `count` requests lose their connection mid-response (headers sent, body cut).
    case dropConnection(count: Int)
}

/// Queue of injected faults; each request takes at most one.
final class FaultInjector: Sendable {
    private let queue = Locked([SimFault]())

    func inject(_ fault: SimFault) { queue.withLock { $0.append(fault) } }

    func clear() { queue.withLock { $0.removeAll() } }

    /// The fault for this request, if any, consuming one use of it.
    func next() -> SimFault? {
        queue.withLock { faults -> SimFault? in
            guard let first = faults.first else { return nil }
            let (remaining, single): (Int, SimFault)
            switch first {
            case .tooManyRequests(let n): (remaining, single) = (n - 1, .tooManyRequests(count: 1))
            case .serverError(let n): (remaining, single) = (n - 1, .serverError(count: 1))
            case .delay(let s, let n): (remaining, single) = (n - 1, .delay(seconds: s, count: 1))
            case .dropConnection(let n): (remaining, single) = (n - 1, .dropConnection(count: 1))
            }
            if remaining <= 0 { faults.removeFirst() } else {
                switch first {
                case .tooManyRequests: faults[0] = .tooManyRequests(count: remaining)
                case .serverError: faults[0] = .serverError(count: remaining)
                case .delay(let s, _): faults[0] = .delay(seconds: s, count: remaining)
                case .dropConnection: faults[0] = .dropConnection(count: remaining)
                }
            }
            return single
        }
    }
}
