import MemoryKit
import PluginKit

/// The answer of estimate_resources: the memory estimate with its range, the
/// GPUs it fits on, a recommendation per node type the cluster has, and
/// whether the cluster's free GPUs can run it. Every fit is judged on the
/// *high* end of the range, so a recommended GPU never holds less than it.
public struct ResourcePlan: Sendable {
    public struct Fit: Sendable, Equatable {
        public var gpu: GPUType
        public var count: Int
        /// Point estimate and high end per GPU on this layout.
        public var perGPUBytes: Double
        public var highBytes: Double
    }

    /// One GPU type the cluster has: the fewest of it that hold the job, and whether they are free.
    public struct NodeTypeFit: Sendable, Equatable {
        public var product: String
        public var fit: Fit?
        public var free: Int
        public var availableNow: Bool
    }

    public var model: ModelSpec
    public var request: MemoryRequest
    public var estimate: MemoryEstimate
    public var fitsOn: [Fit]
    public var byNodeType: [NodeTypeFit]
    public var recommended: Fit?
    /// nil when the cluster was not consulted or could not be read.
    public var feasible: Bool?
    public var feasibility: String
    public var assumptions: [String]

    /// Cheapest first: fewer GPUs, then a lower price class, then less memory.
    static func preferred(_ a: Fit, _ b: Fit) -> Bool {
        (a.count, a.gpu.tier, a.gpu.memoryGiB) < (b.count, b.gpu.tier, b.gpu.memoryGiB)
    }

    /// - Parameters:
    ///   - explicitLayout: the user chose num_nodes/gpus_per_node; recommend on it.
    ///   - inventory: the cluster's GPUs, when read.
    public static func make(model: ModelSpec, request: MemoryRequest, backend: BackendProfile,
                            explicitLayout: Bool, inventory: GPUInventory?, extraAssumptions: [String] = [])
        -> ResourcePlan
    {
        let estimate = MemoryModel.estimate(model: model, request: request, backend: backend)

        // The estimate on each layout tried, computed once for every GPU type.
        var byCount: [Int: MemoryEstimate] = [:]
        func estimateOn(_ count: Int) -> MemoryEstimate {
            if explicitLayout && count == request.totalGPUs { return estimate }
            if let known = byCount[count] { return known }
            let layout = MemoryModel.layout(for: count)
            let e = MemoryModel.estimate(model: model, request: request.on(nodes: layout.nodes, gpusPerNode: layout.perNode),
                                         backend: backend, explain: false)
            byCount[count] = e
            return e
        }
        // The fewest GPUs of a type that hold the high end of the range.
        func fewest(_ gpu: GPUType) -> Fit? {
            MemoryModel.fewestGPUs(on: gpu, backend: backend, estimateOn: estimateOn).map {
                Fit(gpu: gpu, count: $0.count, perGPUBytes: $0.estimate.perGPUBytes, highBytes: $0.estimate.highBytes)
            }
        }
        let fitsOn = GPUCatalog.all.compactMap(fewest)

        var feasible: Bool?
        var feasibility: String
        var recommended: Fit?
        var byNodeType: [NodeTypeFit] = []
        let fitsRequested = { (gpu: GPUType) in GPUCatalog.fits(estimate.highBytes, on: gpu) }
        if explicitLayout {
            recommended = GPUCatalog.all.filter(fitsRequested)
                .map { Fit(gpu: $0, count: request.totalGPUs, perGPUBytes: estimate.perGPUBytes, highBytes: estimate.highBytes) }
                .min(by: preferred)
        }
        if let inventory {
            // Per GPU type the cluster has: the fewest that hold the job and whether they are free now.
            var seen = Set<String>()
            for node in inventory.nodes {
                let product = node.product ?? "unknown"
                guard seen.insert(product).inserted else { continue }
                let free = inventory.freeByProduct[product] ?? 0
                guard let gpu = node.gpu else {
                    byNodeType.append(NodeTypeFit(product: product, fit: nil, free: free, availableNow: false))
                    continue
                }
                let fit = explicitLayout
                    ? (fitsRequested(gpu) ? Fit(gpu: gpu, count: request.totalGPUs, perGPUBytes: estimate.perGPUBytes, highBytes: estimate.highBytes) : nil)
                    : fewest(gpu)
                let now = fit.map { f -> Bool in
                    let layout = explicitLayout ? (request.numNodes, request.gpusPerNode) : MemoryModel.layout(for: f.count)
                    return inventory.placement(nodeCount: layout.0, perNode: layout.1) { $0 == gpu } != nil
                } ?? false
                byNodeType.append(NodeTypeFit(product: product, fit: fit, free: free, availableNow: now))
            }
            let available = byNodeType.filter(\.availableNow).compactMap(\.fit).min(by: preferred)
            if let available {
                feasible = true
                recommended = available
                feasibility = "\(available.count) free \(available.gpu.name) GPU(s) in the cluster hold up to \(gbText(available.highBytes)) per GPU (the high end)."
            } else {
                feasible = false
                let somewhere = byNodeType.compactMap(\.fit).min(by: preferred)
                if let somewhere, recommended == nil { recommended = somewhere }
                feasibility = somewhere == nil
                    ? "No GPU type in the cluster can hold \(gbText(estimate.highBytes)) per GPU (the high end); free GPUs: \(freeText(inventory))."
                    : "The job fits \(somewhere!.count) × \(somewhere!.gpu.name) in the cluster, but not enough are free now (it would wait, Pending); free GPUs: \(freeText(inventory))."
            }
            if !inventory.podsCounted { feasibility += " (Pods could not be listed: GPUs in use were not subtracted.)" }
        } else {
            feasibility = "The cluster's GPUs were not checked."
        }
        if recommended == nil { recommended = fitsOn.min(by: preferred) }

        var assumptions = extraAssumptions + estimate.assumptions
        assumptions.append("GB are GiB; a GPU fits when the high end is at most \(Int(GPUCatalog.usableFraction * 100))% of its memory.")
        return ResourcePlan(model: model, request: request, estimate: estimate, fitsOn: fitsOn, byNodeType: byNodeType,
                            recommended: recommended, feasible: feasible, feasibility: feasibility, assumptions: assumptions)
    }

