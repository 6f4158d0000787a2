import PluginKit

/// How the trainer that will run spends GPU memory: what differs between
/// stacks (TorchTune recipes, HF Trainer + PEFT, LitGPT, Unsloth, ...) for the
/// same model and batch. A backend declares it in its capabilities as
/// `memory_profile`; the user may override the settings a user sets
/// (optimizer, activation checkpointing/offloading, CPU offload, packing).
///
/// `memory_profile` keys (all optional; defaults are plain PyTorch + PEFT):
/// - `loss`: `fused` (logits never materialized whole: Unsloth, Liger),
///   `chunked` (16-bit logits kept, upcast chunk by chunk: torchtune, LitGPT)
///   or `full` (the whole logits tensor, its fp32 upcast and the softmax copy:
///   HF Trainer). Default `full`. `logit_bytes` (number) overrides the bytes
///   per token and vocabulary entry the loss holds, when a stack measured it.
/// - `activation_checkpointing` (bool, default true), `activation_offloading`
///   (bool, default false: checkpointed layer inputs kept in CPU memory).
/// - `optimizer`: `adamw`, `adamw_8bit`, `paged_adamw_8bit`, `sgd`. Default `adamw`.
/// - `optimizer_state_dtype`: `fp32` or `bf16` (AdamW moments; default: the
///   trainable weights' dtype). `optimizer_in_backward` (bool): the step runs in
///   the backward pass, so a full fine-tune never holds every gradient at once.
/// - `master_weights_fp32` (bool): mixed precision keeps an fp32 copy of
///   trained weights (DeepSpeed, AMP on fp32 weights). Default false.
/// - `adapter_dtype`: `fp32` (PEFT's default) or `bf16` (adapters in the
///   model's dtype). Default `fp32`.
/// - `kbit_upcast`: QLoRA keeps embeddings, output head and norms in fp32
///   (PEFT's prepare_model_for_kbit_training). Default false.
/// - `sharding`: `fsdp`/`zero3` (weights, gradients, optimizer sharded), `zero2`
///   (gradients and optimizer only), `ddp` (replicated). Default `fsdp`.
/// - `cpu_offload` (bool): sharded weights, gradients and optimizer states
///   live in CPU memory (FSDP/ZeRO offload).
/// - `quantization`: the 4-bit library, `bitsandbytes` (default: HF + PEFT, TRL,
///   Unsloth; its quantization state stays whole on every GPU under FSDP/ZeRO-3) or
///   `torchao` (torchtune's NF4 tensors, sharded whole).
/// - `shard_embeddings` (bool, default false): the embeddings and output head are
///   FSDP units of their own (torchtune's `custom_sharded_layers`), gathered only
///   while used; otherwise they sit in FSDP's root unit, whole on every GPU from
///   forward to backward.
/// - `packed` (bool): sequences packed to max_seq_len (else padded per batch).
/// - `single_device` (object of these keys): what differs when the job runs on
///   one GPU, where a stack may run other recipes (torchtune's *_single_device
///   configs: paged 8-bit AdamW with the step in the backward pass).
/// - `allocator_reserve` (fraction, default 0.08): what PyTorch's caching
///   allocator holds beyond live tensors. `cuda_context_gb` (default 1.0: the
///   CUDA context with cuBLAS and attention kernels loaded, as nvidia-smi shows it).
public struct MemoryProfile: Sendable, Equatable {
    public enum Loss: String, Sendable, CaseIterable { case fused, chunked, full }
    public enum Optimizer: String, Sendable, CaseIterable {
        case adamw, adamw8bit = "adamw_8bit", pagedAdamw8bit = "paged_adamw_8bit", sgd
    }
    public enum Sharding: String, Sendable, CaseIterable { case fsdp, zero3, zero2, ddp }
    public enum DType: String, Sendable, CaseIterable { case fp32, bf16 }
    public enum Quantization: String, Sendable, CaseIterable { case bitsandbytes, torchao }

    public var loss: Loss = .full
    public var activationCheckpointing = true
    public var activationOffloading = false
    public var optimizer: Optimizer = .adamw
    public var optimizerStateDType: DType?
    public var optimizerInBackward = false
    public var masterWeightsFP32 = false
    public var adapterDType: DType = .fp32
    public var kbitUpcast = false
    public var sharding: Sharding = .fsdp
    public var cpuOffload = false
    public var shardEmbeddings = false
    public var quantization: Quantization = .bitsandbytes
    public var packed = false
    public var logitBytes: Double?
    /// PyTorch's caching allocator rounds and keeps freed blocks (docs "CUDA semantics",
    /// memory management: reserved ≥ allocated); 8% of live tensors is the calibration's spread.
    public var allocatorReserve = 0.08
    /// The CUDA context with cuBLAS and attention kernels loaded, as nvidia-smi counts it.
    public var cudaContextGB = 1.0

