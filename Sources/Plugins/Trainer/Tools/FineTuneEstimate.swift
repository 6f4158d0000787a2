import PluginKit

/// What fine_tune asks its backend's `estimate` operation: the job's own
/// settings under the names estimate_resources takes, so the preview's figure
/// is the one estimate_resources gives for the same job (both run the
/// planner's memory model, MemoryKit, on the backend's declared profile).
enum FineTuneEstimate {
    static func request(arguments a: JSON, model: String, method: String, userResources: [String: JSON]) -> JSON {
        var r: JSON = ["model": .string(model), "peft_method": .string(method)]
        for key in ["batch_size", "lora_rank", "num_nodes", "backend_options"] {
            if let v = a[key], !v.isNull { r[key] = v }
        }
        if a["dtype"]?.string == "fp32" { r["precision"] = "fp32" }
        if let gpus = (userResources["gpu"] ?? userResources["nvidia.com/gpu"])?.int { r["gpus_per_node"] = .int(gpus) }
        // torchtune's names: attention projections, plus the MLP when apply_lora_to_mlp.
        if let attention = a["lora_attn_modules"]?.array?.compactMap(\.string), !attention.isEmpty {
            let mlp = a["apply_lora_to_mlp"]?.bool == false ? [] : ["gate_proj", "up_proj", "down_proj"]
            r["lora_target_modules"] = .array((attention + mlp).map(JSON.string))
        }
        return r
    }
}
