import PluginKit

/// The answer of estimate_resources: the memory estimate, the GPUs it fits
/// on, a recommendation, and whether the cluster's free GPUs can run it.
public struct ResourcePlan: Sendable {
    public struct Fit: Sendable, Equatable {
        public var gpu: GPUType
        public var count: Int
        public var perGPUBytes: Double
    }

    public var model: ModelSpec
    public var request: MemoryRequest
    public var estimate: MemoryEstimate
    public var fitsOn: [Fit]
    public var recommended: Fit?
    /// nil when the cluster was not consulted or could not be read.
    public var feasible: Bool?
    public var feasibility: String
    public var assumptions: [String]

    /// GPU counts tried when looking for a layout that fits.
    static let counts = [1, 2, 4, 8, 16, 32, 64]
    static let gpusPerNodeMax = 8

    /// - Parameters:
    ///   - explicitLayout: the user chose num_nodes/gpus_per_node; recommend on it.
    ///   - inventory: the cluster's GPUs, when read.
    public static func make(model: ModelSpec, request: MemoryRequest, backend: BackendProfile,
                            explicitLayout: Bool, inventory: GPUInventory?, extraAssumptions: [String] = [])
        -> ResourcePlan
    {
        let estimate = MemoryModel.estimate(model: model, request: request, backend: backend)

        // The fewest GPUs of each type that hold the job.
        var fitsOn: [Fit] = []
        for gpu in GPUCatalog.all {
            for count in counts {
                let layout = layoutFor(count)
                let e = explicitLayout && count == request.totalGPUs
                    ? estimate : MemoryModel.estimate(model: model, request: request.on(nodes: layout.nodes, gpusPerNode: layout.perNode), backend: backend)
                if GPUCatalog.fits(e.perGPUBytes, on: gpu) {
                    fitsOn.append(Fit(gpu: gpu, count: count, perGPUBytes: e.perGPUBytes))
                    break
                }
                // More GPUs only help when something is sharded.
                if request.method != .full && !backend.shardsParameters { break }
            }
        }

        var feasible: Bool?
        var feasibility: String
        var recommended: Fit?
        let fitsRequested = { (gpu: GPUType) in GPUCatalog.fits(estimate.perGPUBytes, on: gpu) }
        if explicitLayout {
            // Smallest GPU that holds the requested layout.
            recommended = GPUCatalog.all.filter(fitsRequested).min { $0.memoryGiB < $1.memoryGiB }
                .map { Fit(gpu: $0, count: request.totalGPUs, perGPUBytes: estimate.perGPUBytes) }
        }
        if let inventory {
            if explicitLayout {
                if let product = inventory.placement(nodeCount: request.numNodes, perNode: request.gpusPerNode, fits: fitsRequested) {
                    feasible = true
                    feasibility = "\(request.numNodes) node(s) with \(request.gpusPerNode) free \(product) GPU(s) each hold \(gbText(estimate.perGPUBytes)) per GPU."
                    if let gpu = GPUCatalog.type(forProduct: product) {
                        recommended = Fit(gpu: gpu, count: request.totalGPUs, perGPUBytes: estimate.perGPUBytes)
                    }
                } else {
                    feasible = false
                    feasibility = "No \(request.numNodes) node(s) have \(request.gpusPerNode) free GPU(s) with \(gbText(estimate.perGPUBytes)) each; free GPUs: \(freeText(inventory))."
                }
            } else {
                // The fewest GPUs the cluster can give now, on any fitting type.
                let available = fitsOn.sorted { ($0.count, $0.gpu.memoryGiB) < ($1.count, $1.gpu.memoryGiB) }.first { fit in
                    let layout = layoutFor(fit.count)
                    return inventory.nodes.contains { $0.gpu == fit.gpu }
                        && inventory.placement(nodeCount: layout.nodes, perNode: layout.perNode) { $0 == fit.gpu } != nil
                }
                if let available {
                    feasible = true
                    recommended = available
                    feasibility = "\(available.count) free \(available.gpu.name) GPU(s) in the cluster hold \(gbText(available.perGPUBytes)) per GPU."
                } else {
                    feasible = false
                    feasibility = "The cluster's free GPUs cannot hold the job; free GPUs: \(freeText(inventory))."
                }
            }
            if !inventory.podsCounted { feasibility += " (Pods could not be listed: GPUs in use were not subtracted.)" }
        } else {
            feasibility = "The cluster's GPUs were not checked."
        }
        if recommended == nil {
            recommended = fitsOn.min { ($0.count, $0.gpu.memoryGiB) < ($1.count, $1.gpu.memoryGiB) }
        }

        var assumptions = extraAssumptions + estimate.assumptions
        assumptions.append("GPU memory in GiB (2^30 bytes); a GPU counts as fitting when the estimate is at most \(Int(GPUCatalog.usableFraction * 100))% of its memory.")
        return ResourcePlan(model: model, request: request, estimate: estimate, fitsOn: fitsOn, recommended: recommended,
                            feasible: feasible, feasibility: feasibility, assumptions: assumptions)
    }

