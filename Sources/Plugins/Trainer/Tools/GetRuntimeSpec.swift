import PluginKit

extension DiscoveryTools {
    static let getRuntimeSpec = ToolDefinition(
        name: "get_runtime_spec", title: "Runtime manifest",
        description: "The full runtime object (namespaced TrainingRuntime first, else ClusterTrainingRuntime) as JSON and YAML.",
        category: "discovery", risk: .readOnly, idempotent: true,
        input: Schema.object(["name": Schema.name("Runtime name.", for: .trainingRuntimes),
                              "namespace": Schema.namespace],
                             required: ["name"]),
        output: LifecycleTools.specSchema
    ) { call in
        let api = try TrainerAPI(call)
        let object = withoutManagedFields(try api.runtimeObject(try call.string("name"), field: "name"))
        return ToolOutput(["object": object, "yaml": .string(YAML.render(object))], text: YAML.render(object))
    }
}
