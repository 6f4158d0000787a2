import KFJSON
import MemoryKit
import PluginKit
import Testing
@testable import TRLPlugin

/// The trl backend's `estimate`: the planner's memory model on TRL's declared profile.
@Suite struct EstimateTests {
    @Test func everyGPUHoldsTheWholeModelUnderDDP() throws {
        let ddp = try estimateTRL(["model": "meta-llama/Llama-3.1-70B", "peft_method": "none"])
        #expect(ddp["fits"] == false && ddp["recommended_gpus"] == 1)
        #expect(ddp["memory_profile"]?["sharding"] == "ddp")
        #expect(ddp["note"]?.string?.contains("full copy") == true)
    }

    @Test func aShardingAccelerateProfileSpreadsTheModel() throws {
        let sharded = try estimateTRL(["model": "meta-llama/Llama-3.1-70B", "peft_method": "none",
                                       "backend_options": ["accelerate_config": "zero3"]])
        #expect(sharded["memory_profile"]?["sharding"] == "zero3")
        #expect((sharded["recommended_gpus"]?.int ?? 0) > 1)
    }

    @Test func dpoSizesPreferencePairsAndZeROKeepsFP32MasterStates() throws {
        let sft = try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "batch_size": 2])
        let dpo = try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "batch_size": 2, "backend_options": ["trainer_type": "dpo"]])
        #expect(dpo["objective"] == "dpo" && sft["objective"] == nil)
        #expect((dpo["breakdown"]?["logits"]?.double ?? 0) > 1.9 * (sft["breakdown"]?["logits"]?.double ?? 0))
        // A full fine-tune under DeepSpeed: fp32 master weights and moments, 12 bytes a parameter, sharded.
        let zero2 = try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "peft_method": "none", "gpus_per_node": 4,
                                     "backend_options": ["accelerate_config": "zero2"]])
        #expect(zero2["memory_profile"]?["sharding"] == "zero2" && zero2["memory_profile"]?["master_weights_fp32"] == true)
        let optimizerGB = zero2["breakdown"]?["optimizer"]?.double ?? 0
        #expect(abs(optimizerGB - 1.54e9 * 12 / 4 / 1_073_741_824) < 0.2)
    }

    @Test func aModelOutsideTheRegistryNeedsItsSize() throws {
        // As estimate_resources: no guess from the name; params_billion sizes it.
        do {
            _ = try BackendEstimate.run(["model": "Someone/SmolLM-360M"], backendID: "trl", capabilities: trlBackend.capabilities, hub: nil)
            Issue.record("no error")
        } catch let e as ToolError {
            #expect(e.field == "model" && e.message.contains("params_billion"))
        }
        let sized = try BackendEstimate.run(["model": "Someone/SmolLM-360M", "params_billion": 0.36], backendID: "trl",
                                            capabilities: trlBackend.capabilities, hub: nil)
        #expect(sized["model"]?["params_billion"] == 0.36)
    }

    @Test func hostileArgumentsAreNamed() {
        #expect(throws: ToolError.self) { try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "batch_size": -1]) }
        #expect(throws: ToolError.self) { try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "gpu_memory_gb": 0]) }
        #expect(throws: ToolError.self) { try estimateTRL(["model": "Qwen/Qwen2.5-1.5B", "peft_method": "lora", "method": "full"]) }
        #expect(throws: ToolError.self) { try estimateTRL(["model": .int(3)]) }
    }
}
