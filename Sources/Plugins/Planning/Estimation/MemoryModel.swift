import PluginKit

public enum FineTuneMethod: String, Sendable, CaseIterable {
    case lora, qlora, full
}

/// The precision the weights are held in. For QLoRA it is the compute dtype:
/// the frozen base is 4-bit NF4 regardless (8-bit when `int8` is asked for).
public enum Precision: String, Sendable, CaseIterable {
    case bf16, fp16, fp32, int8, nf4
}

/// One fine-tuning setup to size.
public struct MemoryRequest: Sendable, Equatable {
    public var method: FineTuneMethod
    public var precision: Precision
    /// Per-GPU micro-batch.
    public var batchSize: Int
    public var seqLen: Int
    public var numNodes: Int
    public var gpusPerNode: Int
    public var gradientCheckpointing: Bool
    public var lora: LoRASettings

    public init(method: FineTuneMethod = .lora, precision: Precision = .bf16, batchSize: Int = 1, seqLen: Int = 2048,
                numNodes: Int = 1, gpusPerNode: Int = 1, gradientCheckpointing: Bool = true,
                lora: LoRASettings = .default) {
        self.method = method
        self.precision = precision
        self.batchSize = batchSize
        self.seqLen = seqLen
        self.numNodes = numNodes
        self.gpusPerNode = gpusPerNode
        self.gradientCheckpointing = gradientCheckpointing
        self.lora = lora
    }

    public var totalGPUs: Int { max(numNodes, 1) * max(gpusPerNode, 1) }

    /// The same request on another GPU layout.
    public func on(nodes: Int, gpusPerNode: Int) -> MemoryRequest {
        var copy = self
        copy.numNodes = nodes
        copy.gpusPerNode = gpusPerNode
        return copy
    }
}

/// Bytes per GPU, by what holds them.
public struct MemoryBreakdown: Sendable, Equatable {
    public var weights: Double
    public var gradients: Double
    public var optimizer: Double
    public var adapters: Double
    public var activations: Double
    public var overhead: Double

    public var total: Double { weights + gradients + optimizer + adapters + activations + overhead }
}

public struct MemoryEstimate: Sendable, Equatable {
    /// Peak bytes on each GPU.
    public var perGPU: MemoryBreakdown
    public var gpus: Int
    public var trainableParameters: Double
    /// How the figure was reached, in sentences a person can check.
    public var assumptions: [String]

    public var perGPUBytes: Double { perGPU.total }
    public var totalBytes: Double { perGPU.total * Double(gpus) }
}

/// The GPU memory model: weights per precision, gradients and AdamW states for
/// the trainable parameters, activations from batch × seq_len × hidden ×
/// layers, FSDP sharding across nodes × GPUs, and the backend's factor.
///
/// A pure function of its inputs (no I/O), so it runs in microseconds.
/// Calibrated against published peak-memory measurements; the cases, their
/// sources and the error per case are in Tests/PlanningTests/MemoryCalibrationTests.swift.
public enum MemoryModel {
    /// NF4 with double quantization: 4 bits plus ~0.127 bits of block constants per weight.
    static let nf4BytesPerParameter = 0.5 + 0.127 / 8
    /// Activation bytes per token of one layer's full working set, at 16-bit:
    /// coefficient × hidden + coefficient × MLP width (fused attention: no seq² term).
    static let layerHiddenCoefficient = 12.0
    static let layerMLPCoefficient = 4.0
    /// A checkpointed layer keeps only its 16-bit input: 2 bytes × hidden per token.
    static let checkpointBytesPerHidden = 2.0
    /// Logits per token, with a chunked/fused loss (calibrated): 1 byte per vocabulary entry.
    static let logitBytesPerVocab = 1.0
    /// CUDA context and allocator reserve.
    static let fixedOverheadBytes = 0.3e9
    /// FSDP keeps this many layers unsharded at once (the running one and the prefetched one).
    static let gatheredLayers = 2.0

