/*
 * kfmcp/providers.h — providers: named services (a fine-tuning backend is one
 * kind) that other plugins call by id through the host.
 */
#ifndef KFMCP_PROVIDERS_H
#define KFMCP_PROVIDERS_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * PROVIDERS. A kfmcp_backend_v1 entry declares a provider: a named service
 * other plugins call through call_backend(id, op, json) without knowing which
 * plugin implements it. Its kind is capabilities_json's "kind", an id with a
 * version, e.g. "kfmcp.provider/finetune-backend/1" (the default when "kind"
 * is absent, so every ABI 1.0 backend is a fine-tuning backend); another kind
 * (an optimizer algorithm, a storage provider) needs no new ABI field. The
 * host only routes: it checks ids are unique and never reads the operations.
 * Callers pick providers of the kind they speak from list_backends.
 *
 * The fine-tuning backend contract (kind "kfmcp.provider/finetune-backend/1":
 * operations "build_trainer" and "estimate", every field, type and
 * nullability) is in docs/finetune-backend.md beside this header's project.
 */
#define KFMCP_PROVIDER_FINETUNE_BACKEND "kfmcp.provider/finetune-backend/1"

/* One provider, e.g. a fine-tuning backend (torchtune, trl, unsloth, third-party ones). */
typedef struct kfmcp_backend_v1 {
    uint32_t struct_size;           /* sizeof(kfmcp_backend_v1)                  */
    uint32_t reserved0;             /* 0                                         */
    const char *id;                 /* [a-z][a-z0-9_-]*, unique across plugins   */
    const char *title;
    const char *version;
    /* JSON object: {"kind":"kfmcp.provider/finetune-backend/1" (optional),
     * for a fine-tuning backend: "methods":["lora","qlora","full"], "model_families":[...],
     * "multi_node":true, "memory_factor":1.0,
     * "runtime_selector":{"framework":"torchtune", "fallback_runtime":...,
     *                     "image":...},
     * "memory_profile":{...}}   (optional, added in 1.x; read by the planner)
     * memory_profile: how the trainer spends GPU memory, every key optional:
     *   "loss": "fused" | "chunked" | "full" (fp32 logits + softmax copy),
     *   "logit_bytes": number (per token and vocabulary entry, overrides loss),
     *   "activation_checkpointing": bool, "activation_offloading": bool,
     *   "optimizer": "adamw" | "adamw_8bit" | "paged_adamw_8bit" | "sgd",
     *   "optimizer_state_dtype": "fp32" | "bf16", "optimizer_in_backward": bool,
     *   "master_weights_fp32": bool, "adapter_dtype": "fp32" | "bf16",
     *   "kbit_upcast": bool (QLoRA keeps embeddings/head/norms in fp32),
     *   "sharding": "fsdp" | "zero3" | "zero2" | "ddp", "cpu_offload": bool,
     *   "quantization": "bitsandbytes" | "torchao" (the 4-bit library),
     *   "shard_embeddings": bool (embeddings/head are FSDP units of their own),
     *   "packed": bool, "allocator_reserve": fraction, "cuda_context_gb": number,
     *   "single_device": {these keys} (what differs on one GPU, where a stack
     *   runs other recipes: torchtune's paged 8-bit AdamW in the backward pass).
     * Unknown keys are ignored; the older "shards_parameters":false and
     * "offloads_activation_checkpoints":true still mean sharding "ddp" and
     * activation_offloading true. */
    const char *capabilities_json;
} kfmcp_backend_v1;

/*
 * PROVIDER NAMES (appended in ABI 1.2, no layout change). The ABI's "backend"
 * means provider: a kfmcp_backend_v1 declares any kind of provider, the
 * manifest's backends/backend_count/backend_invoke list and run them, and
 * host->call_backend/list_backends call and list them. New code and docs say
 * provider and use these names; sources written against 1.0/1.1 keep
 * compiling unchanged with the old ones.
 */
typedef kfmcp_backend_v1 kfmcp_provider_v1;
#define KFMCP_PROVIDER_V1_0_SIZE KFMCP_BACKEND_V1_0_SIZE
/* Every provider kind starts with this, then the kind's name and its version. */
#define KFMCP_PROVIDER_KIND_PREFIX "kfmcp.provider/"
/* The type of manifest->backend_invoke: run one operation of one provider. */
typedef int32_t (*kfmcp_provider_invoke_fn)(const char *provider_id, const char *op,
                                            const char *json_in, kfmcp_call *call,
                                            char **json_out);
/* The types of host->call_backend and host->list_backends. */
typedef int32_t (*kfmcp_call_provider_fn)(const kfmcp_host_v1 *host, kfmcp_call *call,
                                          const char *provider_id, const char *op,
                                          const char *json_in, char **json_out);
typedef int32_t (*kfmcp_list_providers_fn)(const kfmcp_host_v1 *host, char **json_out);

#ifdef __cplusplus
}
#endif

#endif /* KFMCP_PROVIDERS_H */
