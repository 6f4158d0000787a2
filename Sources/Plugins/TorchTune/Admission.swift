import PluginKit
import TrainerRules

/// What Kubeflow Trainer v2.3.0's torch plugin admits of a `tune run` TrainJob
/// (torchtune.go:validateTorchTune, run on every TrainJob whose command is `tune run`),
/// applied to the trainer section before it is sent: a QLoRA job on a model that QLoRA
/// runs only on one GPU gets one GPU; everything else the webhook denies is refused with
/// its reason and the fix.
enum Admission {
    /// The runtime's own output directory (its `output_dir=` in the node command): immutable,
    /// like checkpointer.checkpoint_dir. torchtune resumes from the latest epoch in it.
    static let runtimeOutputDir = "/workspace/output"
    /// Models whose QLoRA config ships only for a single device (constants.go).
    static let singleDeviceQLoRA: Set = ["llama3_2/1B", "llama3_2/3B"]

    /// Checks and completes `trainer` (numNodes, resourcesPerNode, args) for `runtime`; returns notes.
    static func apply(_ request: JSON, runtime: JSON, trainer: inout JSON) throws -> [String] {
        let runtimeName = RuntimeChoice.name(of: runtime) ?? ""
        let model = BuiltinTrainerRules.modelKey(runtime: runtimeName) ?? ""
        guard BuiltinTrainerRules.supportedModels.contains(model) else {
            throw ToolError(WebhookDenial.message(
                "spec.runtimeRef.name: must have a supported pretrained model, invalid model configured: \(model)",
                fix: "use one of the built-in torchtune runtimes (torchtune-llama3.2-1b, torchtune-llama3.2-3b, torchtune-llama3.3-70b, torchtune-qwen2.5-1.5b), or another backend (list_fine_tune_backends)."),
                field: "runtime")
        }
        let numNodes = trainer["numNodes"]?.int ?? 1
        let args = (trainer["args"]?.array ?? []).compactMap(\.string)
        let method = BuiltinTrainerRules.method(args: args)
        if numNodes > 1 && model != "llama3_3/70B" {
            throw ToolError(WebhookDenial.message("spec.trainer.numNodes: must be 1 for \(model) model",
                                                  fix: "leave num_nodes out (or 1) and ask for more GPUs per node with resources_per_node."),
                            field: "num_nodes")
        }
        if numNodes > 1 && method != .full {
            throw ToolError(WebhookDenial.message("spec.trainer.numNodes: LoRA fine-tuning is not supported for multi-node training in TorchTune",
                                                  fix: "use num_nodes 1 for LoRA/QLoRA, or peft_method full across nodes."),
                            field: "num_nodes")
        }
        var notes: [String] = []
        if method == .qlora {
            if model == "qwen2_5/1.5B" {
                throw ToolError(WebhookDenial.message("spec.runtimeRef.name: QLoRA is not supported for \(model) model",
                                                      fix: "use peft_method lora for this model."),
                                field: "peft_method")
            }
            if singleDeviceQLoRA.contains(model) {
                if case let gpus = GPUCount.perNode(trainer["resourcesPerNode"]), gpus > 0 {
                    if gpus != 1 {
                        throw ToolError(WebhookDenial.message("spec.trainer.resourcesPerNode: must have gpu resource with value 1 for \(model) model when using QLoRA",
                                                              fix: "set resources_per_node {\"gpu\": 1} (or leave it out), or use peft_method lora on more GPUs."),
                                        field: "resources_per_node")
                    }
                } else {
                    // The SDK's resources_per_node form: the same map as requests and limits, counts as floats.
                    let one: JSON = ["nvidia.com/gpu": .double(1)]
                    trainer["resourcesPerNode"] = ["limits": one, "requests": one]
                    notes.append("QLoRA for \(model) runs on 1 GPU (torchtune ships only \(model)_qlora_single_device, and Kubeflow Trainer v2.3.0 denies QLoRA on more), so the job asks for 1 GPU instead of the runtime's \(runtimeGPUs(runtime).map(String.init) ?? "default").")
                }
            }
        }
        return notes
    }

    /// `resume_from_checkpoint` and `output_dir` as torchtune's rule allows them: the runtime
    /// sets output_dir and checkpointer.checkpoint_dir, which a TrainJob must not override, and
    /// `resume_from_checkpoint=True` resumes from the latest epoch in the runtime's output_dir.
    static func checkPaths(_ request: JSON) throws {
        if let out = request["output_dir"]?.string, out != runtimeOutputDir && out != runtimeOutputDir + "/" {
            throw ToolError(WebhookDenial.message(
                "spec.trainer.args: must not set immutable config \"output_dir\" in trainer args; it is managed by the runtime",
                fix: "leave output_dir out: torchtune writes to \(runtimeOutputDir); to keep it, mount a PVC there with volumes/volume_mounts."),
                field: "output_dir")
        }
        if let resume = request["resume_from_checkpoint"]?.string, !isUnder(resume, runtimeOutputDir) {
            throw ToolError(WebhookDenial.message(
                "spec.trainer.args: must not set immutable config \"checkpointer.checkpoint_dir\" in trainer args; it is managed by the runtime",
                fix: "torchtune resumes from the latest epoch in \(runtimeOutputDir): mount the PVC holding \(resume) at \(runtimeOutputDir) with volumes/volume_mounts and pass resume_from_checkpoint \(runtimeOutputDir)."),
                field: "resume_from_checkpoint")
        }
    }

    static func isUnder(_ path: String, _ dir: String) -> Bool {
        path == dir || path == dir + "/" || path.hasPrefix(dir + "/")
    }

    /// GPUs per node the runtime asks for: from a raw runtime's node container, or a summary's device count.
    static func runtimeGPUs(_ runtime: JSON) -> Int? {
        if let count = runtime["device_count"]?.string, runtime["device"]?.string == "gpu", let n = Int(count) {
            return n / max(1, runtime["num_nodes"]?.int ?? 1)
        }
        for job in runtime["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? [] {
            for c in job["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? [] where c["name"]?.string == "node" {
                if case let n = GPUCount.perNode(c["resources"]), n > 0 { return n }
            }
        }
        return nil
    }
}
