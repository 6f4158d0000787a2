import PluginKit

/// estimate_resources' arguments, read and checked: which model, which setup.
/// Pure: the backends list comes in as data (from call.listBackends()).
public struct EstimateInput: Sendable {
    public var model: ModelSpec
    public var request: MemoryRequest
    public var backend: BackendProfile
    /// The user chose num_nodes or gpus_per_node.
    public var explicitLayout: Bool
    public var assumptions: [String]

    public enum TrainerType: String, Sendable, CaseIterable {
        case builtin, custom, container
    }

    /// - hub: where models outside the registry are looked up (nil: registry only).
    public init(arguments a: JSON, backends: [JSON], registry: ModelRegistry = .shared, hub: HubConfig? = nil) throws {
        var notes: [String] = []
        let trainerType = try Self.enumValue(a, "trainer_type", TrainerType.self) ?? .builtin
        let modelName = try Self.string(a, "model")
        let paramsHint = try Self.number(a, "params_billion")
        if let paramsHint, paramsHint <= 0 || paramsHint > 5000 {
            throw ToolError("params_billion must be between 0 and 5000 (billions of parameters).", field: "params_billion")
        }

        // The model: registry first, then the Hub's config.json (cached, or
        // fetched when no size hint was given), then the user's size hint, then
        // (custom code and containers only) a conservative default.
        var hubProblem: String?
        let fromHub: ModelSpec?
        let registered = modelName.flatMap(registry.find)
        if let modelName, let hub, registered == nil {
            switch hub.lookup(modelName, fetch: paramsHint == nil) {
            case .found(let spec, let cached):
                fromHub = spec
                notes.append("\(spec.id) is not in the registry: architecture from its Hugging Face config.json (\(cached ? "cached" : "fetched from \(hub.baseURL)")), \(spec.paramsBillion)B parameters.")
            case .unavailable(let reason):
                fromHub = nil
                hubProblem = reason
            }
        } else {
            fromHub = nil
        }
        if let fromHub {
            model = fromHub
        } else if let modelName, let match = registered {
            model = match.model
            if match.matchedBy == "closest" || match.matchedBy == "name" {
                notes.append("Model \(modelName) read as \(match.model.id) (same architecture).")
            }
            if let paramsHint, abs(paramsHint - model.paramsBillion) / model.paramsBillion > 0.05 {
                notes.append("params_billion \(paramsHint) differs from the registry's \(model.paramsBillion) for \(model.id); the registry's architecture is used.")
            }
        } else if let paramsHint {
            model = ModelSpec.fromSize(paramsHint, name: modelName ?? "custom model")
            notes.append("Architecture derived from params_billion = \(paramsHint): \(model.layers) layers, hidden \(model.hiddenSize), MLP \(model.intermediateSize), vocabulary \(model.vocabSize) (a large vocabulary, to be safe).")
        } else if trainerType != .builtin, modelName == nil {
            model = ModelSpec.fromSize(Self.defaultCustomBillions, name: "custom model")
            notes.append("No model or params_billion given for a \(trainerType.rawValue) trainer: assumed a \(Self.defaultCustomBillions)B-parameter model. Pass params_billion for a real figure.")
        } else if let modelName {
            if let hubProblem {
                throw ToolError("Model \(modelName) is not in the planner's registry of \(registry.models.count) models and its config.json could not be read (\(hubProblem)). Pass params_billion (the parameter count in billions, e.g. 7.6) to estimate it from its size; see the registry with list_model_registry.",
                                field: "model")
            }
            _ = try registry.lookup(modelName)  // throws the error asking for params_billion
            throw ToolError("Unknown model \(modelName).", field: "model")
        } else {
            throw ToolError("Give model (a Hugging Face id such as Qwen/Qwen2.5-7B-Instruct) or params_billion.", field: "model")
        }

        // The method: custom code is assumed to train every weight unless told.
        let method: FineTuneMethod
        if let m = try Self.enumValue(a, "method", FineTuneMethod.self) {
            method = m
        } else if trainerType == .builtin {
            method = .lora
        } else {
            method = .full
            notes.append("No method given for a \(trainerType.rawValue) trainer: assumed a full fine-tune (the largest footprint).")
        }
        let precision = try Self.enumValue(a, "precision", Precision.self) ?? .bf16
        if method == .full && (precision == .int8 || precision == .nf4) {
            throw ToolError("A full fine-tune trains every weight in 16 or 32 bits; \(precision.rawValue) applies to lora/qlora. Use precision bf16, fp16 or fp32.",
                            field: "precision")
        }

        // Builtin: what fine_tune runs when not told (so the two agree on a default job).
        let defaultBatch = trainerType == .builtin ? Self.fineTuneDefaultBatch : 1
        let batch = try Self.positive(a, "batch_size") ?? defaultBatch
        let seq = try Self.positive(a, "max_seq_len") ?? Self.positive(a, "seq_len") ?? 2048
        let targetLen = try Self.positive(a, "max_target_len")
        if let targetLen, targetLen > 10_000_000 { throw ToolError("max_target_len \(targetLen) is too large.", field: "max_target_len") }
        let objective = try Self.enumValue(a, "objective", MemoryRequest.Objective.self) ?? .sft
        let nodes = try Self.positive(a, "num_nodes")
        let perNode = try Self.positive(a, "gpus_per_node")
        if batch > 4096 { throw ToolError("batch_size \(batch) is beyond any GPU; use at most 4096.", field: "batch_size") }
        if seq > 10_000_000 { throw ToolError("seq_len \(seq) is too large.", field: "seq_len") }
        if let nodes, nodes > 1024 { throw ToolError("num_nodes must be at most 1024.", field: "num_nodes") }
        if let perNode, perNode > 64 { throw ToolError("gpus_per_node must be at most 64.", field: "gpus_per_node") }
        if seq > model.maxContext {
            notes.append("seq_len \(seq) is beyond \(model.id)'s context of \(model.maxContext) tokens.")
        }
        var overrides = ProfileOverrides()
        overrides.optimizer = try Self.enumValue(a, "optimizer", MemoryProfile.Optimizer.self)
        overrides.activationCheckpointing = try Self.bool(a, "activation_checkpointing") ?? Self.bool(a, "gradient_checkpointing")
        overrides.activationOffloading = try Self.bool(a, "activation_offloading")
        overrides.cpuOffload = try Self.bool(a, "cpu_offload")
        overrides.packed = try Self.bool(a, "packed")

        var lora = LoRASettings.default
        if let rank = try Self.positive(a, "lora_rank") { lora.rank = rank }
        if let list = a["lora_target_modules"], !list.isNull {
            guard let names = list.array?.compactMap(\.string), names.count == list.array?.count, !names.isEmpty else {
                throw ToolError("lora_target_modules must be a non-empty list of module names such as q_proj, v_proj.", field: "lora_target_modules")
            }
            let parsed = LoRAModule.parse(names)
            if !parsed.unknown.isEmpty {
                throw ToolError("Unknown LoRA target module(s) \(parsed.unknown.joined(separator: ", ")); use \(LoRAModule.allCases.map(\.rawValue).joined(separator: ", ")) or all-linear.",
                                field: "lora_target_modules")
            }
            lora.modules = parsed.modules
        }

        // The backend: its declared capabilities, or plain PyTorch.
        if let id = try Self.string(a, "backend") {
            backend = try BackendProfile.find(id, in: backends)
            if let methods = backend.methods, !methods.contains(method.rawValue) {
                throw ToolError("Backend \(id) supports \(methods.joined(separator: ", ")), not \(method.rawValue).", field: "method")
            }
            notes.append("Backend \(id): its declared memory profile (loss \(backend.memory.loss.rawValue), \(backend.memory.optimizer.rawValue)\(backend.memory.optimizerInBackward ? " in the backward pass" : ""), activation checkpointing \(backend.memory.activationCheckpointing ? "on" : "off")\(backend.memory.activationOffloading ? " with offloading" : ""), \(backend.memory.sharding.rawValue) on several GPUs), memory_factor \(backend.memoryFactor).")
        } else {
            backend = .generic
            notes.append("No backend given: the Hugging Face Trainer + PEFT profile.")
        }

        if trainerType != .builtin && paramsHint == nil && registered != nil {
            notes.append("\(trainerType.rawValue) trainer: the estimate assumes the code trains \(model.id) the standard way (AdamW); your code may use more.")
        }
        if a["batch_size"] == nil {
            notes.append(trainerType == .builtin
                ? "batch_size not given: \(defaultBatch) per GPU, fine_tune's default (KEP-936)."
                : "batch_size not given: 1 per GPU; pass your code's batch size for a firmer figure.")
        }
        if a["seq_len"] == nil && a["max_seq_len"] == nil { notes.append("max_seq_len not given: 2048 tokens.") }

        if targetLen != nil && !model.isEncoderDecoder {
            notes.append("max_target_len applies to encoder-decoder models; \(model.id) is decoder-only, so max_seq_len covers prompt and completion.")
        }
        self.request = MemoryRequest(method: method, precision: precision, batchSize: batch, seqLen: seq,
                                     numNodes: nodes ?? 1, gpusPerNode: perNode ?? 1,
                                     lora: lora, overrides: overrides)
        self.request.objective = objective
        if model.isEncoderDecoder { self.request.targetLen = targetLen }
        self.explicitLayout = nodes != nil || perNode != nil
        self.assumptions = notes
    }

