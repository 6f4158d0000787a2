import KFJSON

/// Small helpers to read and write nested JSON objects by key path.
extension JSON {
    /// The value at `path` (object keys only), or nil.
    func value(at path: [String]) -> JSON? {
        var current: JSON? = self
        for key in path { current = current?[key] }
        return current
    }

    /// Sets the value at `path`, creating intermediate objects as needed.
    mutating func set(_ newValue: JSON?, at path: [String]) {
        guard let first = path.first else {
            if let newValue { self = newValue }
            return
        }
        if case .object = self {} else { self = .object([:]) }
        if path.count == 1 {
            self[first] = newValue
            return
        }
        var child = self[first] ?? .object([:])
        child.set(newValue, at: Array(path.dropFirst()))
        self[first] = child
    }

    /// `metadata.labels` as a string map (non-string values ignored).
    var labels: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in self["metadata"]?["labels"]?.object ?? [:] { if let s = v.string { out[k] = s } }
        return out
    }

    var name: String { self["metadata"]?["name"]?.string ?? "" }
    var namespace: String { self["metadata"]?["namespace"]?.string ?? "" }
    var uid: String { self["metadata"]?["uid"]?.string ?? "" }
    var resourceVersion: String { self["metadata"]?["resourceVersion"]?.string ?? "" }
}
