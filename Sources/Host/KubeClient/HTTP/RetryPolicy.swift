import Foundation

/// When and how long to wait before repeating a request.
///
/// Only GET and HEAD are repeated, and only after 429 or 5xx: a POST that got a
/// 500 may still have created the object, so repeating it could create two.
struct RetryPolicy: Sendable {
    var maxAttempts = 3
    var baseDelay: TimeInterval = 0.2
    /// Retry-After beyond this is not honoured in full: a tool call should not hang.
    var maxDelay: TimeInterval = 10

    func shouldRetry(_ request: KubeRequest, status: Int, attempt: Int) -> Bool {
        guard request.isSafeToRepeat, attempt < maxAttempts else { return false }
        return status == 429 || (500...599).contains(status)
    }

    /// Retry-After (seconds) when the server sent one, else exponential backoff with jitter.
    func delay(attempt: Int, retryAfter: String?) -> TimeInterval {
        if let retryAfter, let seconds = Double(retryAfter.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return min(seconds, maxDelay)
        }
        let backoff = baseDelay * pow(2, Double(attempt - 1))
        return min(backoff * Double.random(in: 0.8...1.2), maxDelay)
    }
}
