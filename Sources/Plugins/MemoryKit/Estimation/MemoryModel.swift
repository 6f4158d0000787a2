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
    /// The longest sequence (max_seq_len): packed batches are always this long.
    public var seqLen: Int
    public var numNodes: Int
    public var gpusPerNode: Int
    public var lora: LoRASettings
    /// What the user set over the backend's memory profile.
    public var overrides: ProfileOverrides
    /// The GPU's memory in GiB, when known: a paged optimizer's states leave a GPU they do not fit.
    public var gpuMemoryGiB: Double?
    /// An encoder-decoder's target (decoder) length; nil: seqLen, which is then the source length.
    public var targetLen: Int?
    public var objective: Objective = .sft

    public enum Objective: String, Sendable, CaseIterable {
        /// Supervised fine-tuning: one completion per example.
        case sft
        /// Preference training with a reference model: chosen and rejected completions run
        /// as one batch, and a frozen reference scores them.
        case dpo
    }

    var preference: Bool { objective == .dpo }

    public init(method: FineTuneMethod = .lora, precision: Precision = .bf16, batchSize: Int = 1, seqLen: Int = 2048,
                numNodes: Int = 1, gpusPerNode: Int = 1, gradientCheckpointing: Bool? = nil,
                lora: LoRASettings = .default, overrides: ProfileOverrides = ProfileOverrides()) {
        self.method = method
        self.precision = precision
        self.batchSize = batchSize
        self.seqLen = seqLen
        self.numNodes = numNodes
        self.gpusPerNode = gpusPerNode
        self.lora = lora
        self.overrides = overrides
        if let gradientCheckpointing { self.overrides.activationCheckpointing = gradientCheckpointing }
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
    public var weights = 0.0
    public var gradients = 0.0
    public var optimizer = 0.0
    public var adapters = 0.0
    public var activations = 0.0
    /// The output head's logits and the loss's copies of them.
    public var logits = 0.0
    /// CUDA context and what the caching allocator holds beyond live tensors.
    public var overhead = 0.0

    public var total: Double { weights + gradients + optimizer + adapters + activations + logits + overhead }

    /// The terms by name, largest first.
    public var terms: [(name: String, bytes: Double)] {
        [("weights", weights), ("gradients", gradients), ("optimizer", optimizer), ("adapters", adapters),
         ("activations", activations), ("logits", logits), ("overhead", overhead)].sorted { $0.1 > $1.1 }
    }
}

public struct MemoryEstimate: Sendable, Equatable {
    /// Peak bytes on each GPU: the point estimate.
    public var perGPU: MemoryBreakdown
    /// The range the calibration supports around the point (per GPU).
    public var lowBytes: Double
    public var highBytes: Double
    public var gpus: Int
    public var trainableParameters: Double
    /// The memory profile the estimate used (the backend's, with the user's settings).
    public var profile: MemoryProfile
    /// How the figure was reached, in sentences a person can check.
    public var assumptions: [String]
    /// Settings the estimate could not know that widen the range, each with what it changes.
    public var narrowedBy: [String] = []

    public var perGPUBytes: Double { perGPU.total }
    public var totalBytes: Double { perGPU.total * Double(gpus) }
    /// Live tensors only (what torch.cuda.max_memory_allocated reports).
    public var allocatedBytes: Double { perGPU.total - perGPU.overhead }
}

