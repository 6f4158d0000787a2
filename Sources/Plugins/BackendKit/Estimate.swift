import PluginKit

/// A first-order GPU memory model for a fine-tuning backend's `estimate`
/// operation (the planning plugin refines it). Request: {"model",
/// "peft_method", "batch_size"?, "gpu_memory_gb"?, "params_billion"?}.
public struct MemoryEstimate {
    /// Scales activation memory: the backend's kernels (Unsloth's are leaner).
    public var memoryFactor: Double
    /// False when every GPU holds a full copy (DDP, single GPU): more GPUs do not help.
    public var shardsParameters: Bool

    public init(memoryFactor: Double, shardsParameters: Bool) {
        self.memoryFactor = memoryFactor
        self.shardsParameters = shardsParameters
    }

    /// "Qwen/Qwen2.5-7B-Instruct" → 7.0, "Llama-3.2-1B" → 1.0, "SmolLM-360M" → 0.36 (billions).
    public static func parameterBillions(_ model: String) -> Double? {
        let name = model.split(separator: "/").last.map(String.init) ?? model
        for t in name.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).reversed() {
            if t.hasSuffix("b"), let v = Double(t.dropLast()) { return v }
            if t.hasSuffix("m"), let v = Double(t.dropLast()) { return v / 1000 }
        }
        return nil
    }

    public func run(_ r: JSON) throws -> JSON {
        guard let model = r["model"]?.string else { throw ToolError("estimate needs model.", field: "model") }
        guard let p = r["params_billion"]?.double ?? Self.parameterBillions(model) else {
            throw ToolError("Cannot tell the size of \(model) from its name; pass params_billion.", field: "params_billion")
        }
        let method = r["peft_method"]?.string ?? "lora"
        let batch = Double(r["batch_size"]?.int ?? 4)
        // GB per billion parameters at one byte each.
        let weights = method == "qlora" ? 0.5 * p : 2 * p
        let trained = method == "lora" || method == "qlora" ? 0.01 * p : p  // adapters are ~1% of parameters
        let gradients = 2 * trained, optimizer = 8 * trained                // bf16 grads, fp32 AdamW states
        let activations = 0.25 * 2 * p * batch / 4 * memoryFactor
        let total = (weights + gradients + optimizer + activations) * 1.1    // CUDA context, fragmentation
        let gpuMemory = r["gpu_memory_gb"]?.double ?? 80
        let usable = gpuMemory * 0.9
        let gpus = shardsParameters ? max(1, Int((total / usable).rounded(.up))) : 1
        func gb(_ x: Double) -> JSON { .double((x * 10).rounded() / 10) }
        var answer: JSON = [
            "model": .string(model), "params_billion": .double(p), "peft_method": .string(method),
            "memory_gb": ["weights": gb(weights), "gradients": gb(gradients), "optimizer": gb(optimizer),
                          "activations": gb(activations), "total": gb(total)],
            "gpu_memory_gb": .double(gpuMemory), "recommended_gpus": .int(gpus),
            "memory_factor": .double(memoryFactor), "method": "rough first-order model",
        ]
        if !shardsParameters && total > usable {
            answer["fits"] = false
            answer["note"] = .string("Every GPU holds a full copy here, and \(gb(total)) GB does not fit in \(gpuMemory) GB: use qlora, a smaller batch, or a GPU with more memory.")
        } else {
            answer["fits"] = true
        }
        return answer
    }
}
