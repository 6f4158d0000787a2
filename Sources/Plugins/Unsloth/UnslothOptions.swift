import BackendKit
import PluginKit

/// The `backend_options` the Unsloth backend accepts, each one a parameter of
/// the generated script (FastLanguageModel / get_peft_model / SFTConfig).
/// Unknown keys are refused so a typo never silently trains with defaults.
struct UnslothOptions: Equatable {
    static let descriptions: [String: String] = [
        "max_seq_length": "Longest sequence in tokens (FastLanguageModel.from_pretrained); default 2048.",
        "gradient_accumulation_steps": "Steps to accumulate before an optimizer step; default 4.",
        "warmup_steps": "Learning-rate warmup steps; default 5.",
        "max_steps": "Stop after this many steps (overrides epochs).",
        "logging_steps": "Log every N steps; default 1.",
        "optim": "Optimizer; default adamw_8bit.",
        "weight_decay": "Weight decay; default 0.01.",
        "lr_scheduler_type": "Learning-rate schedule; default linear.",
        "seed": "Random seed (also get_peft_model's random_state); default 3407.",
        "use_gradient_checkpointing": "\"unsloth\" (default: offloaded, lowest memory), true or false.",
        "dataset_text_field": "The dataset column holding the training text; default: built from text, messages or instruction/input/output columns.",
        "save_merged": "Also save the model merged with its adapters in 16-bit (output_dir/merged).",
    ]

    var maxSeqLength = 2048
    var gradientAccumulationSteps = 4
    var warmupSteps = 5
    var maxSteps: Int?
    var loggingSteps = 1
    var optim = "adamw_8bit"
    var weightDecay = 0.01
    var lrSchedulerType = "linear"
    var seed = 3407
    /// Python source of the value: "unsloth" (quoted), True or False.
    var gradientCheckpointing = "\"unsloth\""
    var datasetTextField: String?
    var saveMerged = false

    init(_ value: JSON?) throws {
        guard let value, !value.isNull else { return }
        guard let o = value.object else {
            throw ToolError("backend_options must be an object, e.g. {\"max_seq_length\": 4096}.", field: "backend_options")
        }
        for key in o.keys.sorted() where Self.descriptions[key] == nil {
            throw ToolError("backend_options.\(key) is not an option of the unsloth backend; it accepts: \(Self.descriptions.keys.sorted().joined(separator: ", ")).",
                            field: "backend_options")
        }
        func positive(_ key: String) throws -> Int? {
            guard let v = o[key], !v.isNull else { return nil }
            guard let i = v.int, i > 0 else { throw Self.invalid(key, "a positive integer", v) }
            return i
        }
        func text(_ key: String) throws -> String? {
            guard let v = o[key], !v.isNull else { return nil }
            guard let s = v.string, !s.isEmpty else { throw Self.invalid(key, "a non-empty string", v) }
            return s
        }
        maxSeqLength = try positive("max_seq_length") ?? maxSeqLength
        gradientAccumulationSteps = try positive("gradient_accumulation_steps") ?? gradientAccumulationSteps
        warmupSteps = try positive("warmup_steps") ?? warmupSteps
        maxSteps = try positive("max_steps")
        loggingSteps = try positive("logging_steps") ?? loggingSteps
        seed = try positive("seed") ?? seed
        optim = try text("optim") ?? optim
        lrSchedulerType = try text("lr_scheduler_type") ?? lrSchedulerType
        datasetTextField = try text("dataset_text_field")
        if let v = o["weight_decay"], !v.isNull {
            guard let d = v.double, d >= 0 else { throw Self.invalid("weight_decay", "a number ≥ 0", v) }
            weightDecay = d
        }
        if let v = o["use_gradient_checkpointing"], !v.isNull {
            switch v {
            case .string("unsloth"): gradientCheckpointing = "\"unsloth\""
            case .bool(let b): gradientCheckpointing = b ? "True" : "False"
            default: throw Self.invalid("use_gradient_checkpointing", "\"unsloth\", true or false", v)
            }
        }
        if let v = o["save_merged"], !v.isNull {
            guard let b = v.bool else { throw Self.invalid("save_merged", "true or false", v) }
            saveMerged = b
        }
    }

    private static func invalid(_ key: String, _ expected: String, _ got: JSON) -> ToolError {
        ToolError("backend_options.\(key) must be \(expected); got \(got).", field: "backend_options")
    }

    static var schema: JSON {
        .object(descriptions.mapValues { ["description": .string($0)] })
    }
}