/// The GPU memory model: weights per precision, gradients and optimizer states
/// for the trainable parameters, activations from batch × seq_len × hidden ×
/// layers, logits from the loss implementation, sharding across nodes × GPUs,
/// CPU offload, the CUDA context and the allocator's reserve — each from the
/// memory profile of the stack that will run (MemoryProfile).
///
/// A pure function of its inputs (no I/O), so it runs in microseconds.
/// Calibrated against published peak-memory measurements of several stacks:
/// Tests/Fixtures/memory-calibration.json, checked by MemoryCalibrationTests.
public enum MemoryModel {
    /// NF4 with double quantization: 4 bits plus ~0.127 bits of block constants per weight
    /// (QLoRA, arXiv:2305.14314 §2, "Double Quantization").
    static let nf4BytesPerParameter = 0.5 + 0.127 / 8
    /// Activation bytes per token of one layer's full working set, at 16-bit:
    /// coefficient × hidden + coefficient × MLP width (fused attention: no seq² term).
    /// After Korthikanti et al., "Reducing Activation Recomputation in Large Transformer
    /// Models" (arXiv:2205.05198 §4.1: 34·s·b·h per layer for a 4h MLP, without the
    /// attention-score term that FlashAttention removes), split between hidden and MLP width.
    static let layerHiddenCoefficient = 18.0
    static let layerMLPCoefficient = 10.0
    /// A checkpointed layer keeps only its 16-bit input: 2 bytes × hidden per token.
    static let checkpointBytesPerHidden = 2.0
    /// Logit bytes per token and vocabulary entry: fused loss (chunks only: Unsloth's
    /// fused cross-entropy, Liger's FusedLinearCrossEntropy), chunked loss (16-bit logits,
    /// one chunk upcast at a time: torchtune's CEWithChunkedOutputLoss, LitGPT's
    /// chunked_cross_entropy) and full loss (16-bit logits, their fp32 upcast in
    /// transformers' LlamaForCausalLM.forward, the softmax and its gradient).
    static func logitBytes(_ loss: MemoryProfile.Loss) -> Double {
        switch loss {
        case .fused: return 0.5
        case .chunked: return 2
        case .full: return 13
        }
    }
    /// Tokens of a short padded batch's longest example, for the low end when sequences are
    /// padded, not packed: most instruction-tuning examples are shorter (Alpaca's 52k are
    /// nearly all under 512 tokens with Llama's tokenizer).
    static let shortPaddedTokens = 512
    /// FSDP keeps this many layers unsharded at once (the running one and the prefetched one:
    /// PyTorch FSDP's forward/backward prefetch, docs "FullyShardedDataParallel").
    static let gatheredLayers = 2.0
    /// The range around the point estimate, from the calibration's spread.
    static let lowFactor = 0.85
    static let highFactor = 1.2

