import PluginKit

/// The `build_trainer` operation: a fine-tuning backend's answer to "what
/// trainer section and which runtime for this request". Every backend (TRL,
/// Unsloth, a C plugin, ...) implements the same contract.
///
/// Request (JSON object; fields absent when the user did not set them):
///
///     {"model": "hf://meta-llama/Llama-3.2-1B-Instruct",   storage URI
///      "model_source": "huggingface" | "s3",
///      "dataset": "hf://tatsu-lab/alpaca/data",
///      "dataset_source": "huggingface" | "s3",
///      "peft_method": "lora" | "qlora" | "full",   fine_tune sends "none" as "full"
///      "epochs": 3, "batch_size": 4, "dtype": "bf16" | "fp32", "loss": "...",
///      "num_nodes": 2,
///      "resources_per_node": {"requests": {...}, "limits": {...}},   already in
///          the SDK's Kubernetes form ({"nvidia.com/gpu": 2.0}); copy it as is
///      "lora_rank": 8, "lora_alpha": 16, "lora_dropout": 0.1,
///      "lora_attn_modules": ["q_proj", ...], "apply_lora_to_mlp": true,
///      "apply_lora_to_output": false, "use_dora": false,
///      "dataset_format": "json", "dataset_split": "train[:10%]",
///      "train_on_input": false, "new_system_prompt": "...",
///      "column_map": {"input": "question"},
///      "runtime": "torchtune-llama3.2-1b",      the user's choice: must be used
///      "resume_from_checkpoint": "/mnt/ckpt/epoch_0",   only to backends whose
///          capabilities say "resume": true; an absolute path, already checked
///          (torchtune takes only its runtime's output_dir, /workspace/output)
///      "runtimes": [{"name", "kind", "framework", "pretrained_model",
///                    "num_nodes", "device", "device_count", ...}]}
///          the runtimes the caller can see; when absent, the backend lists them
///
/// Answer (the operation's result):
///
///     {"runtime": "<runtime name>", "runtime_kind": "ClusterTrainingRuntime",
///      "trainer": {"command": [...], "args": [...], "numNodes": 2,
///                  "resourcesPerNode": {...}},     the TrainJob's spec.trainer
///      "notes": ["sentences worth showing the user"]}
///
/// Errors are thrown as ToolError (field names the request field).
enum BuildTrainer {
    static let framework = "torchtune"

    static func run(_ request: JSON, listRuntimes: () throws -> [JSON]) throws -> JSON {
        guard request["model"]?.string != nil else {
            throw ToolError("build_trainer needs model (a storage URI).", field: "model")
        }
        let peft = request["peft_method"]?.string ?? "lora"
        guard ["lora", "qlora", "none", "full"].contains(peft) else {
            throw ToolError("peft_method must be lora, qlora or full (none means full); got \(peft).", field: "peft_method")
        }
        let runtimes = try request["runtimes"]?.array ?? listRuntimes()
        // The runtime first: without one for the model, fine_tune may ask another backend.
        let runtime = try RuntimeChoice.pick(request: request, runtimes: runtimes)
        // finetune-backend/1: unknown options are refused, and this backend declares none.
        if let options = request["backend_options"], !options.isNull, options.object?.isEmpty != true {
            throw ToolError("The torchtune backend takes no backend_options (got \(options.object.map { $0.keys.sorted().joined(separator: ", ") } ?? "a non-object")); its recipe is set by fine_tune's own arguments.",
                            field: "backend_options")
        }
        var trainer: JSON = ["command": ["tune", "run"],
                             "args": .array(try TorchTuneArgs.build(request).map { .string($0) })]
        if let n = request["num_nodes"]?.int, n > 0 { trainer["numNodes"] = .int(n) }
        if let r = request["resources_per_node"], r.object != nil { trainer["resourcesPerNode"] = r }
        let notes = SingleDeviceQLoRA.apply(runtime: runtime, trainer: &trainer)
        return ["runtime": RuntimeChoice.name(of: runtime).map { .string($0) } ?? .null,
                "runtime_kind": runtime["kind"] ?? "ClusterTrainingRuntime",
                "trainer": trainer, "notes": .array(notes.map { .string($0) })]
    }
}

