import FlyingFox
import FlyingSocks
import Foundation

/// Adapts an async sequence of `Data` (an `AsyncStream`, an SSE stream) to
/// FlyingFox's buffered byte sequence, so a response body is written piece by
/// piece with chunked transfer encoding (watch, log follow, MCP's SSE).
public struct StreamBody<Base: AsyncSequence & Sendable>: AsyncBufferedSequence, Sendable where Base.Element == Data {
    public typealias Element = UInt8
    let stream: Base

    public init(stream: Base) { self.stream = stream }

    public func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator()) }

    public struct Iterator: AsyncBufferedIteratorProtocol {
        var base: Base.AsyncIterator
        var pending: [UInt8] = []

        public mutating func next() async throws -> UInt8? {
            if pending.isEmpty { pending = try await nextBuffer(suggested: 4096) ?? [] }
            return pending.isEmpty ? nil : pending.removeFirst()
        }

        /// Never returns an empty buffer: an empty chunk would end the chunked body early.
        public mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if !pending.isEmpty { defer { pending = [] }; return pending }
            while let data = try await base.next() {
                if !data.isEmpty { return Array(data) }
            }
            return nil
        }
    }
}

/// A body that sends its headers, then fails: the client sees the connection drop mid-response.
public struct BrokenBody: AsyncBufferedSequence, Sendable {
    public typealias Element = UInt8
    struct Dropped: Error {}

    public init() {}

    public func makeAsyncIterator() -> Iterator { Iterator() }

    public struct Iterator: AsyncBufferedIteratorProtocol {
        public mutating func next() async throws -> UInt8? { throw Dropped() }
        public mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw Dropped() }
    }
}
