import BackendKit
import PluginKit

/// TRL's trainers this backend runs, each through its own TRL CLI command.
enum TRLTrainerType: String, CaseIterable, Sendable {
    case sft, dpo

    var summary: JSON {
        switch self {
        case .sft:
            return ["trainer_type": "sft", "command": "trl sft", "trainer": "SFTTrainer",
                    "description": "Supervised fine-tuning on prompt/completion, messages or text data.",
                    "dataset_format": "a \"text\" or \"messages\" column, or prompt/completion columns"]
        case .dpo:
            return ["trainer_type": "dpo", "command": "trl dpo", "trainer": "DPOTrainer",
                    "description": "Direct Preference Optimization on preference pairs.",
                    "dataset_format": "prompt, chosen and rejected columns"]
        }
    }
}

/// The `backend_options` the TRL backend accepts. Each maps to one TRL CLI
/// argument of the same name (SFTConfig/DPOConfig, ScriptArguments,
/// ModelConfig) or, for accelerate_config, to the TRL CLI's own option.
/// Unknown keys are refused so a typo never silently trains with defaults.
struct TRLOptions {
    /// The JSON Schema type of the option's value.
    enum Kind: String, Sendable {
        case string, integer, number, boolean

        var expected: String {
            switch self {
            case .string: return "a non-empty string"
            case .integer: return "a positive integer"
            case .number: return "a number ≥ 0"
            case .boolean: return "true or false"
            }
        }
    }

    struct Spec: Sendable {
        var name: String
        var kind: Kind
        var description: String
        /// nil: every trainer type; else only these.
        var trainerTypes: [TRLTrainerType]? = nil
    }

    static let specs: [Spec] = [
        Spec(name: "trainer_type", kind: .string, description: "sft (default) or dpo: the TRL CLI command run."),
        Spec(name: "max_length", kind: .integer, description: "Maximum tokenized sequence length (--max_length)."),
        Spec(name: "gradient_accumulation_steps", kind: .integer, description: "Steps to accumulate before an optimizer step."),
        Spec(name: "gradient_checkpointing", kind: .boolean, description: "Recompute activations to save memory."),
        Spec(name: "warmup_ratio", kind: .number, description: "Fraction of steps for learning-rate warmup."),
        Spec(name: "lr_scheduler_type", kind: .string, description: "Learning-rate schedule, e.g. cosine or linear."),
        Spec(name: "logging_steps", kind: .integer, description: "Log every N steps."),
        Spec(name: "save_strategy", kind: .string, description: "When to save checkpoints: no, steps or epoch."),
        Spec(name: "max_steps", kind: .integer, description: "Stop after this many steps (overrides epochs)."),
        Spec(name: "seed", kind: .integer, description: "Random seed."),
        Spec(name: "dataset_config", kind: .string, description: "Dataset configuration name on the Hub."),
        Spec(name: "dataset_train_split", kind: .string, description: "Split to train on (default train)."),
        Spec(name: "attn_implementation", kind: .string, description: "Attention kernel, e.g. flash_attention_2 or sdpa."),
        Spec(name: "trust_remote_code", kind: .boolean, description: "Allow the model's own code from the Hub."),
        Spec(name: "accelerate_config", kind: .string, description: "TRL CLI accelerate profile (zero1, zero2, zero3, fsdp1, fsdp2, multi_gpu) or a config file path."),
        Spec(name: "packing", kind: .boolean, description: "Pack several short examples into one sequence.", trainerTypes: [.sft]),
        Spec(name: "beta", kind: .number, description: "DPO temperature: how far the policy may move from the reference.", trainerTypes: [.dpo]),
        Spec(name: "loss_type", kind: .string, description: "DPO loss, e.g. sigmoid, ipo, hinge.", trainerTypes: [.dpo]),
    ]

    var trainerType: TRLTrainerType = .sft
    /// Options that become `--name value` arguments, in the order of `specs`.
    var arguments: [(name: String, value: JSON)] = []
    var accelerateConfig: String?

    init(_ value: JSON?) throws {
        guard let value, !value.isNull else { return }
        guard let object = value.object else {
            throw ToolError("backend_options must be an object, e.g. {\"trainer_type\": \"dpo\"}.", field: "backend_options")
        }
        let known = Dictionary(uniqueKeysWithValues: Self.specs.map { ($0.name, $0) })
        for key in object.keys.sorted() where known[key] == nil {
            throw ToolError("backend_options.\(key) is not an option of the trl backend; it accepts: \(Self.specs.map(\.name).joined(separator: ", ")).",
                            field: "backend_options")
        }
        if let t = object["trainer_type"] {
            guard let s = t.string, let type = TRLTrainerType(rawValue: s) else {
                throw ToolError("backend_options.trainer_type must be one of \(TRLTrainerType.allCases.map(\.rawValue).joined(separator: ", ")); got \(t).",
                                field: "backend_options")
            }
            trainerType = type
        }
        for spec in Self.specs where spec.name != "trainer_type" {
            guard let v = object[spec.name], !v.isNull else { continue }
            try Self.check(v, spec)
            if let types = spec.trainerTypes, !types.contains(trainerType) {
                throw ToolError("backend_options.\(spec.name) applies to trainer_type \(types.map(\.rawValue).joined(separator: "/")), not \(trainerType.rawValue).",
                                field: "backend_options")
            }
            if spec.name == "accelerate_config" { accelerateConfig = v.string } else { arguments.append((spec.name, v)) }
        }
    }

    private static func check(_ v: JSON, _ spec: Spec) throws {
        let ok: Bool
        switch spec.kind {
        case .string: ok = v.string.map { !$0.isEmpty } ?? false
        case .integer: ok = (v.int ?? 0) > 0
        case .number: ok = v.double.map { $0 >= 0 } ?? false
        case .boolean: ok = v.bool != nil
        }
        guard ok else {
            throw ToolError("backend_options.\(spec.name) must be \(spec.kind.expected); got \(v).", field: "backend_options")
        }
    }

    /// The options as a JSON Schema fragment (for list_trl_trainer_types).
    static var schema: JSON {
        .object(Dictionary(uniqueKeysWithValues: specs.map { spec -> (String, JSON) in
            var s: JSON = ["type": .string(spec.kind.rawValue), "description": .string(spec.description)]
            if let types = spec.trainerTypes { s["trainer_types"] = .array(types.map { .string($0.rawValue) }) }
            return (spec.name, s)
        }))
    }
}
