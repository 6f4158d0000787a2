import KFJSON
import MemoryKit
import PluginKit
import Testing
@testable import UnslothPlugin

/// The unsloth backend's `estimate`: the planner's memory model on Unsloth's declared profile.
@Suite struct EstimateTests {
    @Test func leanerThanPlainPyTorch() throws {
        let job: JSON = ["model": "Qwen/Qwen2.5-7B", "peft_method": "qlora", "batch_size": 8]
        let unsloth = try BackendEstimate.run(job, backendID: "unsloth", capabilities: unslothCapabilities, hub: nil)
        let plain = try BackendEstimate.run(job, backendID: "generic", capabilities: [:], hub: nil)
        #expect((unsloth["gpu_memory_gb_per_gpu"]?.double ?? 99) < (plain["gpu_memory_gb_per_gpu"]?.double ?? 0))
        #expect(unsloth["memory_profile"]?["loss"] == "fused")
        #expect(unsloth["breakdown"]?["logits"]?.double ?? 99 < plain["breakdown"]?["logits"]?.double ?? 0)
    }

    @Test func fullFineTuneIsNotOffered() {
        #expect(throws: ToolError.self) {
            try BackendEstimate.run(["model": "Qwen/Qwen2.5-7B", "peft_method": "full"], backendID: "unsloth",
                                    capabilities: unslothCapabilities, hub: nil)
        }
    }
}
