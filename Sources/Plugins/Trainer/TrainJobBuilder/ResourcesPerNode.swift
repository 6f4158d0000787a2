import PluginKit

/// `resourcesPerNode` exactly as the Kubeflow SDK writes it
/// (utils.py:get_resources_per_node): the same map as requests and limits,
/// standard keys lower-cased, aliases expanded, integers sent as JSON floats.
enum ResourcesPerNode {
    static let gpuKey = "nvidia.com/gpu"
    static let migPrefix = "nvidia.com/mig-"

    /// Turns `{"gpu": 4, "memory": "64Gi"}` into
    /// `{"requests": {"nvidia.com/gpu": 4.0, "memory": "64Gi"}, "limits": {...}}`.
    /// Throws when a value is neither a number nor a string, or when MIG and
    /// whole GPUs are mixed (the SDK refuses both).
    static func build(_ resources: [String: JSON], field: String = "resources_per_node") throws -> JSON {
        let standard: Set<String> = ["cpu", "memory", "gpu", "storage", "ephemeral-storage"]
        let aliases = ["gpu": gpuKey, "storage": "ephemeral-storage"]
        var quantities: [String: JSON] = [:]
        for (rawKey, value) in resources {
            let lower = rawKey.lowercased()
            var key = standard.contains(lower) || lower.hasPrefix("mig-") ? lower : rawKey
            key = aliases[key] ?? key
            if key.hasPrefix("mig-") { key = migPrefix + key.dropFirst("mig-".count) }
            quantities[key] = try quantity(value, key: rawKey, field: field)
        }
        let migKeys = quantities.keys.filter { $0.hasPrefix(migPrefix) }.sorted()
        if migKeys.count > 1 {
            throw ToolError("\(field) asks for several MIG profiles (\(migKeys.joined(separator: ", "))); request one.",
                            field: field)
        }
        if let mig = migKeys.first, quantities[gpuKey] != nil {
            throw ToolError("\(field) asks for whole GPUs and MIG slices (\(mig)) together; request one or the other.",
                            field: field)
        }
        let map = JSON.object(quantities)
        return ["requests": map, "limits": map]
    }

    /// The SDK's Quantity is `Union[float, str]`: numbers become floats, strings stay.
    private static func quantity(_ value: JSON, key: String, field: String) throws -> JSON {
        switch value {
        case .int(let i): return .double(Double(i))
        case .double: return value
        case .string(let s) where !s.isEmpty: return value
        default:
            throw ToolError("\(field).\(key) must be a number or a Kubernetes quantity string such as \"64Gi\".",
                            field: field)
        }
    }
}