/// Which torchtune runtime fits a model. torchtune runtimes are one per model:
/// the runtime's model initializer names it (STORAGE_URI), and its name carries it.
enum RuntimeChoice {
    static func pick(request: JSON, runtimes: [JSON]) throws -> JSON {
        let torchtune = runtimes.filter { framework(of: $0) == BuildTrainer.framework }
        if let wanted = request["runtime"]?.string {
            guard let r = torchtune.first(where: { name(of: $0) == wanted }) else {
                let other = runtimes.first { name(of: $0) == wanted }
                throw ToolError(other != nil
                    ? "Runtime \(wanted) is a \(framework(of: other!) ?? "custom") runtime; the torchtune backend needs one labelled trainer.kubeflow.org/framework=torchtune (\(names(torchtune)))."
                    : "Runtime \(wanted) does not exist; torchtune runtimes: \(names(torchtune)).", field: "runtime")
            }
            try checkFits(r, model: request["model"]?.string ?? "")
            return r
        }
        let model = request["model"]?.string ?? ""
        if let exact = torchtune.first(where: { normalizedURI(pretrainedModel(of: $0) ?? "") == normalizedURI(model) }) {
            return exact
        }
        if let byName = torchtune.first(where: { fits($0, model: model) }) { return byName }
        throw ToolError("No torchtune runtime fits model \(model); available: \(names(torchtune)) (Kubeflow Trainer's built-in torchtune trainer runs only those models). Use another backend (see list_fine_tune_backends), e.g. backend trl.",
                        field: "runtime")
    }

    /// A torchtune runtime runs the one model its recipe config names: another
    /// model's weights on it fail inside the pod, so a HuggingFace model that is
    /// not the runtime's is refused here. (s3:// paths name no model; they pass.)
    static func checkFits(_ runtime: JSON, model: String) throws {
        guard !model.hasPrefix("s3://"), !fits(runtime, model: model) else { return }
        func shown(_ uri: String) -> String { uri.hasPrefix("hf://") ? String(uri.dropFirst(5)) : uri }
        let runtimeModel = pretrainedModel(of: runtime).map { " (\(shown($0)))" } ?? ""
        throw ToolError("Runtime \(name(of: runtime) ?? "?") is built for another model\(runtimeModel); it cannot fine-tune \(shown(model)). Leave runtime out to pick the runtime for this model, or choose another backend (see list_fine_tune_backends).",
                        field: "runtime")
    }

    static func fits(_ runtime: JSON, model: String) -> Bool {
        if normalizedURI(pretrainedModel(of: runtime) ?? "") == normalizedURI(model) { return true }
        let key = alnum((name(of: runtime) ?? "").replacingPrefix("torchtune-"))
        return !key.isEmpty && alnum(modelName(model)).contains(key)
    }

    static func name(of r: JSON) -> String? { r["name"]?.string ?? r["metadata"]?["name"]?.string }
    static func framework(of r: JSON) -> String? {
        r["framework"]?.string ?? r["metadata"]?["labels"]?["trainer.kubeflow.org/framework"]?.string
    }
    static func pretrainedModel(of r: JSON) -> String? {
        if let m = r["pretrained_model"]?.string { return m }
        for job in r["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? [] where job["name"]?.string == "model-initializer" {
            for c in job["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? [] {
                if let v = c["env"]?.array?.first(where: { $0["name"]?.string == "STORAGE_URI" })?["value"]?.string { return v }
            }
        }
        return nil
    }

    private static func names(_ rs: [JSON]) -> String {
        let n = rs.compactMap { name(of: $0) }
        return n.isEmpty ? "none installed" : n.joined(separator: ", ")
    }
    static func normalizedURI(_ s: String) -> String {
        (s.hasPrefix("hf://") ? String(s.dropFirst(5)) : s).lowercased()
    }
    static func modelName(_ uri: String) -> String {
        String(normalizedURI(uri).split(separator: "/").last ?? "")
    }
    static func alnum(_ s: String) -> String { String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }
}

private extension String {
    func replacingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