    /// GPUs spread over nodes of up to 8.
    static func layoutFor(_ count: Int) -> (nodes: Int, perNode: Int) {
        count <= gpusPerNodeMax ? (1, count) : ((count + gpusPerNodeMax - 1) / gpusPerNodeMax, gpusPerNodeMax)
    }

    static func gbText(_ bytes: Double) -> String { "\(rounded(gib(bytes), 1)) GB" }

    static func freeText(_ inventory: GPUInventory) -> String {
        let free = inventory.freeByProduct.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }
        return free.isEmpty ? "none" : free.joined(separator: ", ")
    }

    public var json: JSON {
        let b = estimate.perGPU
        func gb(_ x: Double) -> JSON { .double(rounded(gib(x), 2)) }
        var o: JSON = [
            "model": model.json,
            "method": .string(request.method.rawValue),
            "precision": .string(request.precision.rawValue),
            "batch_size": .int(request.batchSize), "seq_len": .int(request.seqLen),
            "num_nodes": .int(request.numNodes), "gpus_per_node": .int(request.gpusPerNode),
            "gradient_checkpointing": .bool(request.gradientCheckpointing),
            "trainable_parameters": .int(Int(estimate.trainableParameters)),
            "gpu_memory_gb_per_gpu": gb(b.total),
            "total_gpu_memory_gb": gb(estimate.totalBytes),
            "breakdown": ["weights": gb(b.weights), "gradients": gb(b.gradients), "optimizer": gb(b.optimizer),
                          "adapters": gb(b.adapters), "activations": gb(b.activations), "overhead": gb(b.overhead)],
            "fits_on": .array(fitsOn.map { ["gpu_type": .string($0.gpu.name), "memory_gb": .double($0.gpu.memoryGiB),
                                            "count": .int($0.count), "gpu_memory_gb_per_gpu": gb($0.perGPUBytes)] }),
            "recommended_gpus": recommended.map { .int($0.count) } ?? .null,
            "recommended_gpu_type": recommended.map { .string($0.gpu.name) } ?? .null,
            "feasible": feasible.map { .bool($0) } ?? .null,
            "feasibility": .string(feasibility),
            "assumptions": .array(assumptions.map { .string($0) }),
        ]
        if request.method != .full {
            o["lora_rank"] = .int(request.lora.rank)
            o["lora_target_modules"] = .array(request.lora.modules.map { .string($0.rawValue) })
        }
        return o
    }

    /// One line for people.
    public var summary: String {
        var s = "\(model.id) \(request.method.rawValue): \(Self.gbText(estimate.perGPUBytes)) per GPU on \(request.totalGPUs) GPU(s)"
        if let recommended { s += "; recommended \(recommended.count) × \(recommended.gpu.name)" }
        if let feasible { s += feasible ? "; feasible now" : "; not feasible with the free GPUs" }
        return s + "."
    }
}
