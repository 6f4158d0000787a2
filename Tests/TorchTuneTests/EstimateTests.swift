import KFJSON
import MemoryKit
import PluginKit
import Testing
@testable import TorchTunePlugin

/// The torchtune backend's `estimate`: the planner's memory model on torchtune's declared profile.
@Suite struct EstimateTests {
    func estimate(_ job: JSON) throws -> JSON {
        try BackendEstimate.run(job, backendID: "torchtune", capabilities: torchtuneCapabilities, hub: nil)
    }

    @Test func fullNeedsMoreThanLoRAAndShardsAcrossGPUs() throws {
        let full = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "full", "gpu_memory_gb": 40])
        let lora = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "lora"])
        #expect(full["gpu_memory_gb_per_gpu"]!.double! > lora["gpu_memory_gb_per_gpu"]!.double!)
        #expect(full["recommended_gpus"]!.int! >= 2)
        #expect(lora["memory_profile"]?["loss"] == "chunked")
    }

    @Test func anExplicitLayoutIsKept() throws {
        let answer = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "full", "num_nodes": 2, "gpus_per_node": 4])
        #expect(answer["recommended_gpus"] == 8 && answer["num_nodes"] == 2)
    }

    @Test func oneGPURunsTheSingleDeviceRecipesOptimizer() throws {
        let one = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "full", "gpus_per_node": 1])
        let two = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "full", "gpus_per_node": 2])
        #expect(one["memory_profile"]?["optimizer"] == "paged_adamw_8bit" && one["memory_profile"]?["optimizer_in_backward"] == true)
        #expect(two["memory_profile"]?["optimizer"] == "adamw")
        // The user's optimizer wins, and drops the recipe's step-in-backward with it.
        let chosen = try estimate(["model": "meta-llama/Llama-3.1-8B", "peft_method": "full", "gpus_per_node": 1, "optimizer": "adamw"])
        #expect(chosen["memory_profile"]?["optimizer"] == "adamw" && chosen["memory_profile"]?["optimizer_in_backward"] == nil)
    }
}
