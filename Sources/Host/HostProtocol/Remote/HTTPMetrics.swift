import Foundation

/// How a tools/call over HTTP ended.
public enum CallOutcome: String, Sendable, CaseIterable {
    case ok, error, cancelled
}

/// `/metrics` in Prometheus text format (exposition 0.0.4). Labels are tool
/// names the registry knows, outcomes and refusal reasons: never a user, a
/// session or an argument.
public final class HTTPMetrics: @unchecked Sendable {
    public enum Refusal: String, Sendable, CaseIterable {
        /// 429: a user over their share of calls or sessions.
        case callsPerUser = "calls_per_user", sessionsPerUser = "sessions_per_user"
        /// 429: too many failed TokenReviews in the last second.
        case authentication
        /// 503: every session slot taken, or the server draining.
        case sessions, draining
    }

    /// Upper bounds of the latency buckets, in seconds.
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: HTTPMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private let lock = NSLock()
    private var calls: [String: [CallOutcome: Int]] = [:]
    private var latency: [String: Histogram] = [:]
    private var refusals: [Refusal: Int] = [:]
    private var running = 0

    public init() {}

    /// A call began; finish it exactly once with how it ended.
    public func callStarted(tool: String) -> Call {
        lock.withLock { running += 1 }
        return Call(metrics: self, tool: tool, started: DispatchTime.now().uptimeNanoseconds)
    }

    public func refused(_ reason: Refusal) { lock.withLock { refusals[reason, default: 0] += 1 } }

    public final class Call: @unchecked Sendable {
        let metrics: HTTPMetrics
        let tool: String
        let started: UInt64
        private let lock = NSLock()
        private var done = false

        init(metrics: HTTPMetrics, tool: String, started: UInt64) {
            self.metrics = metrics
            self.tool = tool
            self.started = started
        }

        public func finish(_ outcome: CallOutcome) {
            guard lock.withLock({ () -> Bool in defer { done = true }; return !done }) else { return }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            metrics.record(tool: tool, outcome: outcome, seconds: seconds)
        }
    }

    private func record(tool: String, outcome: CallOutcome, seconds: Double) {
        lock.withLock {
            running -= 1
            calls[tool, default: [:]][outcome, default: 0] += 1
            var histogram = latency[tool] ?? Histogram()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            latency[tool] = histogram
        }
    }

    /// The exposition; `sessions` and `draining` are read by the caller at scrape time.
    public func render(sessions: Int, draining: Bool) -> String {
        lock.withLock {
            var out = """
            # HELP kfmcp_tool_calls_total tools/call over HTTP that ended, by tool and outcome.
            # TYPE kfmcp_tool_calls_total counter

            """
            for tool in calls.keys.sorted() {
                for outcome in CallOutcome.allCases {
                    out += "kfmcp_tool_calls_total{tool=\"\(tool)\",outcome=\"\(outcome.rawValue)\"} \(calls[tool]?[outcome] ?? 0)\n"
                }
            }
            out += """
            # HELP kfmcp_tool_call_duration_seconds How long tools/call took, by tool.
            # TYPE kfmcp_tool_call_duration_seconds histogram

            """
            for tool in latency.keys.sorted() {
                let histogram = latency[tool]!
                for (index, bound) in Self.buckets.enumerated() {
                    out += "kfmcp_tool_call_duration_seconds_bucket{tool=\"\(tool)\",le=\"\(bound)\"} \(histogram.counts[index])\n"
                }
                out += "kfmcp_tool_call_duration_seconds_bucket{tool=\"\(tool)\",le=\"+Inf\"} \(histogram.count)\n"
                out += "kfmcp_tool_call_duration_seconds_sum{tool=\"\(tool)\"} \(histogram.sum)\n"
                out += "kfmcp_tool_call_duration_seconds_count{tool=\"\(tool)\"} \(histogram.count)\n"
            }
            out += """
            # HELP kfmcp_tool_call_errors_total tools/call that ended in an error, all tools.
            # TYPE kfmcp_tool_call_errors_total counter
            kfmcp_tool_call_errors_total \(calls.values.reduce(0) { $0 + ($1[.error] ?? 0) })
            # HELP kfmcp_requests_refused_total Requests refused for load: 429 (a user's share) or 503 (full, draining).
            # TYPE kfmcp_requests_refused_total counter

            """
            for reason in Refusal.allCases {
                out += "kfmcp_requests_refused_total{reason=\"\(reason.rawValue)\"} \(refusals[reason] ?? 0)\n"
            }
            out += """
            # HELP kfmcp_tool_calls_in_flight tools/call running now (calls over a share are refused, not queued).
            # TYPE kfmcp_tool_calls_in_flight gauge
            kfmcp_tool_calls_in_flight \(running)
            # HELP kfmcp_sessions Streamable HTTP sessions open.
            # TYPE kfmcp_sessions gauge
            kfmcp_sessions \(sessions)
            # HELP kfmcp_draining 1 while shutting down (SIGTERM): no new sessions.
            # TYPE kfmcp_draining gauge
            kfmcp_draining \(draining ? 1 : 0)

            """
            return out
        }
    }
}