    /// fine_tune's batch size when the call gives none (KEP-936; FineTuneDefaults in the Trainer plugin).
    static let fineTuneDefaultBatch = 4

    /// The size assumed for custom code with no hint: a 7B model, the most common fine-tune.
    static let defaultCustomBillions = 7.0

    // MARK: Argument readers with errors that name the field.

    static func string(_ a: JSON, _ key: String) throws -> String? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let s = v.string else { throw ToolError("\(key) must be a string.", field: key) }
        let t = s.trimmingWhitespace()
        return t.isEmpty ? nil : t
    }

    static func number(_ a: JSON, _ key: String) throws -> Double? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let d = v.double else { throw ToolError("\(key) must be a number.", field: key) }
        return d
    }

    static func positive(_ a: JSON, _ key: String) throws -> Int? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let i = v.int else { throw ToolError("\(key) must be a whole number.", field: key) }
        guard i >= 1 else { throw ToolError("\(key) must be at least 1; got \(i).", field: key) }
        return i
    }

    static func bool(_ a: JSON, _ key: String) throws -> Bool? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let b = v.bool else { throw ToolError("\(key) must be true or false.", field: key) }
        return b
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ a: JSON, _ key: String, _ type: E.Type) throws -> E?
    where E.RawValue == String {
        guard let s = try string(a, key) else { return nil }
        guard let e = E(rawValue: s.lowercased()) else {
            throw ToolError("\(key) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")); got \(s).", field: key)
        }
        return e
    }
}

