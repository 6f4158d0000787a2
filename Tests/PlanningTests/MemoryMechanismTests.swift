import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin

/// The mechanisms added for held-out stacks: FSDP's root unit, sharded QLoRA's
/// storage dtype and bitsandbytes' quantization state, encoder-decoders, DPO,
/// mixtures of experts — each against the figure its source implies.
private func model(_ id: String) throws -> ModelSpec { try ModelRegistry.shared.lookup(id).model }
private func estimate(_ m: ModelSpec, _ r: MemoryRequest, _ profile: JSON = [:]) -> MemoryEstimate {
    MemoryModel.estimate(model: m, request: r, backend: BackendProfile(backend: ["capabilities": ["memory_profile": profile]]), explain: false)
}

@Test func fsdpKeepsItsRootUnitWholeAndZero3DoesNot() throws {
    let m = try model("meta-llama/Meta-Llama-3-70B")
    let r = MemoryRequest(method: .qlora, batchSize: 1, seqLen: 3072, numNodes: 1, gpusPerNode: 4)
    let embeddings = Double(2 * m.vocabSize * m.hiddenSize)
    let root = estimate(m, r, ["sharding": "fsdp"]).perGPU.weights
    let ownUnits = estimate(m, r, ["sharding": "fsdp", "shard_embeddings": true]).perGPU.weights
    // Whole 16-bit embeddings and head against a quarter of them.
    #expect(abs((root - ownUnits) - embeddings * 2 * 0.75) / (embeddings * 2) < 0.01)
    #expect(estimate(m, r, ["sharding": "zero3"]).perGPU.weights < root)
    // CPU offload moves the shards, not the root unit nor bitsandbytes' quantization state.
    let offloaded = estimate(m, r, ["sharding": "fsdp", "cpu_offload": true]).perGPU.weights
    #expect(offloaded > embeddings * 2 + m.linearParameters * (MemoryModel.nf4BytesPerParameter - 0.5))
    let torchao = estimate(m, r, ["sharding": "fsdp", "cpu_offload": true, "quantization": "torchao"]).perGPU.weights
    #expect(abs((offloaded - torchao) - m.linearParameters * (MemoryModel.nf4BytesPerParameter - 0.5)) < 1e6)
}

@Test func shardedQLoRASkipsTheKbitUpcast() throws {
    let m = try model("meta-llama/Meta-Llama-3-70B")
    let profile: JSON = ["sharding": "fsdp", "kbit_upcast": true]
    let one = estimate(m, MemoryRequest(method: .qlora), profile)
    // One GPU: embeddings and head in fp32 (prepare_model_for_kbit_training).
    #expect(one.perGPU.weights > m.linearParameters * MemoryModel.nf4BytesPerParameter + Double(2 * m.vocabSize * m.hiddenSize) * 4)
    // Sharded: TRL skips it, the root holds them in 16-bit.
    let sharded = estimate(m, MemoryRequest(method: .qlora, numNodes: 1, gpusPerNode: 2), profile)
    #expect(sharded.perGPU.weights < one.perGPU.weights / 1.5)
}

@Test func encoderDecodersCountBothStacksAndCrossAttention() throws {
    let t0 = try model("bigscience/T0_3B")
    #expect(t0.isEncoderDecoder && t0.encoderLayers == 24)
    #expect(abs(t0.computedParameters - 2.85e9) / 2.85e9 < 0.01)
    // LoRA on q and v: 24 encoder self-attentions, 24 decoder self- and 24 cross-attentions.
    let qv = LoRASettings(rank: 8, modules: [.q, .v]).parameters(for: t0)
    #expect(qv == 72 * 2 * 8 * (2048 + 2048))
    var short = MemoryRequest(method: .lora, precision: .fp32, batchSize: 8, seqLen: 96, gradientCheckpointing: false)
    short.targetLen = 4
    var long = short
    long.targetLen = 96
    let a = estimate(t0, short), b = estimate(t0, long)
    // Logits cover the target only; the decoder's activations grow with it.
    #expect(a.perGPU.logits * 24 == b.perGPU.logits)
    #expect(a.perGPU.activations < b.perGPU.activations)
    // The same request on a decoder-only model ignores the target length.
    let llama = try model("meta-llama/Llama-3.2-1B")
    #expect(estimate(llama, short).perGPUBytes == estimate(llama, long).perGPUBytes)
}

