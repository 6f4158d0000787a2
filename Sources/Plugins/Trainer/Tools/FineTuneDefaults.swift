import PluginKit

/// One method vocabulary for every backend: lora, qlora, full. `none` (our
/// earlier name, and the SDK's "no peft_config") is read as full.
enum FineTuneMethod {
    static let names = ["lora", "qlora", "full"]
    /// No schema `default`: a client that fills in defaults (an OpenAPI bridge)
    /// would then send peft_method beside its alias `method`.
    static let schema = Schema.string("Fine-tuning method: lora, qlora or full (none is accepted as an alias of full); default lora.",
                                      enum: names + ["none"])

    static func parse(_ text: String?) throws -> String {
        let method = text ?? "lora"
        if method == "none" { return "full" }
        guard names.contains(method) else {
            throw ToolError("peft_method must be lora, qlora or full (none means full); got \(method).", field: "peft_method")
        }
        return method
    }

    static func isAdapter(_ method: String) -> Bool { method == "lora" || method == "qlora" }
}

/// KEP-936's fine_tune defaults (epochs 3, batch 4, LoRA rank 16 / alpha 32),
/// applied to what the call leaves out and echoed in the answer. An explicit
/// null keeps the backend recipe's own value (nothing is sent), as the SDK does
/// for a field it is not given.
enum FineTuneDefaults {
    static let common: [(String, JSON)] = [("epochs", 3), ("batch_size", 4)]
    static let adapter: [(String, JSON)] = [("lora_rank", 16), ("lora_alpha", 32)]

    /// The arguments with the defaults filled in and `peft_method` normalized,
    /// and the defaults that were applied.
    static func apply(to arguments: JSON, method: String) -> (arguments: JSON, applied: JSON) {
        var filled = arguments
        var applied: JSON = [:]
        for (key, value) in common + (FineTuneMethod.isAdapter(method) ? adapter : []) where arguments[key] == nil {
            filled[key] = value
            applied[key] = value
        }
        filled["peft_method"] = .string(method)
        return (filled, applied)
    }
}

/// Every backend's job requests GPUs: when neither the call nor the runtime's
/// trainer container asks for any, the trainer requests one per node, or what
/// the backend's estimate recommends, within the backend's max_gpus_per_node.
/// (On a generic runtime such as torch-distributed the pods would otherwise land
/// on a CPU node.)
enum DefaultGPUs {
    static func complete(_ trainer: JSON, runtime: RuntimeInfo, userResources: [String: JSON], numNodes: Int,
                         recommended: Int?, maxPerNode: Int?) throws -> (trainer: JSON, note: String?) {
        let gpuKeys = ["gpu", "nvidia.com/gpu"]
        if userResources.keys.contains(where: { gpuKeys.contains($0.lowercased()) || $0.lowercased().hasPrefix("mig-") }) {
            return (trainer, nil)
        }
        if !["cpu", "Unknown"].contains(runtime.device) { return (trainer, nil) }  // the runtime asks for GPUs/TPUs
        if let limits = trainer["resourcesPerNode"]?["limits"]?.object,
           limits.keys.contains(where: { $0.hasPrefix("nvidia.com/") }) { return (trainer, nil) }
        var perNode = max(1, ((recommended ?? 1) + numNodes - 1) / numNodes)
        if let maxPerNode, maxPerNode >= 1 { perNode = min(perNode, maxPerNode) }
        var resources = userResources
        resources["gpu"] = .int(perNode)
        var trainer = trainer
        trainer["resourcesPerNode"] = try ResourcesPerNode.build(resources)
        let why = (recommended ?? 1) > 1 ? "the backend's estimate" : "the default"
        return (trainer, "Requests \(perNode) GPU(s) per node (\(why); runtime \(runtime.name) asks for none). Pass resources_per_node or gpus_per_node to change it.")
    }
}