extension ModelSpec {
    /// A plausible decoder for a parameter count, for models outside the
    /// registry. Errs large where it matters for memory (vocabulary, MLP width).
    public static func fromSize(_ billions: Double, name: String) -> ModelSpec {
        let layers: Int
        switch billions {
        case ..<1: layers = 24
        case ..<3: layers = 28
        case ..<10: layers = 32
        case ..<20: layers = 48
        case ..<40: layers = 64
        case ..<150: layers = 80
        default: layers = 126
        }
        let vocab = 128_256
        // Parameters ≈ layers × 14.5 h² (attention 4h², gated MLP 3 × 3.5h²) + 2 × vocab × h.
        let p = billions * 1e9
        let a = 14.5 * Double(layers), b = 2 * Double(vocab)
        let h = (-b + (b * b + 4 * a * p).squareRoot()) / (2 * a)
        let hidden = max(256, Int((h / 128).rounded()) * 128)
        let heads = max(1, hidden / 128)
        return ModelSpec(
            id: name, paramsBillion: billions, layers: layers, hiddenSize: hidden, attentionHeads: heads,
            kvHeads: heads, headDim: hidden / heads, intermediateSize: Int((3.5 * Double(hidden) / 256).rounded()) * 256,
            vocabSize: vocab, maxContext: 131_072, tiedEmbeddings: false, gated: false, experts: 0, expertsPerToken: 0,
            family: "unknown", source: "derived from params_billion (not in the registry)", note: nil)
    }
}
