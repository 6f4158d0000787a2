import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin

private func model(_ id: String) throws -> ModelSpec { try ModelRegistry.shared.lookup(id).model }
private func perGPU(_ m: ModelSpec, _ r: MemoryRequest, _ b: BackendProfile = .generic) -> Double {
    MemoryModel.estimate(model: m, request: r, backend: b).perGPUBytes
}

@Test func methodsOrderByFootprint() throws {
    let m = try model("Qwen/Qwen2.5-7B")
    let q = perGPU(m, MemoryRequest(method: .qlora)), l = perGPU(m, MemoryRequest(method: .lora))
    let f = perGPU(m, MemoryRequest(method: .full))
    #expect(q < l && l < f)
    // Full fine-tune in bf16: weights 2 + gradients 2 + AdamW 4 bytes per parameter.
    let e = MemoryModel.estimate(model: m, request: MemoryRequest(method: .full), backend: .generic)
    #expect(abs(e.perGPU.optimizer - m.parameters * 4) < 1)
    #expect(e.perGPU.adapters == 0)
}

@Test func loraParametersFollowRankAndModules() throws {
    let m = try model("meta-llama/Llama-3.1-8B")
    // q: 8×(4096+4096), v: 8×(4096+1024) per layer, 32 layers.
    let qv = LoRASettings(rank: 8, modules: [.q, .v]).parameters(for: m)
    #expect(qv == 32 * (8 * 8192 + 8 * 5120))
    #expect(LoRASettings(rank: 16, modules: [.q, .v]).parameters(for: m) == 2 * qv)
}

@Test func shardingCheckpointingAndBackendFactorReduceMemory() throws {
    let m = try model("meta-llama/Llama-3.1-70B")
    let one = perGPU(m, MemoryRequest(method: .full, numNodes: 1, gpusPerNode: 8))
    let two = perGPU(m, MemoryRequest(method: .full, numNodes: 2, gpusPerNode: 8))
    #expect(two < one)
    let replicated = BackendProfile(backend: ["capabilities": ["shards_parameters": false]])
    #expect(perGPU(m, MemoryRequest(method: .full, gpusPerNode: 8), replicated) > one)
    let small = try model("Qwen/Qwen2.5-1.5B")
    #expect(perGPU(small, MemoryRequest(gradientCheckpointing: true)) < perGPU(small, MemoryRequest(gradientCheckpointing: false)))
    let lean = BackendProfile(backend: ["id": "lean", "capabilities": ["memory_factor": 0.5]])
    let e = MemoryModel.estimate(model: small, request: MemoryRequest(batchSize: 8, gradientCheckpointing: false), backend: lean)
    let g = MemoryModel.estimate(model: small, request: MemoryRequest(batchSize: 8, gradientCheckpointing: false), backend: .generic)
    #expect(abs(e.perGPU.activations * 2 - g.perGPU.activations) < 1)
    #expect(e.assumptions.contains { $0.contains("memory_factor") })
}

@Test func precisionChangesWeights() throws {
    let m = try model("Qwen/Qwen2.5-7B")
    let w = { (p: Precision) in MemoryModel.estimate(model: m, request: MemoryRequest(method: .lora, precision: p), backend: .generic).perGPU.weights }
    #expect(w(.fp32) == 2 * w(.bf16))
    #expect(w(.int8) < w(.bf16) && w(.nf4) < w(.int8))
}

/// Prints the cost of one estimate (tests never assert wall-clock time; scripts/bench
/// reports estimate_resources end to end).
@Test func estimateCostIsPrinted() throws {
    let m = try model("bigscience/mt0-xxl")
    var r = MemoryRequest(method: .full, gpusPerNode: 8)
    r.objective = .dpo
    r.targetLen = 128
    let clock = ContinuousClock()
    var total = 0.0
    let elapsed = clock.measure {
        for _ in 0..<1000 { total += perGPU(m, r) }
    }
    #expect(total > 0)
    print("memory estimate: \(elapsed / 1000) per estimate (debug build, explained)")
}

@Test func estimateInputReadsArgumentsAndBackends() throws {
    let backends: [JSON] = [["id": "lean", "capabilities": ["memory_factor": 0.6, "methods": ["lora", "qlora"]]]]
    let input = try EstimateInput(arguments: ["model": "hf://Qwen/Qwen2.5-7B-Instruct", "method": "qlora", "backend": "lean",
                                              "batch_size": 4, "seq_len": 1024, "lora_rank": 32,
                                              "lora_target_modules": ["q_proj", "v_proj"]], backends: backends)
    #expect(input.model.id == "Qwen/Qwen2.5-7B")
    #expect(input.request.method == .qlora && input.request.batchSize == 4 && input.request.lora.rank == 32)
    #expect(input.backend.memoryFactor == 0.6)
    #expect(!input.explicitLayout)
    #expect(throws: ToolError.self) {
        try EstimateInput(arguments: ["model": "Qwen/Qwen2.5-7B", "method": "full", "backend": "lean"], backends: backends)
    }
    #expect(throws: ToolError.self) { try EstimateInput(arguments: ["model": "x", "backend": "nope"], backends: backends) }
    #expect(throws: ToolError.self) { try EstimateInput(arguments: ["model": "acme/Mystery-9B-v2"], backends: []) }
}

