import KFJSON

/// What Kubeflow Trainer v2.3.0 and its built-in trainer (torchtune) do with a TrainJob on a
/// built-in torchtune runtime: the one place the simulator (admission and workload) and the planner
/// (`validate_config`, through the TorchTune backend's `admission_rules`) read.
///
/// Read from the Trainer v2.3.0 sources (pkg/runtime/framework/plugins/torch):
/// - The torch plugin picks the recipe and config from numNodes, the GPUs per node and the
///   LoRA/QLoRA args (`getRecipeAndConfig`): `<model><suffix>`, e.g. `llama3_2/1B_lora`.
/// - Its webhook check (`validateTorchTune`) runs only when `spec.trainer.numProcPerNode`
///   is set (`Torch.Validate` returns early otherwise). The SDK and our tools never set it,
///   so such jobs are admitted, and a config torchtune does not ship fails at start.
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

    /// The method the torch plugin reads from the args: LoRA when `lora_attn_modules` is set,
    /// QLoRA when `quantize_base=True` too (and DoRA is off).
    public static func method(args: [String]) -> Method {
        let lora = args.contains { $0.contains("lora_attn_modules") }
        let qlora = args.contains { $0.contains("quantize_base=True") } && !args.contains { $0.contains("use_dora=True") }
        return qlora ? .qlora : lora ? .lora : .full
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

    /// v2.3.0 `Torch.Validate`, which runs only when `numProcPerNode` is set (see above): the
    /// reserved torchrun env names, or for `tune run` the `validateTorchTune` checks.
    /// (field, value, detail) per error, for a 422 like the webhook's.
    public static func webhookErrors(trainJob: JSON, runtime: JSON) -> [(field: String, value: JSON, detail: String)] {
        guard let trainer = trainJob["spec"]?["trainer"], trainer["numProcPerNode"] != nil,
              runtime["spec"]?["mlPolicy"]?["torch"] != nil else { return [] }
        guard (trainer["command"]?.array ?? []).compactMap(\.string) == ["tune", "run"] else {
            // torchrun's own variables are the controller's to set.
            let reserved: Set = ["PET_NNODES", "PET_NPROC_PER_NODE", "PET_NODE_RANK", "PET_MASTER_ADDR", "PET_MASTER_PORT"]
            let set = Set((trainer["env"]?.array ?? []).compactMap { $0["name"]?.string }).intersection(reserved)
            guard !set.isEmpty else { return [] }
            return [("spec.trainer.env", trainer["env"] ?? .null,
                     "must not have reserved envs, invalid envs configured: [\(set.sorted().joined(separator: " "))]")]
        }
        let name = trainJob["spec"]?["runtimeRef"]?["name"]?.string ?? ""
        let model = modelKey(runtime: name) ?? ""
        var errors: [(String, JSON, String)] = []
        if !supportedModels.contains(model) {
            errors.append(("spec.runtimeRef.name", .string(name),
                           "must have a supported pretrained model, invalid model configured: \(model)"))
        }
        let numNodes = trainer["numNodes"]?.int ?? 1
        if numNodes > 1 && model != "llama3_3/70B" {
            errors.append(("spec.trainer.numNodes", .int(numNodes), "must be 1 for \(model) model"))
        }
        let args = (trainer["args"]?.array ?? []).compactMap(\.string)
        let method = method(args: args)
        let procs = trainer["numProcPerNode"]?.int
        let gpus = procs == 1 ? 1 : gpuCount(trainer["resourcesPerNode"]) ?? 2
        let (_, config) = recipeAndConfig(model: model, numNodes: numNodes, gpus: gpus, method: method)
        if config.hasSuffix("_qlora") || config.hasSuffix("_qlora_single_device") {
            if model == "qwen2_5/1.5B" {
                errors.append(("spec.runtimeRef.name", .string(name), "QLoRA is not supported for \(model) model"))
            }
            if !config.hasSuffix("_single_device") && (model == "llama3_2/1B" || model == "llama3_2/3B") {
                errors.append(("spec.trainer.numProcPerNode", trainer["numProcPerNode"] ?? .null,
                               "must be auto or 1 for \(model) model when using QLoRA"))
            }
        }
        return errors
    }

    /// `nvidia.com/gpu` from limits, else requests.
    public static func gpuCount(_ resources: JSON?) -> Int? {
        let value = resources?["limits"]?["nvidia.com/gpu"] ?? resources?["requests"]?["nvidia.com/gpu"]
        if let n = value?.int { return n }
        if let d = value?.double { return Int(d.rounded(.up)) }
        if let s = value?.string { return Int(s) }
        return nil
    }
}
