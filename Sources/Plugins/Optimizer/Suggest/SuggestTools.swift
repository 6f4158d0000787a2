import PluginKit

/// suggest_hyperparameters: an offline starting search space for a model and method,
/// from published recipes, in the form create_experiment takes as is.
enum SuggestTools {
    static var all: [ToolDefinition] { [suggestHyperparameters] }

    static let suggestHyperparameters = ToolDefinition(
        name: "suggest_hyperparameters", title: "Suggest a search space",
        description: "An offline starting search space for fine-tuning a model with a method (lora, qlora, full): the ranges people use for learning rate, LoRA rank, dropout and batch size, scaled by model size from the planner's registry, with sources. Pass its search_space to create_experiment as is.",
        category: ExperimentTools.category, risk: .readOnly, idempotent: true,
        input: Schema.object([
            "model": Schema.string("Model id, e.g. Qwen/Qwen2.5-7B (sizes come from the planner's registry when it knows the model)."),
            "method": Schema.string("Fine-tuning method.", enum: ["lora", "qlora", "full"], default: "lora"),
        ]),
        output: Schema.result(always: ["method": Schema.of("string"), "model": Schema.of("string", "null"), "params_billion": Schema.of("number", "null"), "search_space": Schema.of("object"), "objectives": Schema.list(), "algorithm": Schema.of("string"), "num_trials": Schema.of("integer"), "parallel_trials": Schema.of("integer"), "sources": Schema.list(), "notes": Schema.list(Schema.of("string"))])
    ) { call in
        let method = try call.optionalString("method") ?? "lora"
        guard let recipe = SearchSpaceRecipes.byMethod[method] else {
            throw ToolError("method must be lora, qlora or full; got \(method).", field: "method")
        }
        let model = try call.optionalString("model")
        let size = model.flatMap { modelSize($0, call) }
        var notes: [String] = []
        var space = recipe.searchSpace
        if let size, size >= 30 {
            // QLoRA (Dettmers et al. 2023, Table 9): 1e-4 for 33B/65B where smaller models use 2e-4.
            space["learning_rate"] = ["loguniform": .array(recipe.largeModelLearningRate.map { .double($0) })]
            notes.append("\(model!) has \(size)B parameters: the learning-rate range is halved, as published recipes do for models of 30B and more.")
        } else if let model, size == nil {
            notes.append("The planner's registry does not know \(model) (or the Planning plugin is not loaded); the ranges are the method's defaults.")
        }
        notes.append("Parameter names are keyword arguments of a run_custom_training function; with fine_tune or run_container_job write ${trialParameters.NAME} where each value goes.")
        let result: JSON = [
            "method": .string(method), "model": model.map { .string($0) } ?? .null,
            "params_billion": size.map { .double($0) } ?? .null,
            "search_space": .object(space),
            "objectives": [["metric": "loss", "direction": "minimize"]],
            "algorithm": "random", "num_trials": .int(recipe.trials), "parallel_trials": 2,
            "sources": .array(recipe.sources.map { ["title": .string($0.0), "url": .string($0.1)] }),
            "notes": .array(notes.map { .string($0) }),
        ]
        let ranges = space.keys.sorted().map { "\($0) \(space[$0]!.serialized())" }.joined(separator: ", ")
        return ToolOutput(result, text: "Search space for \(method)\(model.map { " on \($0)" } ?? ""): \(ranges); \(recipe.trials) trials, random search.")
    }

    /// The model's size from the planner's registry (list_model_registry), through the host.
    static func modelSize(_ model: String, _ call: ToolCall) -> Double? {
        let id = model.hasPrefix("hf://") ? String(model.dropFirst(5)) : model
        guard let answer = try? call.callTool("list_model_registry", ["filter": .string(id)]) else { return nil }
        let entry = answer["models"]?.array?.first { $0["id"]?.string?.lowercased() == id.lowercased() }
        return entry?["params_billion"]?.double
    }
}

/// Published starting ranges, by method. Each range brackets the values the sources use.
enum SearchSpaceRecipes {
    struct Recipe {
        var searchSpace: [String: JSON]
        var largeModelLearningRate: [Double]
        var trials: Int
        var sources: [(String, String)]
    }

    static let lora = ("Hu et al., LoRA: Low-Rank Adaptation of Large Language Models (2021): ranks 1-64 work; small ranks suffice",
                       "https://arxiv.org/abs/2106.09685")
    static let qlora = ("Dettmers et al., QLoRA (2023): r=64, dropout 0.1 (≤13B) / 0.05 (33B+), lr 2e-4 (≤13B) / 1e-4 (33B+), batch 16",
                        "https://arxiv.org/abs/2305.14314")
    static let peft = ("Hugging Face PEFT LoraConfig: r=8, lora_alpha=8, lora_dropout=0 by default",
                       "https://huggingface.co/docs/peft/package_reference/lora")
    static let torchtune = ("torchtune LoRA recipes: lr 3e-4, rank 8, alpha 16, batch 2-4 per device",
                            "https://github.com/pytorch/torchtune/tree/main/recipes/configs")
    static let alpaca = ("Stanford Alpaca full fine-tuning: lr 2e-5 (7B) / 1e-5 (13B), batch 128, 3 epochs",
                         "https://github.com/tatsu-lab/stanford_alpaca")

    static let byMethod: [String: Recipe] = [
        "lora": Recipe(searchSpace: [
            "learning_rate": ["loguniform": [5e-5, 5e-4]],
            "lora_rank": ["choice": [8, 16, 32, 64]],
            "lora_dropout": ["uniform": [0, 0.1]],
            "batch_size": ["choice": [4, 8, 16]],
        ], largeModelLearningRate: [2.5e-5, 2.5e-4], trials: 12, sources: [lora, peft, torchtune]),
        "qlora": Recipe(searchSpace: [
            "learning_rate": ["loguniform": [5e-5, 5e-4]],
            "lora_rank": ["choice": [16, 32, 64]],
            "lora_dropout": ["uniform": [0.05, 0.1]],
            "batch_size": ["choice": [8, 16]],
        ], largeModelLearningRate: [2.5e-5, 2.5e-4], trials: 12, sources: [qlora, peft]),
        "full": Recipe(searchSpace: [
            "learning_rate": ["loguniform": [5e-6, 5e-5]],
            "batch_size": ["choice": [16, 32, 64]],
        ], largeModelLearningRate: [2.5e-6, 2.5e-5], trials: 8, sources: [alpaca]),
    ]
}