    static func gbText(_ bytes: Double) -> String { "\(rounded(gib(bytes), 1)) GB" }

    static func freeText(_ inventory: GPUInventory) -> String {
        let free = inventory.freeByProduct.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
        return free.isEmpty ? "none" : free.joined(separator: ", ")
    }

    /// The answer. Kept compact: every byte of a tool result is scanned for
    /// secrets and written to the audit log by the host.
    public var json: JSON {
        func gb(_ x: Double) -> JSON { .double(rounded(gib(x), 1)) }
        // Per-GPU memory depends on the layout only; each type's fewest count is enough.
        var highByCount: [String: JSON] = [:]
        for f in fitsOn { highByCount[String(f.count)] = gb(f.highBytes) }
        var o = estimate.json(model: model, request: request)
        o["fits_on"] = .object(Dictionary(uniqueKeysWithValues: fitsOn.map { ($0.gpu.name, JSON.int($0.count)) }))
        o["gpu_memory_gb_high_by_count"] = .object(highByCount)
        o["recommended_gpus"] = recommended.map { .int($0.count) } ?? .null
        o["recommended_gpu_type"] = recommended.map { .string($0.gpu.name) } ?? .null
        o["feasible"] = feasible.map { .bool($0) } ?? .null
        o["feasibility"] = .string(feasibility)
        o["assumptions"] = .array(assumptions.map { .string($0) })
        if !byNodeType.isEmpty {
            o["by_node_type"] = .array(byNodeType.map { t in
                ["gpu_product": .string(t.product), "gpu_type": t.fit.map { .string($0.gpu.name) } ?? .null,
                 "count": t.fit.map { .int($0.count) } ?? .null, "free": .int(t.free), "available_now": .bool(t.availableNow)]
            })
        }
        return o
    }

    /// One line for people.
    public var summary: String {
        var s = "\(model.id) \(request.method.rawValue): \(Self.gbText(estimate.perGPUBytes)) per GPU (range \(Self.gbText(estimate.lowBytes))–\(Self.gbText(estimate.highBytes))) on \(request.totalGPUs) GPU(s)"
        if let recommended { s += "; recommended \(recommended.count) × \(recommended.gpu.name)" }
        if let feasible { s += feasible ? "; feasible now" : "; not feasible with the free GPUs" }
        return s + "."
    }
}
