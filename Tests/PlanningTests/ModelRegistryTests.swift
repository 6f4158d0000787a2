import PluginKit
import Testing
@testable import PlanningPlugin

@Test func registryHoldsAtLeastThirtyModelsWithSources() {
    let models = ModelRegistry.shared.models
    #expect(models.count >= 30)
    for m in models {
        #expect(m.source == "https://huggingface.co/\(m.id)/blob/main/config.json", "\(m.id)")
    }
    #expect(Set(models.map(\.id)).count == models.count, "duplicate ids")
}

/// Catches typos in the data: the layer figures must add up to the stated count.
@Test func registryFiguresAddUpToParameterCounts() {
    for m in ModelRegistry.shared.models {
        let diff = abs(m.computedParameters - m.parameters) / m.parameters
        // Multimodal entries also count a vision encoder the text figures leave out.
        let tolerance = m.note?.contains("Multimodal") == true ? 0.12 : 0.02
        #expect(diff <= tolerance, "\(m.id): layers give \(m.computedParameters / 1e9)B, stated \(m.paramsBillion)B")
    }
}

@Test(arguments: [
    ("hf://Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B"),
    ("qwen/qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B"),
    ("Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B"),
    ("meta-llama/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-1B"),
    ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B"),
    ("meta-llama/Llama-3.3-70B-Instruct", "meta-llama/Llama-3.3-70B-Instruct"),
    ("google/gemma-2-9b-it", "google/gemma-2-9b"),
    ("gemma-3-1b-it", "google/gemma-3-1b-pt"),
    ("mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-v0.3"),
    ("Qwen/Qwen3-8B-Base", "Qwen/Qwen3-8B"),
    ("someone/Llama-3.2-3B-Instruct-bnb-4bit", "meta-llama/Llama-3.2-3B"),
    ("HF://HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M"),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"),
])
func lookupAcceptsCommonSpellings(_ name: String, _ expected: String) throws {
    #expect(try ModelRegistry.shared.lookup(name).model.id == expected)
}

@Test func unknownModelAsksForParamsBillion() {
    #expect(ModelRegistry.shared.find("acme/Unknown-Model") == nil)
    #expect(ModelRegistry.shared.find("Qwen2.5") == nil)
    do {
        _ = try ModelRegistry.shared.lookup("acme/Unknown-Model")
        Issue.record("expected an error")
    } catch let e as ToolError {
        #expect(e.message.contains("params_billion"))
        #expect(e.field == "model")
    } catch { Issue.record("unexpected \(error)") }
}

@Test func gatedFlagsMatchTheHub() throws {
    #expect(try ModelRegistry.shared.lookup("meta-llama/Llama-3.2-1B").model.gated)
    #expect(try !ModelRegistry.shared.lookup("Qwen/Qwen2.5-1.5B").model.gated)
}
