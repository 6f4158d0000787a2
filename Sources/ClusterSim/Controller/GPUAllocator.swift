/// GPU accounting across nodes: which node has how many `nvidia.com/gpu` left.
struct GPUAllocator: Sendable {
    struct Node: Sendable {
        let name: String
        let capacity: Int
    }

    /// One pod to place: its GPUs and the nodes its selector, affinity and tolerations allow.
    struct Request: Sendable {
        let gpus: Int
        let allowed: Set<String>
    }

    private(set) var nodes: [Node] = []
    /// GPUs taken per node, per holder (a TrainJob uid).
    private var taken: [String: [String: Int]] = [:]

    mutating func setNodes(_ nodes: [Node]) { self.nodes = nodes.sorted { $0.name < $1.name } }

    func free(_ node: String) -> Int {
        let capacity = nodes.first { $0.name == node }?.capacity ?? 0
        return capacity - (taken.values.reduce(0) { $0 + ($1[node] ?? 0) })
    }

    var totalFree: Int { nodes.reduce(0) { $0 + free($1.name) } }

    /// Places every request or none of them (gang scheduling: a PodGroup, or JobSet
    /// exclusive placement). Returns the node per request.
    mutating func reserveAll(_ requests: [Request], for holder: String) -> [String]? {
        var trial: [String: Int] = [:]
        var placement: [String] = []
        for request in requests {
            guard let node = pick(request, extra: trial) else { return nil }
            trial[node, default: 0] += request.gpus
            placement.append(node)
        }
        for (node, gpus) in trial { taken[holder, default: [:]][node, default: 0] += gpus }
        return placement
    }

    /// Places one pod, as the default scheduler does pod by pod; nil when no node fits now.
    mutating func reserveOne(_ request: Request, for holder: String) -> String? {
        guard let node = pick(request, extra: [:]) else { return nil }
        taken[holder, default: [:]][node, default: 0] += request.gpus
        return node
    }

    /// GPU-less pods go to CPU nodes first; GPU pods to the first node with room.
    private func pick(_ request: Request, extra: [String: Int]) -> String? {
        let candidates = (request.gpus == 0
            ? nodes.sorted { ($0.capacity == 0 ? 0 : 1, $0.name) < ($1.capacity == 0 ? 0 : 1, $1.name) }
            : nodes).filter { request.allowed.contains($0.name) }
        return candidates.first { free($0.name) - (extra[$0.name] ?? 0) >= request.gpus }?.name
    }

    mutating func release(_ holder: String) { taken.removeValue(forKey: holder) }
}
