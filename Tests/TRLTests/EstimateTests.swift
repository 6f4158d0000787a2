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
