import Foundation
import PluginKit
import Testing
@testable import MemoryKit
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

@Test(arguments: ["../etc/passwd", "a/b/c", "org/na me", "org/..", "org/x..y", "http://evil.example/x", "org/name?x=1",
                  "org/name#f", "/name", "org/", "-org/name", "org/name%2F..", String(repeating: "a", count: 97) + "/x", "org/näme"])
func hubRefusesWhatIsNotARepositoryID(_ raw: String) {
    #expect(HubConfig.repositoryID(raw) == nil)
    let hub = HubConfig(baseURL: "http://127.0.0.1:9", cacheDirectory: nil, offline: false)
    if case .found = hub.lookup(raw) { Issue.record("\(raw) was looked up") }
}

@Test func hubConfigGivesTheArchitectureAndIsCached() throws {
    #expect(HubConfig.repositoryID("hf://acme/Tiny-3B.v1_x") == "acme/Tiny-3B.v1_x")
    let config: JSON = ["model_type": "llama", "hidden_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 24,
                        "num_key_value_heads": 8, "head_dim": 128, "intermediate_size": 8192, "vocab_size": 128256,
                        "max_position_embeddings": 131072, "tie_word_embeddings": true]
    let spec = try #require(HubConfig.spec(id: "acme/Tiny-3B", config: config, source: "x"))
    // The same figures as Llama 3.2 3B, whose config.json they are.
    #expect(spec.paramsBillion == 3.21)
    let multimodal: JSON = ["model_type": "gemma3", "text_config": config]
    #expect(HubConfig.spec(id: "acme/V", config: multimodal, source: "x")?.hiddenSize == 3072)
    #expect(HubConfig.spec(id: "acme/Bad", config: ["hidden_size": 10], source: "x") == nil)

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kfmcp-hub-\(UInt32.random(in: 0...UInt32.max))").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let offline = HubConfig(baseURL: "http://127.0.0.1:9", cacheDirectory: dir, offline: true)
    guard case .unavailable(let why) = offline.lookup("acme/Tiny-3B") else { Issue.record("found offline"); return }
    #expect(why.contains("HF_HUB_OFFLINE"))
    offline.writeCache("acme/Tiny-3B", config.description)
    guard case .found(let cached, cached: true) = offline.lookup("hf://acme/Tiny-3B") else { Issue.record("cache unused"); return }
    #expect(cached.layers == 28)
    // estimate_resources' input reads it, with a note saying where the figures come from.
    let input = try EstimateInput(arguments: ["model": "acme/Tiny-3B"], backends: [], hub: offline)
    #expect(input.model.paramsBillion == 3.21)
    #expect(input.assumptions.contains { $0.contains("config.json (cached)") })
    // Offline and not cached: the error asks for params_billion and says why.
    do {
        _ = try EstimateInput(arguments: ["model": "acme/Other-7B"], backends: [], hub: offline)
        Issue.record("no error")
    } catch let e as ToolError {
        #expect(e.message.contains("params_billion") && e.message.contains("HF_HUB_OFFLINE"))
    }
}