@Test func customTrainersUseHintsOrSayWhatTheyAssume() throws {
    let hinted = try EstimateInput(arguments: ["trainer_type": "custom", "params_billion": 3], backends: [])
    #expect(hinted.model.paramsBillion == 3 && hinted.request.method == .full)
    #expect(hinted.assumptions.contains { $0.contains("params_billion = 3") })
    #expect(abs(hinted.model.computedParameters - 3e9) / 3e9 < 0.15)
    let bare = try EstimateInput(arguments: ["trainer_type": "container"], backends: [])
    #expect(bare.model.paramsBillion == 7)
    #expect(bare.assumptions.contains { $0.contains("assumed a 7.0B-parameter model") })
}

@Test func planRecommendsAndChecksFeasibility() throws {
    let m = try model("Qwen/Qwen2.5-7B")
    let nodes: [JSON] = [node("a100-1", "NVIDIA-A100-SXM4-80GB", 4), node("t4-1", "Tesla-T4", 1)]
    let pods: [JSON] = [["spec": ["nodeName": "a100-1", "containers": [["resources": ["requests": ["nvidia.com/gpu": "3"]]]]],
                         "status": ["phase": "Running"]]]
    let inventory = GPUInventory(nodes: nodes, pods: pods)
    #expect(inventory.totalFree == 2)
    let plan = ResourcePlan.make(model: m, request: MemoryRequest(method: .lora), backend: .generic,
                                 explicitLayout: false, inventory: inventory)
    #expect(plan.feasible == true)
    #expect(plan.recommended?.gpu.name == "A100-80GB")
    #expect(plan.fitsOn.contains { $0.gpu.name == "L40S" && $0.count == 1 })
    // Every fit holds the high end of the range, never only the point estimate.
    for fit in plan.fitsOn { #expect(gib(fit.highBytes) <= fit.gpu.memoryGiB * GPUCatalog.usableFraction) }
    #expect(plan.estimate.lowBytes < plan.estimate.perGPUBytes && plan.estimate.perGPUBytes < plan.estimate.highBytes)
    let json = plan.json
    #expect(json["breakdown"]?["weights"]?.double != nil)
    #expect(json["recommended_gpus"]?.int == 1)
    // A 72B full fine-tune cannot run on 1 free A100.
    let big = ResourcePlan.make(model: try model("Qwen/Qwen2.5-72B"), request: MemoryRequest(method: .full),
                                backend: .generic, explicitLayout: false, inventory: inventory)
    #expect(big.feasible == false)
    // 72.7B × 8 bytes of weights, gradients and AdamW states: 4 × B200 at the least.
    #expect((big.recommended?.count ?? 0) >= 4)
    #expect(big.fitsOn.first { $0.gpu.name == "A100-80GB" }.map { $0.count >= 8 } == true)
}

func node(_ name: String, _ product: String, _ gpus: Int) -> JSON {
    ["metadata": ["name": .string(name), "labels": ["nvidia.com/gpu.product": .string(product)]],
     "status": ["allocatable": ["nvidia.com/gpu": .string("\(gpus)")], "conditions": [["type": "Ready", "status": "True"]]]]
}

@Test(arguments: [
    ("NVIDIA-A100-SXM4-80GB", "A100-80GB"), ("NVIDIA-A100-SXM4-40GB", "A100-40GB"), ("NVIDIA-H100-80GB-HBM3", "H100-80GB"),
    ("Tesla-T4", "T4"), ("NVIDIA-L4", "L4"), ("NVIDIA-L40S", "L40S"), ("NVIDIA-A10G", "A10G"),
    ("NVIDIA-GeForce-RTX-4090", "RTX-4090"), ("NVIDIA-H200", "H200"),
])
func gpuProductLabels(_ label: String, _ name: String) {
    #expect(GPUCatalog.type(forProduct: label)?.name == name)
}

@Test func smallJobsGetSmallGPUsPerNodeType() throws {
    // A ~4 GB job on a cluster with A100s, H100s and T4s: the T4, never the H100.
    let m = try model("Qwen/Qwen2.5-0.5B")
    let nodes: [JSON] = [node("a100-1", "NVIDIA-A100-SXM4-80GB", 4), node("h100-1", "NVIDIA-H100-80GB-HBM3", 8),
                         node("t4-1", "Tesla-T4", 2)]
    let plan = ResourcePlan.make(model: m, request: MemoryRequest(method: .qlora, seqLen: 1024), backend: .generic,
                                 explicitLayout: false, inventory: GPUInventory(nodes: nodes, pods: []))
    #expect(plan.recommended?.gpu.name == "T4")
    #expect(plan.byNodeType.count == 3)
    #expect(plan.byNodeType.allSatisfy { $0.fit?.count == 1 && $0.availableNow })
    // Without T4s, the A100 before the H100 of the same size.
    let big = ResourcePlan.make(model: m, request: MemoryRequest(method: .qlora, seqLen: 1024), backend: .generic,
                                explicitLayout: false, inventory: GPUInventory(nodes: Array(nodes.prefix(2)), pods: []))
    #expect(big.recommended?.gpu.name == "A100-80GB")
    // Offline: the smallest catalog GPU that holds the high end.
    let offline = ResourcePlan.make(model: m, request: MemoryRequest(method: .qlora, seqLen: 1024), backend: .generic,
                                    explicitLayout: false, inventory: nil)
    #expect(offline.recommended?.gpu.name == "T4")
    #expect(offline.json["gpu_memory_gb_range"]?["high"]?.double != nil)
    #expect(offline.json["dominant_terms"]?.array?.count == 3)
}

@Test func profileAndUserSettingsChangeTheEstimate() throws {
    let m = try model("meta-llama/Llama-3.1-8B")
    let torchtune = BackendProfile(backend: ["capabilities": ["memory_profile": ["loss": "chunked", "optimizer": "paged_adamw_8bit",
                                                                                  "optimizer_in_backward": true]]])
    let full = MemoryRequest(method: .full)
    let lean = MemoryModel.estimate(model: m, request: full, backend: torchtune)
    let plain = MemoryModel.estimate(model: m, request: full, backend: .generic)
    #expect(lean.perGPU.logits < plain.perGPU.logits)
    #expect(lean.perGPU.gradients < plain.perGPU.gradients / 10)
    #expect(lean.perGPU.optimizer == m.parameters * 2)
    #expect(lean.lowBytes < lean.perGPUBytes - m.parameters)  // paged states may leave the GPU
    // The user's settings win over the backend's.
    var adamw = full
    adamw.overrides.optimizer = .adamw
    #expect(MemoryModel.estimate(model: m, request: adamw, backend: torchtune).perGPU.optimizer == m.parameters * 4)
    var offload = MemoryRequest(method: .full, gpusPerNode: 8)
    let sharded = MemoryModel.estimate(model: m, request: offload, backend: torchtune).perGPUBytes
    offload.overrides.cpuOffload = true
    #expect(MemoryModel.estimate(model: m, request: offload, backend: torchtune).perGPUBytes < sharded)
    var offloaded = MemoryRequest(method: .lora, seqLen: 8192)
    let kept = MemoryModel.estimate(model: m, request: offloaded, backend: torchtune).perGPU.activations
    offloaded.overrides.activationOffloading = true
    #expect(MemoryModel.estimate(model: m, request: offloaded, backend: torchtune).perGPU.activations < kept)
    // Older capability keys still count.
    #expect(BackendProfile(backend: ["shards_parameters": false]).memory.sharding == .ddp)
    #expect(BackendProfile(backend: ["offloads_activation_checkpoints": true]).memory.activationOffloading)
}

/// A setting the estimate cannot know widens the range downwards and is named; the point
/// stays at the peak a default run reaches (never below the low end).
@Test func unknownSettingsWidenTheRangeAndSayWhatNarrowsIt() throws {
    let qwen = try model("Qwen/Qwen2.5-7B")
    let padded = MemoryModel.estimate(model: qwen, request: MemoryRequest(method: .lora, batchSize: 4, seqLen: 4096),
                                      backend: .generic)
    var packedRequest = MemoryRequest(method: .lora, batchSize: 4, seqLen: 4096)
    packedRequest.overrides.packed = true
    let packed = MemoryModel.estimate(model: qwen, request: packedRequest, backend: .generic)
    #expect(padded.perGPUBytes == packed.perGPUBytes)
    #expect(padded.lowBytes < packed.lowBytes * 0.8)
    #expect(padded.narrowedBy.contains { $0.hasPrefix("packed") })
    #expect(packed.narrowedBy.isEmpty)
    for e in [padded, packed] { #expect(e.lowBytes <= e.perGPUBytes && e.perGPUBytes <= e.highBytes) }

    // A paged optimizer: the GPU type narrows it; on a GPU too small for its states they leave it.
    let llama = try model("meta-llama/Llama-3.1-8B")
    let paged = BackendProfile(backend: ["memory_profile": ["optimizer": "paged_adamw_8bit", "optimizer_in_backward": true, "packed": true]])
    var onSmall = MemoryRequest(method: .full, batchSize: 2, seqLen: 2048)
    let unknownGPU = MemoryModel.estimate(model: llama, request: onSmall, backend: paged)
    onSmall.gpuMemoryGiB = 24
    let small = MemoryModel.estimate(model: llama, request: onSmall, backend: paged)
    #expect(unknownGPU.narrowedBy.contains { $0.hasPrefix("the GPU type") })
    #expect(small.perGPUBytes < unknownGPU.perGPUBytes * 0.7 && small.perGPUBytes >= unknownGPU.lowBytes * 0.9)
}
