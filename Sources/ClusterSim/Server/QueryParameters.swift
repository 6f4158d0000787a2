import Foundation

/// Query string parameters decoded like Go's `url.ParseQuery` (`+` is a space), which
/// matters for label selectors such as `name in (a, b)` sent by the Python client.
struct QueryParameters: Sendable {
    private var values: [String: String] = [:]

    init(raw: String) {
        for pair in raw.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let decode = { (s: String) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? s }
            guard let key = parts.first.map(decode), !key.isEmpty else { continue }
            if values[key] == nil { values[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }

    /// "true", "True", "1" are all true (the Python SDK sends `follow=True`).
    func bool(_ key: String) -> Bool {
        guard let v = values[key]?.lowercased() else { return false }
        return v == "true" || v == "1"
    }
}
