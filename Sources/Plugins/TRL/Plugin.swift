import BackendKit
import MemoryKit
import PluginKit

/// Where TRL jobs run: a `trl` runtime if the cluster has one, else
/// torch-distributed with Hugging Face's TRL image (docker/trl in the TRL repo).
let trlSelector = RuntimeSelector(framework: "trl", fallbackRuntime: "torch-distributed", image: "huggingface/trl")

/// Accelerate profiles that shard parameters across GPUs.
let shardingAccelerateConfigs: Set<String> = ["zero3", "fsdp1", "fsdp2"]

/// The TRL fine-tuning backend: SFT and DPO through TRL's CLI on Kubeflow Trainer.
let trlBackend = BackendDefinition(
    id: "trl", title: "Hugging Face TRL (trl sft / trl dpo)", version: "0.1.0",
    capabilities: [
        "methods": ["lora", "qlora", "full"],
        "model_families": ["llama", "qwen2", "qwen2_5", "qwen3", "gemma", "gemma2", "gemma3", "mistral", "phi3", "smollm"],
        "trainer_types": .array(TRLTrainerType.allCases.map { .string($0.rawValue) }),
        "multi_node": true,
        // build_trainer takes resume_from_checkpoint (a path in the container).
        "resume": true,
        "memory_factor": 1.0,
        // accelerate's default multi-GPU mode is DDP: every GPU holds the whole model.
        "shards_parameters": false,
        // Hugging Face Trainer + PEFT: full-vocabulary loss in fp32, fp32
        // adapters, QLoRA through prepare_model_for_kbit_training; read by estimate_resources.
        "memory_profile": [
            "loss": "full", "activation_checkpointing": true, "optimizer": "adamw", "adapter_dtype": "fp32",
            "kbit_upcast": true, "sharding": "ddp", "packed": false,
        ],
        "backend_options": TRLOptions.schema,
        "runtime_selector": trlSelector.capabilities,
    ],
    operations: [
        "build_trainer": { call in
            try BuildTrainer.run(call.arguments) { try listRuntimes(call, namespace: call.arguments["namespace"]?.string) }
        },
        "estimate": { call in try estimateTRL(call.arguments) },
    ]
)

let listTRLTrainerTypes = ToolDefinition(
    name: "list_trl_trainer_types", title: "TRL trainer types and options",
    description: "The TRL trainers fine_tune can run with backend trl (backend_options.trainer_type), the dataset each expects, and every backend_options key the trl backend accepts.",
    category: "discovery", risk: .readOnly, idempotent: true,
    input: Schema.object([:]),
    output: Schema.result(always: ["trainer_types": Schema.list(), "backend_options": Schema.of("object"), "runtime_selector": Schema.of("object")])
) { _ in
    let types = TRLTrainerType.allCases.map(\.summary)
    return ToolOutput(["trainer_types": .array(types), "backend_options": TRLOptions.schema,
                       "runtime_selector": trlSelector.capabilities],
                      text: types.map { "\($0["command"]?.string ?? ""): \($0["description"]?.string ?? "")" }
                          .joined(separator: "\n"))
}

/// Exported by the Entry target (the one C symbol lives there).
public let trlPluginDefinition = PluginDefinition(
    id: "trl", version: "0.1.0",
    description: "Hugging Face TRL fine-tuning backend for fine_tune: SFT and DPO with TRL's CLI across nodes.",
    tools: [listTRLTrainerTypes], backends: [trlBackend]
)