    /// - explain: write the assumptions (the layout search only needs the figures).
    public static func estimate(model: ModelSpec, request r: MemoryRequest, backend: BackendProfile,
                                explain: Bool = true) -> MemoryEstimate {
        let profile = r.overrides.applied(to: backend.memory(gpus: r.totalGPUs))
        var notes: [String] = []
        func note(_ text: @autoclosure () -> String) { if explain { notes.append(text()) } }
        var b = MemoryBreakdown()
        let p = model.parameters
        let linear = min(model.linearParameters, p)
        let other = max(p - linear, 0)
        let computeBytes: Double = r.precision == .fp32 ? 4 : 2
        let n = Double(r.totalGPUs)
        let multiGPU = r.totalGPUs > 1
        let sharded = multiGPU && profile.shardsParameters

        // Weights, and the bytes of one linear parameter (for FSDP's gathered layers).
        var linearBytes: Double
        // TRL never runs prepare_model_for_kbit_training on a QLoRA model FSDP or ZeRO-3 shards
        // (SFTTrainer's is_sharded_qlora): its embeddings and head stay in the storage dtype,
        // which FSDP-QLoRA sets to the compute dtype (bitsandbytes docs, "FSDP-QLoRA":
        // bnb_4bit_quant_storage = torch_dtype, so every parameter of a unit flattens together).
        let upcast = r.method != .full && profile.kbitUpcast && r.precision != .fp32 && !(sharded && r.method == .qlora)
        let otherBytes: Double = upcast ? 4 : computeBytes
        var dequantized = 0.0
        switch (r.method, r.precision) {
        case (.qlora, .int8), (.lora, .int8):
            linearBytes = 1
            b.weights = linear * linearBytes + other * otherBytes
            note("Frozen base weights: linear layers 8-bit, embeddings and norms \(otherBytes == 4 ? "fp32" : "16-bit").")
        case (.qlora, _), (.lora, .nf4):
            linearBytes = nf4BytesPerParameter
            // One layer's weights dequantized to 16-bit while it runs (bitsandbytes'
            // dequantize_4bit before each matmul: its output is a whole 16-bit weight).
            dequantized = model.linearParametersPerLayer * 2
            b.weights = linear * linearBytes + other * otherBytes + dequantized
            note("Frozen base weights: linear layers 4-bit NF4 (one layer dequantized at a time), embeddings, output head and norms \(otherBytes == 4 ? "fp32 (k-bit training upcast)" : "16-bit").")
        case (_, .fp32):
            linearBytes = 4
            b.weights = p * 4
            note("Weights in fp32 (4 bytes per parameter).")
        default:
            linearBytes = 2
            b.weights = p * 2
            note("Weights in \(r.precision == .fp16 ? "fp16" : "bf16") (2 bytes per parameter).")
        }

        // Gradients and optimizer states of what is trained.
        let trainable: Double
        var pagedStates = 0.0
        if r.method == .full {
            trainable = p
            let weightBytes = computeBytes
            if profile.optimizerInBackward {
                // Each gradient is applied and freed as soon as it is computed.
                b.gradients = max(model.linearParametersPerLayer, Double(model.vocabSize * model.hiddenSize)) * weightBytes
                note("Optimizer step in the backward pass: gradients never all held at once.")
            } else {
                b.gradients = p * weightBytes
            }
            let master = profile.masterWeightsFP32 || r.precision == .fp16
            b.optimizer = p * stateBytes(profile, weightBytes: weightBytes) + (master && r.precision != .fp32 ? p * 4 : 0)
            note(optimizerNote(profile, weightBytes: weightBytes, master: master))
            if profile.optimizer == .pagedAdamw8bit { pagedStates = b.optimizer }
        } else {
            trainable = r.lora.parameters(for: model)
            let a: Double = profile.adapterDType == .fp32 ? 4 : computeBytes
            b.adapters = trainable * a
            b.gradients = trainable * a
            b.optimizer = trainable * stateBytes(profile, weightBytes: a)
            note("LoRA rank \(r.lora.rank): \(formatCount(trainable)) trainable \(a == 4 ? "fp32" : "16-bit") parameters with their gradients and \(profile.optimizer.rawValue) states.")
        }

        let gathered = gatheredLayers * model.linearParametersPerLayer * linearBytes
        if sharded {
            // FSDP's root unit holds what no wrapped layer does (embeddings, output head, final
            // norm) and is not resharded between forward and backward: "the root FSDP state has
            // its value specially set to False as a heuristic since its parameters would
            // typically be immediately all-gathered for backward" (PyTorch docs, fully_shard,
            // reshard_after_forward; FSDP1's _post_forward_reshard keeps the root's too). So they
            // sit whole on every GPU, even with CPU offload, unless the recipe makes them units
            // of their own (torchtune's custom_sharded_layers). ZeRO-3 fetches per module.
            let root = profile.sharding == .fsdp && !profile.shardEmbeddings ? other * otherBytes : 0
            // bitsandbytes keeps a 4-bit weight's quantization state (absmax, code) on the module,
            // beside the packed parameter FSDP and ZeRO-3 shard: every GPU holds all of it, also
            // with CPU offload (bitsandbytes PR #970, "Initial FSDP Support for QLoRA Finetuning";
            // Answer.AI, "Enabling 70B Finetuning on Consumer GPUs"). torchao's NF4 tensors
            // (torchtune) carry theirs inside the tensor FSDP2 shards.
            let quantState = linearBytes == nf4BytesPerParameter && profile.quantization == .bitsandbytes
                ? linear * (nf4BytesPerParameter - 0.5) : 0
            let shards = b.weights - dequantized - root - quantState
            b.weights = (profile.cpuOffload ? 0 : shards / n) + root + quantState + gathered + dequantized
            // Offloaded: a full fine-tune still holds the gathered layers' gradients until they are
            // reduced, and the root's until the end of the backward pass.
            let rootGradients = r.method == .full ? root : 0
            b.gradients = profile.cpuOffload ? (r.method == .full ? gathered + rootGradients : 0)
                : (b.gradients - rootGradients) / n + rootGradients
            b.optimizer = profile.cpuOffload ? 0 : b.optimizer / n
            b.adapters /= n
            pagedStates /= n
            note("\(profile.sharding == .zero3 ? "ZeRO-3" : "FSDP") across \(r.totalGPUs) GPUs (\(r.numNodes) node(s) × \(r.gpusPerNode)): weights, gradients and optimizer states sharded; 2 layers gathered at a time\(profile.cpuOffload ? "; the shards live in CPU memory (CPU offload)" : "").")
            if root > 0 {
                note("FSDP's root unit (embeddings, output head, final norm: \(formatCount(other)) parameters) stays whole on every GPU from forward to backward.")
            }
        } else if multiGPU && profile.sharding == .zero2 {
            b.gradients /= n
            b.optimizer = profile.cpuOffload ? 0 : b.optimizer / n
            pagedStates /= n
            note("ZeRO-2 across \(r.totalGPUs) GPUs: gradients and optimizer states sharded, weights replicated.")
        } else {
            if profile.cpuOffload && r.method == .full {
                b.optimizer = 0
                note("Optimizer states in CPU memory (CPU offload).")
            }
            if multiGPU { note("Every one of the \(r.totalGPUs) GPUs holds the whole model (data parallel, no parameter sharding).") }
        }

        // A full-parameter DPO keeps a frozen copy of the starting model as its reference
        // (TRL DPOTrainer: create_reference_model when no ref_model is given); with PEFT the
        // reference is the same base with the adapters switched off, so it costs no weights
        // (TRL docs, "Reference model considerations with PEFT").
        if r.preference && r.method == .full {
            b.weights += p * computeBytes / (sharded ? n : 1)
            note("DPO: a frozen reference copy of the model (\(r.precision == .fp32 ? "fp32" : "16-bit")\(sharded ? ", sharded" : "")).")
        } else if r.preference {
            note("DPO with adapters: the reference is the base model with the adapters disabled (no second copy).")
        }

        // Activations for one micro-batch, and the logits.
        let a = ActivationMemory(model: model, request: r, computeBytes: computeBytes)
        if profile.activationCheckpointing {
            let saved = profile.activationOffloading ? 0 : a.checkpoints
            b.activations = saved + a.largestLayer * backend.memoryFactor
            note(profile.activationOffloading
                ? "Activation checkpointing with the checkpoints offloaded to CPU memory."
                : "Activation checkpointing: each layer keeps its input.")
        } else {
            b.activations = a.allLayers * backend.memoryFactor
            note("No activation checkpointing: every layer keeps its activations.")
        }
        if backend.memoryFactor != 1 {
            note("Layer working memory × \(backend.memoryFactor) (memory_factor of backend \(backend.id ?? "?"): its kernels or compilation).")
        }
        b.logits = a.decoderTokens * Double(model.vocabSize) * (profile.logitBytes ?? logitBytes(profile.loss))
        note("Batch \(r.batchSize)\(r.preference ? " preference pairs (chosen and rejected: twice the sequences)" : "") × \(r.seqLen) tokens per GPU\(profile.packed ? " (packed)" : " (padded: shorter batches use less)"), \(model.isEncoderDecoder ? "eager attention (T5's position bias: the attention scores are kept)" : "fused attention"); \(lossText(profile.loss)) over \(model.vocabSize) tokens.")
        if model.isEncoderDecoder {
            note("Encoder-decoder: \(model.encoderLayers) encoder layers over the \(r.seqLen)-token source, \(model.layers) decoder layers with cross-attention over the \(r.targetLen ?? r.seqLen)-token target; logits for the target only.")
        }
        if model.experts > 0 {
            note("Mixture of experts: all \(model.experts) experts' weights are held; each token's activations go through \(model.expertsPerToken) of them.")
        }

        // bitsandbytes' paged optimizers keep their states in CUDA unified memory, which the
        // driver evicts to CPU memory when the GPU runs out ("Paged optimizers",
        // https://huggingface.co/docs/bitsandbytes/main/en/explanations/optimizers#paged-optimizers;
        // torchtune's single-device full configs, e.g. llama3_1/8B_full_single_device.yaml).
        if pagedStates > 0, let gpu = r.gpuMemoryGiB,
           (b.total * (1 + profile.allocatorReserve) + profile.cudaContextGB * 1e9) / 1_073_741_824 > gpu * 0.95 {
            b.optimizer -= pagedStates
            pagedStates = 0
            note("Paged 8-bit AdamW on a \(gpu) GB GPU too small to hold its states: they live in CPU memory.")
        }
        let live = b.total
        b.overhead = profile.cudaContextGB * 1e9 + live * profile.allocatorReserve
        note("CUDA context \(profile.cudaContextGB) GB, allocator reserve \(Int((profile.allocatorReserve * 100).rounded()))%.")

        // The point is the peak a default run can reach; the low end covers what the settings
        // the estimate cannot know allow, and names the setting that would pin it down.
        var low = b.total * lowFactor
        var narrowedBy: [String] = []
        if !profile.packed && r.seqLen > shortPaddedTokens {
            // Padded batches are as long as their longest sequence (HF DataCollatorWithPadding,
            // torchtune's padded_collate_sft): a dataset of short examples stays well under
            // max_seq_len; the batch with the longest one reaches it.
            let tokenBound = b.activations + b.logits
            let short = Double(shortPaddedTokens) / Double(r.seqLen)
            low = min(low, (b.total - tokenBound * (1 - short) * (1 + profile.allocatorReserve)) * lowFactor)
            narrowedBy.append("packed (or max_seq_len near the dataset's longest example): padded batches of \(shortPaddedTokens)-token examples need \(Int(((1 - short) * 100).rounded()))% less activation and logit memory")
        }
        if pagedStates > 0 {
            low = max(low - pagedStates, b.weights)
            narrowedBy.append("the GPU type: paged 8-bit AdamW's states move to CPU memory on a GPU too small to hold them")
            note("Paged 8-bit AdamW: its states move to CPU memory when the GPU is full (the low end of the range).")
        }
        return MemoryEstimate(perGPU: b, lowBytes: low, highBytes: b.total * highFactor, gpus: r.totalGPUs,
                              trainableParameters: trainable, profile: profile, assumptions: notes, narrowedBy: narrowedBy)
    }

    static func lossText(_ loss: MemoryProfile.Loss) -> String {
        switch loss {
        case .fused: return "fused loss (no whole logits)"
        case .chunked: return "chunked loss (16-bit logits)"
        case .full: return "full loss (fp32 logits and softmax copy)"
        }
    }

    /// Optimizer state bytes per trained parameter.
    static func stateBytes(_ profile: MemoryProfile, weightBytes: Double) -> Double {
        switch profile.optimizer {
        case .adamw: return 2 * (profile.optimizerStateDType.map { $0 == .fp32 ? 4 : 2 } ?? weightBytes)
        case .adamw8bit, .pagedAdamw8bit: return 2
        case .sgd: return 0
        }
    }

    static func optimizerNote(_ profile: MemoryProfile, weightBytes: Double, master: Bool) -> String {
        let states = stateBytes(profile, weightBytes: weightBytes)
        var s = "\(profile.optimizer.rawValue): \(Int(states)) bytes of optimizer state per parameter"
        if master { s += " plus an fp32 master copy (4 bytes)" }
        return s + "."
    }

    static func formatCount(_ x: Double) -> String {
        if x >= 1e9 { return "\(rounded(x / 1e9, 2))B" }
        if x >= 1e6 { return "\(rounded(x / 1e6, 1))M" }
        return "\(Int(x))"
    }
}

/// Rounds to `places` decimals, for figures people read.
public func rounded(_ x: Double, _ places: Int) -> Double {
    var factor = 1.0
    for _ in 0..<places { factor *= 10 }
    return (x * factor).rounded() / factor
}

/// Bytes → GiB (2^30), the unit nvidia-smi and PyTorch report GPU memory in.
public func gib(_ bytes: Double) -> Double { bytes / 1_073_741_824 }
