/// GPU accounting across nodes: which node has how many `nvidia.com/gpu` left.
struct GPUAllocator: Sendable {
    struct Node: Sendable {
        let name: String
        let capacity: Int
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

    /// Places every request (GPUs per pod) or none of them (gang scheduling, like the
    /// whole JobSet waiting). Returns the node per request; GPU-less pods go to CPU nodes first.
    mutating func reserve(_ requests: [Int], for holder: String) -> [String]? {
        var trial: [String: Int] = [:]
        var placement: [String] = []
        for gpus in requests {
            let candidates = gpus == 0
                ? nodes.sorted { ($0.capacity == 0 ? 0 : 1, $0.name) < ($1.capacity == 0 ? 0 : 1, $1.name) }
                : nodes
            guard let node = candidates.first(where: { free($0.name) - (trial[$0.name] ?? 0) >= gpus }) else {
                return nil
            }
            trial[node.name, default: 0] += gpus
            placement.append(node.name)
        }
        taken[holder] = trial
        return placement
    }

    mutating func release(_ holder: String) { taken.removeValue(forKey: holder) }
}
