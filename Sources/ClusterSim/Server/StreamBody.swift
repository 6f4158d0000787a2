import FlyingFox
import FlyingSocks
import Foundation

/// Adapts an `AsyncStream<Data>` to FlyingFox's buffered byte sequence, so a response
/// body can be written piece by piece with chunked transfer encoding (watch, log follow).
struct StreamBody: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    let stream: AsyncStream<Data>

    func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator()) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var base: AsyncStream<Data>.Iterator
        var pending: [UInt8] = []

        mutating func next() async throws -> UInt8? {
            if pending.isEmpty { pending = try await nextBuffer(suggested: 4096) ?? [] }
            return pending.isEmpty ? nil : pending.removeFirst()
        }

        /// Never returns an empty buffer: an empty chunk would end the chunked body early.
        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if !pending.isEmpty { defer { pending = [] }; return pending }
            while let data = await base.next() {
                if !data.isEmpty { return Array(data) }
            }
            return nil
        }
    }
}

/// A body that sends its headers, then fails: the client sees the connection drop mid-response.
struct BrokenBody: AsyncBufferedSequence, Sendable {
    typealias Element = UInt8
    struct Dropped: Error {}

    func makeAsyncIterator() -> Iterator { Iterator() }

    struct Iterator: AsyncBufferedIteratorProtocol {
        mutating func next() async throws -> UInt8? { throw Dropped() }
        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw Dropped() }
    }
}
