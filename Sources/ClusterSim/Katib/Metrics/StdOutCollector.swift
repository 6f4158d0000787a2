import Foundation
import KFJSON

/// How Katib v0.19 turns a trial's output into its observation: the StdOut/File collector's
/// text parsing (pkg/metricscollector/v1beta1/file-metricscollector: parseLogsInTextFormat,
/// newObservationLog) and the trial controller's min/max/latest per metric (getMetrics).
enum StdOutCollector {
    /// common.DefaultFilter: `name=value`, the value a decimal or scientific number.
    static let defaultFilter = #"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"#
    /// What a line without a leading RFC 3339 timestamp is logged at (Go's zero time).
    static let zeroTime = "0001-01-01T00:00:00Z"
    static let unavailable = "unavailable"

    struct MetricLog: Equatable, Sendable {
        let timestamp: String
        let name: String
        let value: String
    }

    /// The observation log of one metrics file. Only lines naming a metric are read; each
    /// filter match whose first group is one of `metrics` is kept, value as written. When
    /// the objective (the first metric) never appears, the log is that metric `unavailable`.
    static func observationLog(_ lines: [String], metrics: [String], filters: [String] = []) -> [MetricLog] {
        let regexes = (filters.isEmpty ? [defaultFilter] : filters).compactMap(GoRegex.compile)
        var logs: [MetricLog] = []
        for line in lines where metrics.contains(where: { line.contains($0) }) {
            var timestamp = zeroTime
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parseTime(String(parts[0])) != nil { timestamp = String(parts[0]) }
            let ns = line as NSString
            for regex in regexes {
                for match in regex.matches(in: line, range: NSRange(location: 0, length: ns.length)) where match.numberOfRanges >= 3 {
                    let group = { (i: Int) in
                        match.range(at: i).location == NSNotFound ? "" : ns.substring(with: match.range(at: i))
                    }
                    let name = group(1).trimmingCharacters(in: .whitespaces)
                    let value = group(2).trimmingCharacters(in: .whitespaces)
                    if metrics.contains(name) { logs.append(MetricLog(timestamp: timestamp, name: name, value: value)) }
                }
            }
        }
        guard let objective = metrics.first, logs.contains(where: { $0.name == objective }) else {
            return [MetricLog(timestamp: zeroTime, name: metrics.first ?? "", value: unavailable)]
        }
        return logs
    }

    /// The trial's `status.observation.metrics`: per strategy's metric, the min, max and latest
    /// value reported (`unavailable` until a number is). Latest is the last one logged at
    /// the newest timestamp.
    static func observation(_ logs: [MetricLog], strategies: [(name: String, value: String)]) -> [JSON] {
        var min: [String: String] = [:], max: [String: String] = [:], latest: [String: String] = [:]
        var latestTime: [String: Date] = [:]
        let names = Set(strategies.map(\.name))
        for log in logs where names.contains(log.name) {
            if let v = Double(log.value) {
                if let lo = min[log.name].flatMap(Double.init), let hi = max[log.name].flatMap(Double.init) {
                    // Upstream's else-if: a value below the min is never also checked against the max.
                    if v < lo { min[log.name] = log.value } else if v > hi { max[log.name] = log.value }
                } else {
                    min[log.name] = log.value
                    max[log.name] = log.value
                }
            }
            guard let time = parseTime(log.timestamp) else { continue }
            if latestTime[log.name].map({ !($0 > time) }) ?? true {
                latestTime[log.name] = time
                latest[log.name] = log.value
            }
        }
        return strategies.map { s in
            ["name": .string(s.name), "min": .string(min[s.name] ?? unavailable),
             "max": .string(max[s.name] ?? unavailable), "latest": .string(latest[s.name] ?? unavailable)]
        }
    }

    /// The value a metric strategy extracts (`min`, `max` or `latest`).
    static func extracted(_ metric: JSON, strategy: String) -> String? {
        switch strategy {
        case "min": return metric["min"]?.string
        case "max": return metric["max"]?.string
        default: return metric["latest"]?.string
        }
    }

    static func parseTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = fractional.date(from: text) { return d }
        // Go accepts any number of fractional digits; Foundation wants milliseconds.
        guard let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." })
        else { return nil }
        return fractional.date(from: String(text[..<dot]) + "." + String((text[text.index(after: dot)..<end] + "000").prefix(3))
                               + String(text[end...]))
    }
}

/// Go's regular expressions (RE2) read a brace that opens no repetition, as in Katib's
/// `{metricName: ([\w|-]+), …}` filters, as a literal; ICU rejects it. This escapes those
/// braces so a filter means in the simulator what it means in Katib.
enum GoRegex {
    static func compile(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: icu(pattern))
    }

    static func icu(_ pattern: String) -> String {
        let chars = Array(pattern)
        var out = "", i = 0, inRepetition = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\" && i + 1 < chars.count {
                out.append(c); out.append(chars[i + 1]); i += 2; continue
            }
            if c == "{" {
                let rest = String(chars[(i + 1)...])
                if rest.range(of: #"^\d+(,\d*)?\}"#, options: .regularExpression) != nil {
                    inRepetition = true
                } else {
                    out += "\\{"; i += 1; continue
                }
            } else if c == "}" {
                if inRepetition { inRepetition = false } else { out += "\\}"; i += 1; continue }
            }
            out.append(c)
            i += 1
        }
        return out
    }
}
