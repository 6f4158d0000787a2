import KFJSON

/// What Kubeflow Trainer v2.3.0 and its built-in trainer (torchtune) do with a TrainJob on a
/// built-in torchtune runtime: the one place the simulator (admission and workload) and the planner
/// (`validate_config`, through the TorchTune backend's `admission_rules`) read.
///
/// Read from the Trainer v2.3.0 sources (pkg/runtime/framework/plugins/torch):
/// - The torch plugin picks the recipe and config from numNodes, the GPUs per node and the
///   LoRA/QLoRA args (`getRecipeAndConfig`): `<model><suffix>`, e.g. `llama3_2/1B_lora`.
/// - Its webhook check (`validateTorchTune`, ported in `TorchTuneValidation`) runs whenever the
///   command is `tune run`; a job it admits whose config torchtune does not ship fails at start.
public enum BuiltinTrainerRules {
    /// Models of the built-in runtimes (constants.TorchTuneSupportedPretrainedModels).
    public static let supportedModels = ["llama3_2/1B", "llama3_2/3B", "llama3_3/70B", "qwen2_5/1.5B"]

    /// The recipe configs torchtune ships for those models (`tune ls`).
    public static let shipped: Set<String> = [
        "llama3_2/1B_full", "llama3_2/1B_full_single_device", "llama3_2/1B_lora", "llama3_2/1B_lora_single_device",
        "llama3_2/1B_qlora_single_device",
        "llama3_2/3B_full", "llama3_2/3B_full_single_device", "llama3_2/3B_lora", "llama3_2/3B_lora_single_device",
        "llama3_2/3B_qlora_single_device",
        "llama3_3/70B_full", "llama3_3/70B_full_multinode", "llama3_3/70B_lora", "llama3_3/70B_qlora",
        "qwen2_5/1.5B_full", "qwen2_5/1.5B_full_single_device", "qwen2_5/1.5B_lora",
        "qwen2_5/1.5B_lora_single_device",
    ]

    public enum Method: String, Sendable { case full, lora, qlora }

    /// `torchtune-llama3.2-1b` → `llama3_2/1B`; nil unless the name has three dash-separated parts.
    public static func modelKey(runtime: String) -> String? {
        let fields = runtime.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3 else { return nil }
        return String(fields[1].replacing(".", with: "_")) + "/" + fields[2].uppercased()
    }

    /// The method the torch plugin reads from the args (`isUseQLoraFinetune`, `isLoraConfigEnabled`):
    /// QLoRA when `model.quantize_base` is true and `model.use_dora` is not, LoRA when an arg
    /// mentions `model.lora_attn_modules`.
    public static func method(args: [String]) -> Method {
        if !isEnabled(args, "model.use_dora") && isEnabled(args, "model.quantize_base") { return .qlora }
        return args.contains { $0.contains("model.lora_attn_modules") } ? .lora : .full
    }

    /// `isBoolArgEnabled`: some `key=value` arg whose key contains `item` has a value that is
    /// `true` in any case.
    static func isEnabled(_ args: [String], _ item: String) -> Bool {
        args.contains { arg in
            let parts = arg.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].contains(item) else { return false }
            let value = parts[1].drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
            return String(value.reversed()).lowercased() == "true"
        }
    }

    /// (recipe, config) as `getRecipeAndConfig` picks them. `gpus` 1 means single device.
    public static func recipeAndConfig(model: String, numNodes: Int, gpus: Int, method: Method) -> (String, String) {
        if numNodes == 1 && gpus == 1 {
            switch method {
            case .qlora: return ("lora_finetune_single_device", model + "_qlora_single_device")
            case .lora: return ("lora_finetune_single_device", model + "_lora_single_device")
            case .full: return ("full_finetune_single_device", model + "_full_single_device")
            }
        }
        if numNodes == 1 && method == .qlora { return ("lora_finetune_distributed", model + "_qlora") }
        if numNodes == 1 && method == .lora { return ("lora_finetune_distributed", model + "_lora") }
        return ("full_finetune_distributed", model + (numNodes > 1 ? "_full_multinode" : "_full"))
    }

    /// Why the job fails at start on a real cluster, or nil when torchtune has the config.
    /// `gpus` nil means the runtime's default (2 GPUs per node for the built-in runtimes).
    public static func startFailure(runtime: String, numNodes: Int, gpus: Int?, method: Method) -> String? {
        guard let model = modelKey(runtime: runtime), supportedModels.contains(model) else { return nil }
        let (_, config) = recipeAndConfig(model: model, numNodes: numNodes, gpus: gpus ?? 2, method: method)
        if shipped.contains(config) { return nil }
        var why = "torchtune ships no \(config) config"
        if numNodes > 1 && method != .full { why += " (LoRA across nodes falls back to full fine-tuning)" }
        return why
    }
}
