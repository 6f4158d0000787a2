import BackendKit
import MemoryKit
import PluginKit
import TrainerRules

/// What the torchtune backend declares (list_backends).
let torchtuneCapabilities: JSON = [
    "methods": ["lora", "qlora", "full"],
    "model_families": ["llama3", "llama3_1", "llama3_2", "llama3_3", "qwen2", "qwen2_5", "gemma", "gemma2", "mistral", "phi3"],
    "multi_node": true,
    // build_trainer takes resume_from_checkpoint (a checkpoint directory in the container).
    "resume": true,
    "memory_factor": 1.0,
    // How torchtune's distributed recipes (the ones Kubeflow Trainer runs)
    // spend GPU memory; read by estimate_resources (MemoryProfile).
    "memory_profile": [
        "loss": "chunked", "activation_checkpointing": true, "activation_offloading": false,
        "optimizer": "adamw", "adapter_dtype": "bf16", "sharding": "fsdp", "cpu_offload": false, "packed": false,
        // QLoRA through torchao's NF4 tensors (torchtune.modules.peft: to_nf4), which FSDP2 shards whole.
        "quantization": "torchao",
        // On one GPU Trainer v2.3.0 runs the *_single_device recipes, whose full fine-tune configs
        // (torchtune recipes/configs: llama3_1/8B_full_single_device.yaml, llama3_2/1B_…,
        // qwen2_5/3B_…) set bitsandbytes.optim.PagedAdamW8bit and optimizer_in_bwd: True.
        "single_device": ["optimizer": "paged_adamw_8bit", "optimizer_in_backward": true],
    ],
    // The SDK's BuiltinTrainer trains with torchtune: fine_tune's default backend.
    "default": true,
    "runtime_selector": ["framework": "torchtune"],
    // Which torchtune configs exist for the built-in runtimes' models: a job whose
    // recipe/config (picked by Trainer v2.3.0 from nodes, GPUs and LoRA args) is not
    // shipped fails. The planner's validate_config reads it; the values come from
    // TrainerRules, the one place the simulator reads too.
    "admission_rules": [
        "supported_models": .array(BuiltinTrainerRules.supportedModels.map(JSON.string)),
        "shipped_configs": .array(BuiltinTrainerRules.shipped.sorted().map(JSON.string)),
    ],
]

/// The torchtune fine-tuning backend: turns a fine_tune request into the
/// Kubeflow SDK's BuiltinTrainer(TorchTuneConfig) trainer section.
let torchtuneBackend = BackendDefinition(
    id: "torchtune", title: "TorchTune (Kubeflow BuiltinTrainer)", version: "0.1.0",
    capabilities: torchtuneCapabilities,
    operations: [
        "build_trainer": { call in
            try BuildTrainer.run(call.arguments) { try listRuntimes(call, namespace: call.arguments["namespace"]?.string) }
        },
        "estimate": { call in
            try BackendEstimate.run(call.arguments, backendID: "torchtune", capabilities: torchtuneCapabilities)
        },
    ]
)

let listBackendRecipes = ToolDefinition(
    name: "list_backend_recipes", title: "TorchTune recipes and runtimes",
    description: "The torchtune runtimes installed (one per model), the model each downloads and the recipe/config it runs, plus the recipes Kubeflow Trainer picks by method.",
    category: "discovery", risk: .readOnly, idempotent: true,
    input: Schema.object(["namespace": Schema.namespace]),
    output: Schema.result(always: ["runtimes": Schema.list(), "recipes_by_method": Schema.of("object")])
) { call in
    let runtimes = try listRuntimes(call, namespace: try call.optionalString("namespace"))
        .filter { RuntimeChoice.framework(of: $0) == "torchtune" }
    let rows: [JSON] = runtimes.map { r in
        var row: JSON = ["name": .string(RuntimeChoice.name(of: r) ?? ""), "kind": r["kind"] ?? .null,
                         "model": RuntimeChoice.pretrainedModel(of: r).map { .string($0) } ?? .null]
        let command = RecipeInfo.trainerCommand(r)
        if let recipe = RecipeInfo.recipe(command) { row["recipe"] = .string(recipe) }
        if let config = RecipeInfo.config(command) { row["config"] = .string(config) }
        return row
    }
    return ToolOutput(["runtimes": .array(rows), "recipes_by_method": RecipeInfo.recipesByMethod],
                      text: rows.map { "\($0["name"]?.string ?? "") → \($0["model"]?.string ?? "?")" }.joined(separator: "\n"))
}

/// Reads the recipe from a torchtune runtime's node command.
enum RecipeInfo {
    /// What the Trainer controller substitutes by method (v2.3.0).
    static let recipesByMethod: JSON = [
        "lora": "lora_finetune_distributed (config suffix _lora)",
        "qlora": "lora_finetune_distributed (config suffix _qlora)",
        "full": "full_finetune_distributed (config suffix _full; _full_multinode on several nodes)",
        "single_device": "lora_finetune_single_device / full_finetune_single_device",
    ]

    static func trainerCommand(_ runtime: JSON) -> [String] {
        for job in runtime["spec"]?["template"]?["spec"]?["replicatedJobs"]?.array ?? [] {
            for c in job["template"]?["spec"]?["template"]?["spec"]?["containers"]?.array ?? [] where c["name"]?.string == "node" {
                return c["command"]?.array?.compactMap(\.string) ?? []
            }
        }
        return []
    }

    static func recipe(_ command: [String]) -> String? {
        command.first { $0.hasSuffix("_distributed") || $0.hasSuffix("_single_device") }
    }

    static func config(_ command: [String]) -> String? {
        guard let i = command.firstIndex(of: "--config"), i + 1 < command.count else { return nil }
        return command[i + 1]
    }
}

/// Exported by the Entry target (the one C symbol lives there).
public let torchtunePluginDefinition = PluginDefinition(
    id: "torchtune", version: "0.1.0",
    description: "TorchTune fine-tuning backend for fine_tune: builds the SDK's BuiltinTrainer section and picks the runtime.",
    tools: [listBackendRecipes], backends: [torchtuneBackend]
)
