import BackendKit
import PluginKit

/// The Unsloth backend's `build_trainer` operation. Same request and answer as
/// every backend (documented on the TorchTune plugin's BuildTrainer), plus
/// "backend_options" (see UnslothOptions), "learning_rate" and "output_dir".
///
/// Unsloth trains on one GPU of one node, with LoRA or QLoRA adapters; the
/// trainer section runs a generated script the way the SDK's CustomTrainer does.
enum BuildTrainer {
    static func run(_ request: JSON, capabilities: JSON, listRuntimes: () throws -> [JSON]) throws -> JSON {
        let sources = try TrainingSources(request)
        let peft = request["peft_method"]?.string ?? "lora"
        let methods = capabilities["methods"]?.array?.compactMap(\.string) ?? []
        guard methods.contains(peft) else {
            throw ToolError("The unsloth backend fine-tunes with \(methods.joined(separator: " or ")) adapters, not \(peft == "none" ? "full fine-tuning" : peft); use peft_method lora or qlora, or backend trl or torchtune for full fine-tuning.",
                            field: "peft_method")
        }
        let nodes = request["num_nodes"]?.int ?? 1
        if nodes > 1 && capabilities["multi_node"]?.bool != true {
            throw ToolError("The unsloth backend trains on a single node; num_nodes is \(nodes). Use num_nodes 1, or backend trl for multi-node training.",
                            field: "num_nodes")
        }
        let options = try UnslothOptions(request["backend_options"])
        let runtimes = try request["runtimes"]?.array ?? listRuntimes()
        let choice = try RuntimeChoice.pick(request: request, runtimes: runtimes, selector: unslothSelector, backend: "unsloth")
        if choice.isFallback { try sources.checkFallback(runtime: choice.name ?? unslothSelector.fallbackRuntime) }

        var trainer: JSON = [
            "command": .array(UnslothScript.command(request, options: options, sources: sources).map { .string($0) }),
            "numNodes": 1,
        ]
        if let r = request["resources_per_node"], r.object != nil { trainer["resourcesPerNode"] = r }
        if choice.isFallback { trainer["image"] = .string(unslothSelector.image) }
        return ["runtime": choice.name.map { .string($0) } ?? .null, "runtime_kind": .string(choice.kind),
                "trainer": trainer, "notes": .array(notes(request, choice: choice).map { .string($0) })]
    }

    static func notes(_ r: JSON, choice: RuntimeChoice) -> [String] {
        var notes = ["Runs a generated Unsloth script (FastLanguageModel + SFTTrainer) with python on one GPU."]
        if choice.isFallback {
            notes.append("No runtime labelled trainer.kubeflow.org/framework=\(unslothSelector.framework): the job runs on \(choice.name ?? unslothSelector.fallbackRuntime) with image \(unslothSelector.image). That runtime has no initializers, so the job downloads the model and dataset from the Hugging Face Hub, and \(r["output_dir"]?.string ?? UnslothScript.defaultOutputDir) lives in the pod only.")
        }
        if let gpus = gpuCount(r["resources_per_node"]), gpus > 1 {
            notes.append("Unsloth uses one GPU; the other \(gpus - 1) requested on the node stay idle. Request 1 GPU.")
        }
        if r["dtype"]?.string == "fp32" {
            notes.append("Unsloth trains in 16-bit; dtype fp32 is not used (the dtype is detected from the GPU).")
        }
        return notes
    }

    private static func gpuCount(_ resources: JSON?) -> Int? {
        (resources?["limits"]?["nvidia.com/gpu"] ?? resources?["requests"]?["nvidia.com/gpu"]).flatMap { v in
            v.int ?? v.string.flatMap { Int($0) }
        }
    }
}
