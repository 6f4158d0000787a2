import PluginKit

/// A first-order GPU memory model for torchtune fine-tuning (the planning
/// plugin refines it). Request: {"model", "peft_method", "batch_size"?,
/// "gpu_memory_gb"?}. Answer: parameter count, memory parts in GB, GPUs needed.
enum Estimate {
    /// "Qwen/Qwen2.5-7B-Instruct" → 7.0, "Llama-3.2-1B" → 1.0, "SmolLM-360M" → 0.36 (billions).
    static func parameterBillions(_ model: String) -> Double? {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        let tokens = name.lowercased().split { $0 == "-" || $0 == "_" }
        for t in tokens.reversed() {
            if t.hasSuffix("b"), let v = Double(t.dropLast()) { return v }
            if t.hasSuffix("m"), let v = Double(t.dropLast()) { return v / 1000 }
        }
        return nil
    }

    static func run(_ r: JSON) throws -> JSON {
        guard let model = r["model"]?.string else { throw ToolError("estimate needs model.", field: "model") }
        guard let billions = r["params_billion"]?.double ?? parameterBillions(model) else {
            throw ToolError("Cannot tell the size of \(model) from its name; pass params_billion.", field: "params_billion")
        }
        let method = r["peft_method"]?.string ?? "lora"
        let batch = Double(r["batch_size"]?.int ?? 4)
        let p = billions  // GB per byte-per-parameter
        let weights: Double, gradients: Double, optimizer: Double
        switch method {
        case "qlora":  // 4-bit base weights, bf16 adapters (~1% of parameters)
            weights = 0.5 * p; gradients = 2 * 0.01 * p; optimizer = 8 * 0.01 * p
        case "lora":
            weights = 2 * p; gradients = 2 * 0.01 * p; optimizer = 8 * 0.01 * p
        default:  // full: bf16 weights and gradients, AdamW states in fp32
            weights = 2 * p; gradients = 2 * p; optimizer = 8 * p
        }
        let activations = 0.25 * 2 * p * batch / 4
        let total = (weights + gradients + optimizer + activations) * 1.1  // 10% CUDA context, fragmentation
        let gpuMemory = r["gpu_memory_gb"]?.double ?? 80
        let gpus = max(1, Int((total / (gpuMemory * 0.9)).rounded(.up)))
        func gb(_ x: Double) -> JSON { .double((x * 10).rounded() / 10) }
        return ["model": .string(model), "params_billion": .double(billions), "peft_method": .string(method),
                "memory_gb": ["weights": gb(weights), "gradients": gb(gradients), "optimizer": gb(optimizer),
                              "activations": gb(activations), "total": gb(total)],
                "gpu_memory_gb": .double(gpuMemory), "recommended_gpus": .int(gpus),
                "memory_factor": 1.0, "method": "rough first-order model"]
    }
}
