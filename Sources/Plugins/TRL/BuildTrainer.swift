import BackendKit
import PluginKit

/// The TRL backend's `build_trainer` operation. Same request and answer as
/// every backend (documented on the TorchTune plugin's BuildTrainer), plus:
///
///     "backend_options": {"trainer_type": "dpo", "beta": 0.1, ...}   see TRLOptions
///     "learning_rate": 2e-5, "output_dir": "/workspace/output"
///
/// The answer's trainer section is a CustomTrainer-style command
/// (["bash", "-c", script]) and, on the fallback runtime, the TRL image.
enum BuildTrainer {
    static func run(_ request: JSON, listRuntimes: () throws -> [JSON]) throws -> JSON {
        let sources = try TrainingSources(request)
        let peft = request["peft_method"]?.string ?? "lora"
        guard ["lora", "qlora", "none", "full"].contains(peft) else {
            throw ToolError("peft_method must be lora, qlora or full (none means full); got \(peft).", field: "peft_method")
        }
        let options = try TRLOptions(request["backend_options"])
        let runtimes = try request["runtimes"]?.array ?? listRuntimes()
        let choice = try RuntimeChoice.pick(request: request, runtimes: runtimes, selector: trlSelector, backend: "trl")
        if choice.isFallback { try sources.checkFallback(runtime: choice.name ?? trlSelector.fallbackRuntime) }

        var trainer: JSON = ["command": .array(TRLCommand.command(request, options: options, sources: sources).map { .string($0) })]
        if let n = request["num_nodes"]?.int, n > 0 { trainer["numNodes"] = .int(n) }
        if let r = request["resources_per_node"], r.object != nil { trainer["resourcesPerNode"] = r }
        if choice.isFallback { trainer["image"] = .string(trlSelector.image) }
        return ["runtime": choice.name.map { .string($0) } ?? .null, "runtime_kind": .string(choice.kind),
                "trainer": trainer,
                "notes": .array(notes(request, options: options, choice: choice).map { .string($0) })]
    }

    static func notes(_ r: JSON, options: TRLOptions, choice: RuntimeChoice) -> [String] {
        var notes = ["Runs `trl \(options.trainerType.rawValue)` (TRL CLI) through accelerate launch on every node."]
        if choice.isFallback {
            notes.append("No runtime labelled trainer.kubeflow.org/framework=\(trlSelector.framework): the job runs on \(choice.name ?? trlSelector.fallbackRuntime) with image \(trlSelector.image). That runtime has no initializers, so each node downloads the model and dataset from the Hugging Face Hub, and \(r["output_dir"]?.string ?? TRLCommand.defaultOutputDir) lives in the pod only.")
        }
        if choice.isFallback, let sub = TrainingSources.subpath(r) {
            notes.append("From the Hub, TRL loads the whole dataset repo (its CLI has no data_dir option); \(sub) is used only where the dataset initializer ran.")
        }
        if options.trainerType == .dpo {
            notes.append("DPO needs a preference dataset with prompt, chosen and rejected columns.")
        }
        if (r["num_nodes"]?.int ?? 1) > 1 && options.accelerateConfig == nil && !["lora", "qlora"].contains(r["peft_method"]?.string ?? "lora") {
            notes.append("Full fine-tuning on several nodes replicates the model on every GPU (DDP); set backend_options.accelerate_config to zero3 or fsdp2 to shard it.")
        }
        return notes
    }
}
