import PluginKit

/// The torchtune `args` of a BuiltinTrainer, in the Kubeflow SDK's order and
/// format (utils.py:get_args_using_torchtune_config): dtype, batch_size,
/// epochs, loss, the dataset location, LoRA fields, instruct-dataset fields.
/// Python values print as Python does: True/False, 0.1, [a,b], {'k': 'v'}.
enum TorchTuneArgs {
    static let datasetPath = "/workspace/dataset"
    /// The runtime's own output directory (its `output_dir=` in the node command). torchtune
    /// resumes from the latest epoch in it.
    static let runtimeOutputDir = "/workspace/output"
    static let defaultLoraAttnModules = ["q_proj", "v_proj", "output_proj"]

    static func build(_ r: JSON) throws -> [String] {
        var args: [String] = []
        if let dtype = r["dtype"]?.string { args.append("dtype=\(dtype)") }
        if let b = positive(r["batch_size"]) { args.append("batch_size=\(b)") }
        if let e = positive(r["epochs"]) { args.append("epochs=\(e)") }
        if let loss = r["loss"]?.string, !loss.isEmpty { args.append("loss=\(try Self.loss(loss))") }
        if r["dataset_source"]?.string == "huggingface", let uri = r["dataset"]?.string {
            args.append(datasetArg(uri))
        }
        let peft = r["peft_method"]?.string ?? "lora"
        if peft == "lora" || peft == "qlora" { args += loraArgs(r, qlora: peft == "qlora") }
        args += instructDatasetArgs(r)
        // Not SDK fields (the SDK cannot resume), after the SDK's args, in torchtune's own keys. The
        // runtime sets output_dir and checkpointer.checkpoint_dir; a job that moves them elsewhere
        // is denied by v2.3.0's torchtune rule, which fine_tune runs on the TrainJob (TrainerRules).
        if let out = r["output_dir"]?.string, !isRuntimeOutputDir(out) { args.append("output_dir=\(out)") }
        if let resume = r["resume_from_checkpoint"]?.string {
            if !(isRuntimeOutputDir(resume) || resume.hasPrefix(runtimeOutputDir + "/")) {
                args.append("checkpointer.checkpoint_dir=\(resume)")
            }
            args.append("resume_from_checkpoint=True")
        }
        return args
    }

    static func isRuntimeOutputDir(_ path: String) -> Bool { path == runtimeOutputDir || path == runtimeOutputDir + "/" }

    /// `dataset.data_files=` when the path inside the repo names a file (has a
    /// "."), else `dataset.data_dir=`; the repo's first segment is dropped.
    static func datasetArg(_ storageUri: String) -> String {
        let uri = storageUri.hasPrefix("hf://") ? storageUri : "hf://" + storageUri
        // urlparse: hf://<netloc>/<path>; the SDK splits the path after the netloc.
        let afterScheme = uri.dropFirst("hf://".count)
        let path = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            .drop { $0.isEmpty }  // strip("/") at the start
        var segments = Array(parts)
        while segments.last?.isEmpty == true { segments.removeLast() }
        let relative = segments.count > 1 ? segments.dropFirst().joined(separator: "/") : "."
        if relative != "." && relative.contains(".") { return "dataset.data_files=\(datasetPath)/\(relative)" }
        return "dataset.data_dir=\(datasetPath)/\(relative)"
    }

    static func loraArgs(_ r: JSON, qlora: Bool) -> [String] {
        var args: [String] = []
        var fields: [(String, JSON?)] = [
            ("apply_lora_to_mlp", r["apply_lora_to_mlp"]), ("apply_lora_to_output", r["apply_lora_to_output"]),
            ("lora_rank", r["lora_rank"]), ("lora_alpha", r["lora_alpha"]), ("lora_dropout", r["lora_dropout"]),
            ("quantize_base", qlora ? .bool(true) : r["quantize_base"]), ("use_dora", r["use_dora"]),
        ]
        fields = fields.filter { $0.1 != nil && $0.1 != .null }
        for (name, value) in fields { args.append("model.\(name)=\(python(value!))") }
        let modules = r["lora_attn_modules"]?.array?.compactMap(\.string) ?? defaultLoraAttnModules
        if !modules.isEmpty { args.append("model.lora_attn_modules=[\(modules.joined(separator: ","))]") }
        return args
    }

    static func instructDatasetArgs(_ r: JSON) -> [String] {
        let keys = ["dataset_format", "dataset_split", "train_on_input", "new_system_prompt", "column_map"]
        guard keys.contains(where: { r[$0] != nil && r[$0] != .null }) else { return [] }
        var args = ["dataset=torchtune.datasets.instruct_dataset"]
        if let f = r["dataset_format"]?.string { args.append("dataset.source=\(f)") }
        if let s = r["dataset_split"]?.string, !s.isEmpty { args.append("dataset.split=\(s)") }
        if let t = r["train_on_input"]?.bool { args.append("dataset.train_on_input=\(t ? "True" : "False")") }
        if let p = r["new_system_prompt"]?.string, !p.isEmpty { args.append("dataset.new_system_prompt=\(p)") }
        if let m = r["column_map"]?.object, !m.isEmpty {
            let body = m.keys.sorted().map { "\(pyString($0)): \(python(m[$0]!))" }.joined(separator: ", ")
            args.append("dataset.column_map={\(body)}")
        }
        return args
    }

    private static func positive(_ v: JSON?) -> Int? {
        guard let i = v?.int, i > 0 else { return nil }
        return i
    }

    /// Python's str() of a scalar as the SDK's f-strings print it.
    static func python(_ v: JSON) -> String {
        switch v {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return d.description
        case .string(let s): return pyString(s)
        case .null: return "None"
        default: return v.serialized()
        }
    }

    private static func pyString(_ s: String) -> String {
        s.contains("'") && !s.contains("\"") ? "\"\(s)\"" : "'\(s)'"
    }

    /// The SDK's Loss enum: a short name stands for its torchtune class path
    /// (types.py: Loss.CEWithChunkedOutputLoss = "torchtune.modules.loss.CEWithChunkedOutputLoss").
    /// A dotted class path is passed as given.
    static let losses = ["CEWithChunkedOutputLoss": "torchtune.modules.loss.CEWithChunkedOutputLoss"]

    static func loss(_ text: String) throws -> String {
        if text.contains(".") { return text }
        guard let path = losses[text] else {
            throw ToolError("loss \(text) is not one of the SDK's losses (\(losses.keys.sorted().joined(separator: ", "))); give a short name or a full class path such as torchtune.modules.loss.CEWithChunkedOutputLoss.",
                            field: "loss")
        }
        return path
    }
}