@Test func dpoDoublesTheBatchAndAFullRunKeepsAReference() throws {
    let m = try model("Qwen/Qwen2.5-1.5B")
    let sft = MemoryRequest(method: .lora, batchSize: 2, seqLen: 1024)
    var dpo = sft
    dpo.objective = .dpo
    let s = estimate(m, sft), d = estimate(m, dpo)
    #expect(d.perGPU.logits == 2 * s.perGPU.logits)
    #expect(d.perGPU.weights == s.perGPU.weights)  // PEFT: the reference is the base with adapters off
    var full = dpo
    full.method = .full
    var fullSFT = sft
    fullSFT.method = .full
    #expect(estimate(m, full).perGPU.weights == estimate(m, fullSFT).perGPU.weights + m.parameters * 2)
}

@Test func mixturesOfExpertsHoldEveryExpertAndRunTheActiveOnes() throws {
    let mixtral = try model("mistralai/Mixtral-8x7B-v0.1")
    let r = MemoryRequest(method: .qlora, batchSize: 1, seqLen: 2048, gradientCheckpointing: false)
    let e = MemoryModel.estimate(model: mixtral, request: r, backend: .generic)
    #expect(e.perGPU.weights > mixtral.linearParameters * MemoryModel.nf4BytesPerParameter)
    var dense = mixtral
    dense.experts = 0
    dense.expertsPerToken = 0
    // Two experts per token: the MLP part of the activations doubles, not eightfold.
    let ratio = e.perGPU.activations / MemoryModel.estimate(model: dense, request: r, backend: .generic).perGPU.activations
    #expect(ratio > 1.3 && ratio < 2)
    #expect(e.assumptions.contains { $0.contains("all 8 experts") })
}

@Test(arguments: [
    (["objective": "ppo"] as JSON, "objective"),
    (["objective": 3] as JSON, "objective"),
    (["max_target_len": 0] as JSON, "max_target_len"),
    (["max_target_len": -4] as JSON, "max_target_len"),
    (["max_target_len": "long"] as JSON, "max_target_len"),
    (["max_target_len": 1e12] as JSON, "max_target_len"),
])
func hostileObjectiveAndTargetLengthAreRefusedByName(extra: JSON, field: String) throws {
    var a: JSON = ["model": "bigscience/T0_3B"]
    for (k, v) in extra.object ?? [:] { a[k] = v }
    do {
        _ = try EstimateInput(arguments: a, backends: [])
        Issue.record("accepted \(extra)")
    } catch let e as ToolError {
        #expect(e.field == field)
    }
}

@Test func estimateInputReadsObjectiveAndTargetLength() throws {
    let input = try EstimateInput(arguments: ["model": "bigscience/mt0-xxl", "objective": "DPO", "max_target_len": 8], backends: [])
    #expect(input.request.objective == .dpo && input.request.targetLen == 8)
    let decoder = try EstimateInput(arguments: ["model": "Qwen/Qwen2.5-7B", "max_target_len": 8], backends: [])
    #expect(decoder.request.targetLen == nil)
    #expect(decoder.assumptions.contains { $0.contains("max_target_len applies to encoder-decoder models") })
}

@Test func hubConfigsOfEncoderDecodersAreRead() throws {
    let t5: JSON = ["model_type": "t5", "is_encoder_decoder": true, "d_model": 1024, "d_ff": 2816, "d_kv": 64, "num_heads": 16,
                    "num_layers": 24, "num_decoder_layers": 24, "vocab_size": 32128, "feed_forward_proj": "gated-gelu"]
    let spec = try #require(HubConfig.spec(id: "google/t5-v1_1-large", config: t5, source: "test"))
    #expect(spec.encoderLayers == 24 && spec.layers == 24 && spec.mlpMatrices == 3)
    #expect(abs(spec.paramsBillion - 0.78) < 0.03)  // t5-v1_1-large: 783M
    let bart: JSON = ["model_type": "bart", "is_encoder_decoder": true, "d_model": 1024, "encoder_ffn_dim": 4096,
                      "decoder_ffn_dim": 4096, "encoder_layers": 12, "decoder_layers": 12, "encoder_attention_heads": 16,
                      "decoder_attention_heads": 16, "vocab_size": 50265, "tie_word_embeddings": true]
    let b = try #require(HubConfig.spec(id: "facebook/bart-large", config: bart, source: "test"))
    #expect(b.encoderLayers == 12 && b.mlpMatrices == 2)
    #expect(abs(b.paramsBillion - 0.406) < 0.03)  // bart-large: 406M
}
