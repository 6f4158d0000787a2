import PluginKit
import TrainerRules

/// QLoRA on a model whose QLoRA config torchtune ships only for one device: the job asks for
/// one GPU (instead of the runtime's), the shape Kubeflow Trainer v2.3.0's torchtune rule
/// admits. Whether a job is admitted is not decided here: fine_tune runs the webhook's rules
/// (TrainerRules) on the TrainJob it sends, and refuses with their words.
enum SingleDeviceQLoRA {
    /// Models whose QLoRA config ships only for a single device (constants.go).
    static let models: Set = ["llama3_2/1B", "llama3_2/3B"]

    /// Gives `trainer` one GPU when it runs QLoRA on such a model and asks for none itself; returns notes.
    static func apply(runtime: JSON, trainer: inout JSON) -> [String] {
        let model = BuiltinTrainerRules.modelKey(runtime: RuntimeChoice.name(of: runtime) ?? "") ?? ""
        let args = (trainer["args"]?.array ?? []).compactMap(\.string)
        guard models.contains(model), BuiltinTrainerRules.method(args: args) == .qlora,
              GPUCount.perNode(trainer["resourcesPerNode"]) == 0 else { return [] }
        // The SDK's resources_per_node form: the same map as requests and limits, counts as floats.
        let one: JSON = ["nvidia.com/gpu": .double(1)]
        trainer["resourcesPerNode"] = ["limits": one, "requests": one]
        return ["QLoRA for \(model) runs on 1 GPU (torchtune ships only \(model)_qlora_single_device, and Kubeflow Trainer v2.3.0 denies QLoRA on more), so the job asks for 1 GPU instead of the runtime's \(runtimeGPUs(runtime).map(String.init) ?? "default")."]
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
