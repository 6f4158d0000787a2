import BackendKit
import MemoryKit
import PluginKit

/// Where Unsloth jobs run: an `unsloth` runtime if the cluster has one, else
/// torch-distributed with Unsloth's official image.
let unslothSelector = RuntimeSelector(framework: "unsloth", fallbackRuntime: "torch-distributed", image: "unsloth/unsloth")

/// Unsloth's fused kernels and offloaded gradient checkpointing need markedly
/// less activation memory than plain PyTorch; the planner scales by this.
let unslothMemoryFactor = 0.65

let unslothCapabilities: JSON = [
    "methods": ["lora", "qlora"],
    "model_families": ["llama", "qwen2", "qwen2_5", "qwen3", "gemma", "gemma2", "gemma3", "mistral", "phi3", "phi4"],
    "multi_node": false,
    "max_gpus_per_node": 1,
    "memory_factor": .double(unslothMemoryFactor),
    "offloads_activation_checkpoints": true,
    "shards_parameters": false,
    // Unsloth's fused loss, offloaded checkpoints and 8-bit AdamW; read by estimate_resources.
    "memory_profile": [
        "loss": "fused", "activation_checkpointing": true, "activation_offloading": true,
        "optimizer": "adamw_8bit", "adapter_dtype": "bf16", "sharding": "ddp", "packed": false,
    ],
    "backend_options": UnslothOptions.schema,
    "runtime_selector": unslothSelector.capabilities,
]

/// The Unsloth fine-tuning backend: fast single-GPU LoRA/QLoRA.
let unslothBackend = BackendDefinition(
    id: "unsloth", title: "Unsloth (single-GPU LoRA/QLoRA)", version: "0.1.0",
    capabilities: unslothCapabilities,
    operations: [
        "build_trainer": { call in
            try BuildTrainer.run(call.arguments, capabilities: unslothCapabilities) {
                try listRuntimes(call, namespace: call.arguments["namespace"]?.string)
            }
        },
        "estimate": { call in
            try BackendEstimate.run(call.arguments, backendID: "unsloth", capabilities: unslothCapabilities)
        },
    ]
)

let listUnslothOptions = ToolDefinition(
    name: "list_unsloth_options", title: "Unsloth backend options",
    description: "What fine_tune with backend unsloth supports (LoRA/QLoRA on one GPU) and every backend_options key it accepts.",
    category: "discovery", risk: .readOnly, idempotent: true,
    input: Schema.object([:]),
    output: Schema.result(always: ["methods": Schema.list(), "multi_node": Schema.of("boolean"), "memory_factor": Schema.of("number"), "backend_options": Schema.of("object"), "runtime_selector": Schema.of("object")])
) { _ in
    ToolOutput(["methods": unslothCapabilities["methods"] ?? [], "multi_node": false,
                "memory_factor": .double(unslothMemoryFactor), "backend_options": UnslothOptions.schema,
                "runtime_selector": unslothSelector.capabilities],
               text: "Unsloth: LoRA/QLoRA on one GPU; backend_options: \(UnslothOptions.descriptions.keys.sorted().joined(separator: ", ")).")
}

/// Exported by the Entry target (the one C symbol lives there).
public let unslothPluginDefinition = PluginDefinition(
    id: "unsloth", version: "0.1.0",
    description: "Unsloth fine-tuning backend for fine_tune: fast, memory-lean LoRA/QLoRA on a single GPU.",
    tools: [listUnslothOptions], backends: [unslothBackend]
)
