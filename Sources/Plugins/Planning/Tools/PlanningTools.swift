import MemoryKit
import PluginKit

/// The planning tools: thin wrappers that read arguments, call the pure
/// planner (Registry/, Estimation/, Checks/) and shape the answer.
enum PlanningTools {
    static let category = "planning"

    static let estimateInputProperties: [String: JSON] = [
        "model": Schema.string("Hugging Face model id: hf://org/name, org/name or a close variant (case, -Instruct/-it/-Chat, without org)."),
        "method": Schema.string("Fine-tuning method (default lora; full for custom/container trainers).", enum: FineTuneMethod.allCases.map(\.rawValue)),
        "peft_method": KEPAliases.peftMethod,
        "backend": Schema.string("Fine-tuning backend id (see list_fine_tune_backends); its declared memory profile (loss, optimizer, checkpointing, sharding, ...) is used."),
        "trainer_type": Schema.string("builtin (fine_tune), custom (run_custom_training) or container (run_container_job).",
                                      enum: EstimateInput.TrainerType.allCases.map(\.rawValue), default: "builtin"),
        "batch_size": Schema.integer("Micro-batch per GPU (default: fine_tune's 4 for builtin, 1 for custom/container).", minimum: 1, maximum: 4096),
        "seq_len": Schema.integer("Tokens per sequence (same as max_seq_len).", minimum: 1, default: 2048),
        "max_seq_len": Schema.integer("Longest sequence in tokens: packed batches are always this long, padded ones at most.", minimum: 1, maximum: 10_000_000),
        "optimizer": Schema.string("Optimizer, over the backend's default (paged 8-bit AdamW keeps its states in CPU memory when the GPU is full).",
                                   enum: MemoryProfile.Optimizer.allCases.map(\.rawValue)),
        "activation_checkpointing": Schema.boolean("Recompute each layer's activations in the backward pass (default: the backend's; gradient_checkpointing is the same)."),
        "activation_offloading": Schema.boolean("Keep checkpointed activations in CPU memory (default: the backend's)."),
        "cpu_offload": Schema.boolean("FSDP/ZeRO CPU offload: sharded weights, gradients and optimizer states in CPU memory (default: the backend's)."),
        "packed": Schema.boolean("Sequences packed to max_seq_len (default: the backend's)."),
        "objective": Schema.string("Training objective: sft, or dpo (chosen and rejected completions per example, and a frozen reference model for a full fine-tune).",
                                   enum: MemoryRequest.Objective.allCases.map(\.rawValue), default: "sft"),
        "max_target_len": Schema.integer("Encoder-decoder models (T5, BART): the longest target in tokens (default: max_seq_len, which is then the source's).",
                                         minimum: 1, maximum: 10_000_000),
        "precision": Schema.string("Weight precision (QLoRA: compute dtype; the base is 4-bit NF4).", enum: Precision.allCases.map(\.rawValue), default: "bf16"),
        "num_nodes": Schema.integer("Nodes.", minimum: 1, maximum: 1024),
        "gpus_per_node": Schema.integer("GPUs per node.", minimum: 1, maximum: 64),
        "gradient_checkpointing": Schema.boolean("Same as activation_checkpointing."),
        "lora_rank": Schema.integer("LoRA rank.", minimum: 1, maximum: 1024, default: 16),
        "lora_target_modules": Schema.array("LoRA target modules (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear); default all linear.",
                                            items: Schema.string("Module name.")),
        "params_billion": Schema.number("Parameter count in billions: needed for models outside the registry, a hint for custom code.", minimum: 0),
    ]

    static let all = [estimateResources, checkPrerequisites, validateConfig, listModelRegistry]
}
