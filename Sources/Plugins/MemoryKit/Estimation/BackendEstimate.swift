import PluginKit

/// A fine-tuning backend's `estimate` operation, which fine_tune calls for its
/// preview and default GPU count. It is estimate_resources' computation
/// (EstimateInput → MemoryModel), fed by the capabilities the backend itself
/// declares (`memory_profile`, `memory_factor`, ...): the same job gets the
/// same figure from either path, and no backend carries a model of its own.
///
/// Request: estimate_resources' arguments (model, method or peft_method,
/// batch_size, max_seq_len, num_nodes, gpus_per_node, lora_rank, optimizer, ...)
/// plus `gpu_memory_gb` (default 80): the GPU that `recommended_gpus` counts.
public enum BackendEstimate {
    public static func run(_ arguments: JSON, backendID: String, capabilities: JSON,
                           hub: HubConfig? = .fromEnvironment()) throws -> JSON {
        var a = try KEPAliases.apply(arguments)
        a["backend"] = .string(backendID)
        let input = try EstimateInput(arguments: a, backends: [["id": .string(backendID), "capabilities": capabilities]],
                                      hub: hub)
        let estimate = MemoryModel.estimate(model: input.model, request: input.request, backend: input.backend)
        let gpuGiB = try EstimateInput.number(a, "gpu_memory_gb") ?? 80
        guard gpuGiB > 0, gpuGiB <= 4096 else {
            throw ToolError("gpu_memory_gb must be between 0 and 4096 (GB of one GPU).", field: "gpu_memory_gb")
        }
        let gpu = GPUType(name: "\(gpuGiB) GB", memoryGiB: gpuGiB, labelTokens: [], tier: 0)
        var answer = estimate.json(model: input.model, request: input.request)
        answer["backend"] = .string(backendID)
        answer["gpu_memory_gb"] = .double(gpuGiB)
        answer["assumptions"] = .array((input.assumptions + estimate.assumptions).map(JSON.string))
        answer["method_of_estimate"] = "the planner's memory model with this backend's memory profile (as estimate_resources)"
        if a["gpus_per_node"] != nil || !input.backend.shardsParameters && input.backend.memory.sharding != .zero2 {
            // The layout is given, or more GPUs would each hold the same.
            answer["recommended_gpus"] = .int(input.request.totalGPUs)
            answer["fits"] = .bool(GPUCatalog.fits(estimate.highBytes, on: gpu))
        } else if let fit = fewestPerNode(input, on: gpu) {
            answer["recommended_gpus"] = .int(fit)
            answer["fits"] = true
        } else {
            answer["recommended_gpus"] = .int(input.request.totalGPUs * MemoryModel.gpusPerNodeMax)
            answer["fits"] = false
        }
        if answer["fits"] == false {
            answer["note"] = .string("\(rounded(gib(estimate.highBytes), 1)) GB per GPU (the high end) does not fit in \(gpuGiB) GB\(input.backend.shardsParameters ? "" : ", and every GPU holds a full copy here"): use qlora, a smaller batch or max_seq_len, or a GPU with more memory.")
        }
        return answer
    }

    /// On the job's nodes, the fewest GPUs (1, 2, 4, 8 per node) whose high end holds it.
    static func fewestPerNode(_ input: EstimateInput, on gpu: GPUType) -> Int? {
        let nodes = input.request.numNodes
        for perNode in [1, 2, 4, MemoryModel.gpusPerNodeMax] {
            let e = MemoryModel.estimate(model: input.model, request: input.request.on(nodes: nodes, gpusPerNode: perNode),
                                         backend: input.backend, explain: false)
            if GPUCatalog.fits(e.highBytes, on: gpu) { return nodes * perNode }
        }
        return nil
    }
}

extension MemoryModel {
    /// GPU counts tried when looking for a layout that fits, and the most per node.
    public static let layoutCounts = [1, 2, 4, 8, 16, 32, 64]
    public static let gpusPerNodeMax = 8

    /// GPUs spread over nodes of up to 8.
    public static func layout(for count: Int) -> (nodes: Int, perNode: Int) {
        count <= gpusPerNodeMax ? (1, count) : ((count + gpusPerNodeMax - 1) / gpusPerNodeMax, gpusPerNodeMax)
    }

    /// The fewest GPUs of a type whose high end holds the job, with the estimate on them;
    /// nil when none do (more GPUs help only when something is sharded).
    /// - estimateOn: the estimate on a count (a caller may cache it across GPU types).
    public static func fewestGPUs(on gpu: GPUType, backend: BackendProfile,
                                  estimateOn: (Int) -> MemoryEstimate) -> (count: Int, estimate: MemoryEstimate)? {
        for count in layoutCounts {
            let e = estimateOn(count)
            if GPUCatalog.fits(e.highBytes, on: gpu) { return (count, e) }
            if !backend.shardsParameters && backend.memory.sharding != .zero2 { return nil }
        }
        return nil
    }
}

extension MemoryEstimate {
    /// The figures both estimate_resources and the backends' estimate answer with.
    public func json(model: ModelSpec, request: MemoryRequest) -> JSON {
        let b = perGPU
        func gb(_ x: Double) -> JSON { .double(rounded(gib(x), 1)) }
        let total = max(b.total, 1)
        var o: JSON = [
            "model": ["id": .string(model.id), "params_billion": .double(model.paramsBillion), "num_layers": .int(model.layers),
                      "hidden_size": .int(model.hiddenSize), "vocab_size": .int(model.vocabSize), "source": .string(model.source)],
            "method": .string(request.method.rawValue),
            "precision": .string(request.precision.rawValue),
            "batch_size": .int(request.batchSize), "seq_len": .int(request.seqLen),
            "num_nodes": .int(request.numNodes), "gpus_per_node": .int(request.gpusPerNode),
            "memory_profile": profile.json,
            "trainable_parameters": .int(Int(trainableParameters)),
            "gpu_memory_gb_per_gpu": gb(b.total),
            "gpu_memory_gb_range": ["low": gb(lowBytes), "high": gb(highBytes),
                                    "narrowed_by": .array(narrowedBy.map(JSON.string))],
            "total_gpu_memory_gb": gb(totalBytes),
            "breakdown": ["weights": gb(b.weights), "gradients": gb(b.gradients), "optimizer": gb(b.optimizer),
                          "adapters": gb(b.adapters), "activations": gb(b.activations), "logits": gb(b.logits),
                          "overhead": gb(b.overhead)],
            "dominant_terms": .array(b.terms.prefix(3).map { .string("\($0.name) \(rounded(gib($0.bytes), 1)) GB (\(Int(($0.bytes / total * 100).rounded()))%)") }),
        ]
        if request.objective != .sft { o["objective"] = .string(request.objective.rawValue) }
        if let target = request.targetLen { o["max_target_len"] = .int(target) }
        if request.method != .full {
            o["lora_rank"] = .int(request.lora.rank)
            o["lora_target_modules"] = Set(request.lora.modules) == Set(LoRAModule.all)
                ? ["all-linear"] : .array(request.lora.modules.map { .string($0.rawValue) })
        }
        return o
    }
}
