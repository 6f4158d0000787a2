import PluginKit

/// GPU capacity and use per node, from one nodes list and one pods list.
struct GPUReport {
    struct Node {
        var name: String
        var product: String?
        var capacity: Int
        var allocatable: Int
        var inUse: Int
        var free: Int { max(allocatable - inUse, 0) }
        var ready: Bool
    }
    var nodes: [Node]
    /// GPUs requested by pending pods not yet bound to a node.
    var pendingUnscheduled: Int

    static let productLabel = "nvidia.com/gpu.product"

    init(nodes nodeObjects: [JSON], pods: [JSON]) {
        var used: [String: Int] = [:]
        var unscheduled = 0
        for pod in pods {
            let phase = pod["status"]?["phase"]?.string ?? "Pending"
            guard phase == "Running" || phase == "Pending" else { continue }
            let gpus = Self.podGPUs(pod)
            guard gpus > 0 else { continue }
            if let node = pod["spec"]?["nodeName"]?.string, !node.isEmpty { used[node, default: 0] += gpus }
            else { unscheduled += gpus }
        }
        nodes = nodeObjects.map { n in
            let name = n["metadata"]?["name"]?.string ?? "?"
            let ready = (n["status"]?["conditions"]?.array ?? []).contains {
                $0["type"]?.string == "Ready" && $0["status"]?.string == "True"
            }
            return Node(name: name, product: n["metadata"]?["labels"]?[Self.productLabel]?.string,
                        capacity: Self.quantity(n["status"]?["capacity"]?[ResourcesPerNode.gpuKey]),
                        allocatable: Self.quantity(n["status"]?["allocatable"]?[ResourcesPerNode.gpuKey]),
                        inUse: used[name] ?? 0, ready: ready)
        }.sorted { $0.name < $1.name }
        pendingUnscheduled = unscheduled
    }

    /// A pod's GPUs: the sum over containers of requests (or limits, which imply requests).
    static func podGPUs(_ pod: JSON) -> Int {
        (pod["spec"]?["containers"]?.array ?? []).reduce(0) { sum, c in
            let r = c["resources"]?["requests"]?[ResourcesPerNode.gpuKey] ?? c["resources"]?["limits"]?[ResourcesPerNode.gpuKey]
            return sum + quantity(r)
        }
    }

    static func quantity(_ v: JSON?) -> Int {
        guard let v else { return 0 }
        if let i = v.int { return i }
        if let s = v.string { return Int(s) ?? Double(s).map { Int($0) } ?? 0 }
        return 0
    }

    var json: JSON {
        let rows: [JSON] = nodes.map { n in
            ["name": .string(n.name), "gpu_product": n.product.map { .string($0) } ?? .null,
             "capacity": .int(n.capacity), "allocatable": .int(n.allocatable), "in_use": .int(n.inUse),
             "free": .int(n.free), "ready": .bool(n.ready)]
        }
        let gpuNodes = nodes.filter { $0.capacity > 0 }
        return ["nodes": .array(rows), "totals": [
            "nodes": .int(nodes.count), "gpu_nodes": .int(gpuNodes.count),
            "capacity": .int(nodes.reduce(0) { $0 + $1.capacity }),
            "allocatable": .int(nodes.reduce(0) { $0 + $1.allocatable }),
            "in_use": .int(nodes.reduce(0) { $0 + $1.inUse }),
            "free": .int(nodes.filter(\.ready).reduce(0) { $0 + $1.free }),
            "pending_unscheduled": .int(pendingUnscheduled),
        ]]
    }

    var summary: String {
        let gpuNodes = nodes.filter { $0.capacity > 0 }
        if gpuNodes.isEmpty { return "No GPUs in the cluster (\(nodes.count) node(s))." }
        let free = nodes.filter(\.ready).reduce(0) { $0 + $1.free }
        let total = nodes.reduce(0) { $0 + $1.allocatable }
        let lines = gpuNodes.map { "\($0.name): \($0.free)/\($0.allocatable) free \($0.product ?? "GPU")" }
        return "\(free) of \(total) GPUs free across \(gpuNodes.count) GPU node(s)\n" + lines.joined(separator: "\n")
    }
}
