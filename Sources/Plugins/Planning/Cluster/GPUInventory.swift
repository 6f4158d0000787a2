import MemoryKit
import PluginKit

/// Free GPUs per node: allocatable `nvidia.com/gpu` minus the requests of the
/// node's non-terminated pods, with the GPU model from `nvidia.com/gpu.product`.
public struct GPUInventory: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var product: String?
        public var allocatable: Int
        public var requested: Int
        /// Ready and schedulable.
        public var usable: Bool
        public var free: Int { usable ? max(allocatable - requested, 0) : 0 }
        public var gpu: GPUType? { product.flatMap(GPUCatalog.type(forProduct:)) }
    }

    public var nodes: [Node]
    /// False when the pods could not be listed: free = allocatable, an upper bound.
    public var podsCounted: Bool

    static let gpuResource = "nvidia.com/gpu"
    static let productLabel = "nvidia.com/gpu.product"

    public init(nodes nodeObjects: [JSON], pods: [JSON]?) {
        var requested: [String: Int] = [:]
        for pod in pods ?? [] {
            let phase = pod["status"]?["phase"]?.string ?? "Pending"
            guard phase != "Succeeded" && phase != "Failed",
                let node = pod["spec"]?["nodeName"]?.string, !node.isEmpty
            else { continue }
            requested[node, default: 0] += Self.podGPUs(pod)
        }
        nodes = nodeObjects.map { n in
            let name = n["metadata"]?["name"]?.string ?? "?"
            let ready = (n["status"]?["conditions"]?.array ?? []).contains {
                $0["type"]?.string == "Ready" && $0["status"]?.string == "True"
            }
            let schedulable = n["spec"]?["unschedulable"]?.bool != true
            return Node(name: name, product: n["metadata"]?["labels"]?[Self.productLabel]?.string,
                        allocatable: Self.quantity(n["status"]?["allocatable"]?[Self.gpuResource]),
                        requested: requested[name] ?? 0, usable: ready && schedulable)
        }.filter { $0.allocatable > 0 }.sorted { $0.name < $1.name }
        podsCounted = pods != nil
    }

    /// GPUs a pod holds: per container requests (limits imply requests);
    /// init containers run before and are not counted.
    static func podGPUs(_ pod: JSON) -> Int {
        (pod["spec"]?["containers"]?.array ?? []).reduce(0) { sum, c in
            let r = c["resources"]?["requests"]?[gpuResource] ?? c["resources"]?["limits"]?[gpuResource]
            return sum + quantity(r)
        }
    }

    /// A whole-number Kubernetes quantity ("4", 4, 4.0).
    static func quantity(_ v: JSON?) -> Int {
        guard let v else { return 0 }
        if let i = v.int { return i }
        if let s = v.string { return Int(s) ?? Double(s).map { Int($0) } ?? 0 }
        return 0
    }

    public var totalFree: Int { nodes.reduce(0) { $0 + $1.free } }

    /// Free GPUs per product label.
    public var freeByProduct: [String: Int] {
        nodes.reduce(into: [:]) { $0[$1.product ?? "unknown", default: 0] += $1.free }
    }

    /// Whether `nodeCount` nodes of a GPU type whose memory is at least
    /// `minimumGiB` each have `perNode` free GPUs. Returns the product label used.
    public func placement(nodeCount: Int, perNode: Int, fits: (GPUType) -> Bool) -> String? {
        var byProduct: [String: [Node]] = [:]
        for node in nodes { byProduct[node.product ?? "unknown", default: []].append(node) }
        for (product, group) in byProduct.sorted(by: { $0.key < $1.key }) {
            guard let gpu = group.first?.gpu, fits(gpu) else { continue }
            if group.filter({ $0.free >= perNode }).count >= nodeCount { return product }
        }
        return nil
    }

    var json: JSON {
        ["nodes": .array(nodes.map { n in
            ["name": .string(n.name), "gpu_product": n.product.map { .string($0) } ?? .null,
             "allocatable": .int(n.allocatable), "requested": .int(n.requested), "free": .int(n.free)]
        }),
         "free_by_product": .object(freeByProduct.mapValues { .int($0) }),
         "total_free": .int(totalFree), "pods_counted": .bool(podsCounted)]
    }
}

extension GPUInventory {
    /// Reads nodes (required) and pods (optional: a user may not list them),
    /// in all namespaces or, under a namespace allowlist, in each allowed one
    /// (pods elsewhere are then not subtracted: the host will not list them).
    static func read(_ cluster: ClusterReader) -> (inventory: GPUInventory?, problem: String?) {
        let nodes = cluster.send(KubeRequests.nodes)
        guard nodes.ok else {
            return (nil, "Could not list nodes (\(nodes.errorMessage ?? "HTTP \(nodes.status)")).")
        }
        var pods: [JSON] = []
        for request in K8sRequest.listEverywhere(.pods, allowedNamespaces: cluster.allowedNamespaces) {
            let answer = cluster.send(request)
            guard answer.ok else {
                let inventory = GPUInventory(nodes: nodes.body["items"]?.array ?? [], pods: nil)
                let scope = request.namespace.map { "namespace \($0)" } ?? "all namespaces"
                return (inventory, "Could not list pods in \(scope) (\(answer.errorMessage ?? "HTTP \(answer.status)")); GPUs in use by running pods are not subtracted.")
            }
            pods += answer.body["items"]?.array ?? []
        }
        return (GPUInventory(nodes: nodes.body["items"]?.array ?? [], pods: pods), nil)
    }
}
