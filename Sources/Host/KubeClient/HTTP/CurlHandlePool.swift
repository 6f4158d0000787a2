import CCurl
import Foundation

/// libcurl's process-wide setup, done once before the first handle exists.
enum CurlRuntime {
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static func ensureInitialized() { _ = initialized }
}

/// One libcurl easy handle. A handle keeps its own connection cache, so reusing
/// it for the next request reuses the open (keep-alive, HTTP/2) connection.
final class CurlHandle {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes a human-readable failure detail here (CURLOPT_ERRORBUFFER).
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        CurlRuntime.ensureInitialized()
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    var errorDetail: String { String(cString: errorBuffer) }
}

/// Idle easy handles shared by all threads. A request borrows one (or makes a
/// new one when all are busy) and gives it back, so concurrent requests run in
/// parallel and sequential ones reuse connections.
final class CurlHandlePool: Sendable {
    private let idle = Locked<[CurlHandle]>([])
    private let maxIdle: Int

    init(maxIdle: Int = 8) { self.maxIdle = maxIdle }

    func withHandle<T>(_ body: (CurlHandle) -> T) -> T? {
        let handle = idle.withLock { $0.popLast() } ?? CurlHandle()
        guard let handle else { return nil }
        defer {
            idle.withLock { handles in
                if handles.count < maxIdle { handles.append(handle) }
            }
        }
        return body(handle)
    }
}
