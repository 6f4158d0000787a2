import PluginKit
import TrainerRules

/// What to change when v2.3.0's webhook denies a TrainJob a tool built: the tool argument at
/// fault and how to fix it, read from the webhook's first error. The rules themselves live in
/// TrainerRules; only the advice lives here.
struct DenialFix {
    var argument: String
    var text: String

    init(_ error: FieldError?, runtime: RuntimeInfo) {
        let field = error?.field ?? "", detail = error?.detail ?? ""
        switch field {
        case "spec.runtimeRef" where detail.contains("initializer"):
            let role = detail.contains("model-initializer") ? "model" : "dataset"
            argument = role
            text = "runtime \(runtime.name) has no usable \(role)-initializer step: pick a runtime that has one (list_training_runtimes; create_training_runtime makes one from a runtime that has it), or use a Hugging Face \(role), which run_custom_training's script and fine_tune's Hub-fetching backends (list_fine_tune_backends) download in the training pod; or leave \(role) out and fetch it in the container."
        case "spec.runtimePatches":
            argument = detail.contains("container") ? "volume_mounts" : "runtime"
            text = "runtime \(runtime.name) has no replicated job and container named node for the pod options to patch; leave them out or pick a runtime that has them."
        case "spec.trainer.env":
            argument = "env"
            text = "leave these out of env: Kubeflow Trainer sets torchrun's PET_* variables on every node itself."
        case "spec.trainer.numNodes" where detail.hasPrefix("must be 1"):
            argument = "num_nodes"
            text = "leave num_nodes out (or 1) and ask for more GPUs per node with resources_per_node."
        case "spec.trainer.numNodes":
            argument = "num_nodes"
            text = "use num_nodes 1 for LoRA/QLoRA, or peft_method full across nodes."
        case "spec.runtimeRef.name" where detail.contains("QLoRA"):
            argument = "peft_method"
            text = "use peft_method lora for this model."
        case "spec.runtimeRef.name":
            argument = "runtime"
            text = "use one of the built-in torchtune runtimes (torchtune-llama3.2-1b, torchtune-llama3.2-3b, torchtune-llama3.3-70b, torchtune-qwen2.5-1.5b), or another backend (list_fine_tune_backends)."
        case "spec.trainer.numProcPerNode", "spec.trainer.resourcesPerNode":
            argument = "resources_per_node"
            text = "set resources_per_node {\"gpu\": 1} (or leave it out), or use peft_method lora on more GPUs."
        case _ where field.hasPrefix("spec.trainer.args") && detail.contains("\"output_dir\""):
            argument = "output_dir"
            text = "leave output_dir out: torchtune writes to the runtime's output_dir (/workspace/output); to keep it, mount a PVC there with volumes/volume_mounts."
        case _ where field.hasPrefix("spec.trainer.args") && detail.contains("checkpointer.checkpoint_dir"):
            argument = "resume_from_checkpoint"
            text = "torchtune resumes from the latest epoch in the runtime's output_dir (/workspace/output): mount the PVC holding the checkpoint there with volumes/volume_mounts and pass resume_from_checkpoint /workspace/output."
        default:
            argument = "runtime"
            text = "change what the reason names, or pick another runtime (list_training_runtimes)."
        }
    }
}