    public init() {}

    /// The profile a capabilities object declares; older keys
    /// (`offloads_activation_checkpoints`, `shards_parameters`) still count.
    public init(capabilities caps: JSON) {
        let p = caps["memory_profile"] ?? [:]
        if caps["offloads_activation_checkpoints"]?.bool == true { activationOffloading = true }
        if caps["shards_parameters"]?.bool == false { sharding = .ddp }
        if let v = p["loss"]?.string.flatMap(Loss.init(rawValue:)) { loss = v }
        if let v = p["activation_checkpointing"]?.bool { activationCheckpointing = v }
        if let v = p["activation_offloading"]?.bool { activationOffloading = v }
        if let v = p["optimizer"]?.string.flatMap(Optimizer.init(rawValue:)) { optimizer = v }
        optimizerStateDType = p["optimizer_state_dtype"]?.string.flatMap(DType.init(rawValue:))
        if let v = p["optimizer_in_backward"]?.bool { optimizerInBackward = v }
        if let v = p["master_weights_fp32"]?.bool { masterWeightsFP32 = v }
        if let v = p["adapter_dtype"]?.string.flatMap(DType.init(rawValue:)) { adapterDType = v }
        if let v = p["kbit_upcast"]?.bool { kbitUpcast = v }
        if let v = p["sharding"]?.string.flatMap(Sharding.init(rawValue:)) { sharding = v }
        if let v = p["cpu_offload"]?.bool { cpuOffload = v }
        if let v = p["shard_embeddings"]?.bool { shardEmbeddings = v }
        if let v = p["quantization"]?.string.flatMap(Quantization.init(rawValue:)) { quantization = v }
        if let v = p["packed"]?.bool { packed = v }
        if let v = p["logit_bytes"]?.double, v >= 0, v <= 64 { logitBytes = v }
        if let v = p["allocator_reserve"]?.double, v >= 0, v < 1 { allocatorReserve = v }
        if let v = p["cuda_context_gb"]?.double, v >= 0, v < 8 { cudaContextGB = v }
    }

    /// Whether weights (and with them gradients and optimizer states) are split across GPUs.
    public var shardsParameters: Bool { sharding == .fsdp || sharding == .zero3 }

    /// The settings that shaped an estimate; rarely set ones only when set
    /// (the CUDA context and allocator reserve are in the assumptions).
    public var json: JSON {
        var o: JSON = [
            "loss": .string(loss.rawValue), "activation_checkpointing": .bool(activationCheckpointing),
            "activation_offloading": .bool(activationOffloading), "optimizer": .string(optimizer.rawValue),
            "adapter_dtype": .string(adapterDType.rawValue), "sharding": .string(sharding.rawValue),
            "cpu_offload": .bool(cpuOffload), "packed": .bool(packed),
        ]
        if optimizerInBackward { o["optimizer_in_backward"] = true }
        if masterWeightsFP32 { o["master_weights_fp32"] = true }
        if kbitUpcast { o["kbit_upcast"] = true }
        if shardEmbeddings { o["shard_embeddings"] = true }
        if quantization != .bitsandbytes { o["quantization"] = .string(quantization.rawValue) }
        if let d = optimizerStateDType { o["optimizer_state_dtype"] = .string(d.rawValue) }
        if let b = logitBytes { o["logit_bytes"] = .double(b) }
        return o
    }
}

/// What the user set for one job, over the backend's defaults (nil: the backend's).
public struct ProfileOverrides: Sendable, Equatable {
    public var optimizer: MemoryProfile.Optimizer?
    public var activationCheckpointing: Bool?
    public var activationOffloading: Bool?
    public var cpuOffload: Bool?
    public var packed: Bool?

    public init(optimizer: MemoryProfile.Optimizer? = nil, activationCheckpointing: Bool? = nil,
                activationOffloading: Bool? = nil, cpuOffload: Bool? = nil, packed: Bool? = nil) {
        self.optimizer = optimizer
        self.activationCheckpointing = activationCheckpointing
        self.activationOffloading = activationOffloading
        self.cpuOffload = cpuOffload
        self.packed = packed
    }

    public func applied(to base: MemoryProfile) -> MemoryProfile {
        var p = base
        if let optimizer {
            p.optimizer = optimizer
            // A step inside the backward pass is the recipe's choice for its own optimizer.
            if optimizer != base.optimizer { p.optimizerInBackward = false }
        }
        if let activationCheckpointing { p.activationCheckpointing = activationCheckpointing }
        if let activationOffloading { p.activationOffloading = activationOffloading }
        if let cpuOffload { p.cpuOffload = cpuOffload }
        if let packed { p.packed = packed }
        return p
    }
}