    public static func estimate(model: ModelSpec, request r: MemoryRequest, backend: BackendProfile) -> MemoryEstimate {
        var notes: [String] = []
        let p = model.parameters
        let linear = min(model.linearParameters, p)
        let other = max(p - linear, 0)
        let computeBytes: Double = r.precision == .fp32 ? 4 : 2
        let n = Double(r.totalGPUs)
        let sharded = r.totalGPUs > 1 && backend.shardsParameters

        // Weights, and the bytes of one linear parameter (for FSDP's gathered layers).
        var weights: Double
        var linearBytes: Double
        switch (r.method, r.precision) {
        case (.qlora, .int8), (.lora, .int8):
            linearBytes = 1
            weights = linear * linearBytes + other * 2
            notes.append("Frozen base weights: linear layers 8-bit, embeddings and norms 16-bit.")
        case (.qlora, _), (.lora, .nf4):
            linearBytes = nf4BytesPerParameter
            weights = linear * linearBytes + other * 2
            notes.append("Frozen base weights: linear layers 4-bit NF4 (double quantization), embeddings, output head and norms 16-bit.")
        case (_, .fp32):
            linearBytes = 4
            weights = p * 4
            notes.append("Weights in fp32 (4 bytes per parameter).")
        default:
            linearBytes = 2
            weights = p * 2
            notes.append("Weights in \(r.precision == .fp16 ? "fp16" : "bf16") (2 bytes per parameter).")
        }

        var gradients = 0.0, optimizer = 0.0, adapters = 0.0
        let trainable: Double
        if r.method == .full {
            trainable = p
            let weightBytes: Double = r.precision == .fp32 ? 4 : 2
            gradients = p * weightBytes
            switch r.precision {
            case .fp16:
                optimizer = p * 12
                notes.append("fp16 mixed precision: fp32 master weights and fp32 AdamW moments (12 bytes per parameter).")
            case .fp32:
                optimizer = p * 8
                notes.append("AdamW: two fp32 moments per parameter (8 bytes).")
            default:
                optimizer = p * 4
                notes.append("AdamW moments in bf16, like the parameters (4 bytes per parameter).")
            }
        } else {
            trainable = r.lora.parameters(for: model)
            adapters = trainable * computeBytes
            gradients = trainable * computeBytes
            optimizer = trainable * computeBytes * 2
            let modules = r.lora.modules.map(\.rawValue).joined(separator: ", ")
            notes.append("LoRA rank \(r.lora.rank) on \(modules): \(formatCount(trainable)) trainable parameters; gradients and AdamW states for those only.")
        }

        if sharded {
            let gathered = gatheredLayers * model.linearParametersPerLayer * linearBytes
            weights = weights / n + gathered
            gradients /= n
            optimizer /= n
            adapters /= n
            notes.append("FSDP across \(r.totalGPUs) GPUs (\(r.numNodes) node(s) × \(r.gpusPerNode)): weights, gradients and optimizer states sharded; 2 layers gathered at a time.")
        } else if r.totalGPUs > 1 {
            notes.append("The backend replicates the model on each of the \(r.totalGPUs) GPUs (no parameter sharding).")
        }

        // Activations for one micro-batch.
        let tokens = Double(r.batchSize * r.seqLen)
        let scale = computeBytes / 2
        let hidden = Double(model.hiddenSize)
        let layerWorkingSet = tokens * (layerHiddenCoefficient * hidden
            + layerMLPCoefficient * Double(model.activeIntermediateSize)) * scale
        let logits = tokens * Double(model.vocabSize) * logitBytesPerVocab * scale
        var activations: Double
        if r.gradientCheckpointing {
            let saved = backend.offloadsActivationCheckpoints
                ? 0 : tokens * checkpointBytesPerHidden * hidden * Double(model.layers) * scale
            activations = saved + layerWorkingSet + logits
            notes.append(backend.offloadsActivationCheckpoints
                ? "Gradient checkpointing with checkpoints offloaded to CPU memory (backend capability)."
                : "Gradient checkpointing: each layer keeps its input; one layer is recomputed at a time.")
        } else {
            activations = layerWorkingSet * Double(model.layers) + logits
            notes.append("No gradient checkpointing: every layer keeps its activations.")
        }
        activations *= backend.memoryFactor
        if backend.memoryFactor != 1 {
            notes.append("Activation memory × \(backend.memoryFactor) (memory_factor of backend \(backend.id ?? "?")).")
        }
        notes.append("Activations for batch \(r.batchSize) × \(r.seqLen) tokens per GPU with fused (flash) attention.")

        let breakdown = MemoryBreakdown(weights: weights, gradients: gradients, optimizer: optimizer,
                                        adapters: adapters, activations: activations, overhead: fixedOverheadBytes)
        return MemoryEstimate(perGPU: breakdown, gpus: r.totalGPUs, trainableParameters: trainable, assumptions: notes)
    }

    static func formatCount(_ x: Double) -> String {
        if x >= 1e9 { return "\(rounded(x / 1e9, 2))B" }
        if x >= 1e6 { return "\(rounded(x / 1e6, 1))M" }
        return "\(Int(x))"
    }
}

/// Rounds to `places` decimals, for figures people read.
func rounded(_ x: Double, _ places: Int) -> Double {
    var factor = 1.0
    for _ in 0..<places { factor *= 10 }
    return (x * factor).rounded() / factor
}

/// Bytes → GiB (2^30), the unit nvidia-smi and PyTorch report GPU memory in.
func gib(_ bytes: Double) -> Double { bytes / 1_073_741_824 }
