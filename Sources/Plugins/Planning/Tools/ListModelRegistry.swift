import MemoryKit
import PluginKit

extension PlanningTools {
    static let listModelRegistry = ToolDefinition(
        name: "list_model_registry", title: "List known models",
        description: "The models the planner knows (architecture figures from each model's Hugging Face config.json), optionally filtered by a name fragment.",
        category: category, risk: .readOnly, idempotent: true,
        input: Schema.object(["filter": Schema.string("Case-insensitive name fragment, e.g. qwen or 8b."),
                              "model": Schema.string("A model repo (org/name): the one entry it resolves to, variants such as -Instruct included (none when unknown).")]),
        output: Schema.result(always: ["models": Schema.list(), "count": Schema.of("integer")])
    ) { call in
        let filter = try call.optionalString("filter")?.lowercased()
        var models = ModelRegistry.shared.models.filter { filter == nil || $0.id.lowercased().contains(filter!) }
        if let model = try call.optionalString("model") {
            models = ModelRegistry.shared.find(model).map { [$0.model] } ?? []
        }
        return ToolOutput(["models": .array(models.map(\.json)), "count": .int(models.count)],
                          text: models.map { "\($0.id) (\($0.paramsBillion)B\($0.gated ? ", gated" : ""))" }.joined(separator: "\n"))
    }
}
